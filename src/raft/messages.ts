/**
 * Messages exchanged between Raft peers. One discriminated union: every message names its
 * sender, receiver and the sender's term; each variant carries only its own fields.
 *
 * RPC names and fields follow the Raft paper (Figure 2, §7) and thesis (§4.2.3 TimeoutNow,
 * §6.4 ReadIndex, §9.6 PreVote). Heartbeats are a separate message (as in etcd-io/raft) so they
 * can carry a ReadIndex round number without the log-matching check of an AppendEntries.
 */
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import type { ConfState, Entry } from "./types.js";

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's currentTerm (for PreVote: the term it would campaign in). */
  readonly term: Term;
}

/** Leader → follower: replicate `entries` after (`prevLogIndex`, `prevLogTerm`) (Raft §5.3). */
export interface AppendEntries extends Envelope {
  readonly type: "AppendEntries";
  readonly prevLogIndex: LogIndex;
  readonly prevLogTerm: Term;
  readonly entries: readonly Entry[];
  /** The leader's commitIndex. */
  readonly leaderCommit: LogIndex;
}

/**
 * Follower → leader: the outcome of an AppendEntries.
 * On success `matchIndex` is the last index the follower now holds from that message.
 * On rejection `matchIndex` echoes the rejected `prevLogIndex`, and the conflict hint lets the
 * leader skip a whole divergent term at once (fast backtracking, Raft §5.3 "optimization"):
 * `conflictTerm` is the follower's term at `prevLogIndex` (0 if its log is shorter) and
 * `conflictIndex` the first index it holds with that term (or its lastIndex + 1).
 */
export interface AppendEntriesResponse extends Envelope {
  readonly type: "AppendEntriesResponse";
  readonly success: boolean;
  readonly matchIndex: LogIndex;
  readonly conflictIndex: LogIndex;
  readonly conflictTerm: Term;
}

/**
 * Leader → follower: "I am alive". Carries `leaderCommit` clamped to what the follower is known
 * to hold, and the ReadIndex round `readRound` the follower echoes back (thesis §6.4).
 */
export interface Heartbeat extends Envelope {
  readonly type: "Heartbeat";
  readonly leaderCommit: LogIndex;
  readonly readRound: number;
}

/** Follower → leader: acknowledges a Heartbeat (and its ReadIndex round). */
export interface HeartbeatResponse extends Envelope {
  readonly type: "HeartbeatResponse";
  readonly readRound: number;
}

/**
 * Candidate → all: vote for me in `term` (Raft §5.2, up-to-date rule §5.4.1).
 * `leadershipTransfer` is set when the election was started by TimeoutNow: voters then grant
 * the vote even though they heard from a live leader (thesis §4.2.3 with CheckQuorum).
 */
export interface RequestVote extends Envelope {
  readonly type: "RequestVote";
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
  readonly leadershipTransfer: boolean;
}

/** Voter → candidate. */
export interface RequestVoteResponse extends Envelope {
  readonly type: "RequestVoteResponse";
  readonly voteGranted: boolean;
}

/**
 * PreCandidate → all: would you vote for me in `term` (= my currentTerm + 1)? Receivers change
 * no state (thesis §9.6); a rejoining node cannot disrupt a healthy leader.
 */
export interface PreVote extends Envelope {
  readonly type: "PreVote";
  readonly lastLogIndex: LogIndex;
  readonly lastLogTerm: Term;
}

/** Voter → pre-candidate; `term` is the proposed term when granted, the voter's own otherwise. */
export interface PreVoteResponse extends Envelope {
  readonly type: "PreVoteResponse";
  readonly voteGranted: boolean;
}

/**
 * Leader → follower: one chunk of a snapshot (Raft §7, chunked as in Figure 13).
 * `offset` is the position of `data` in the whole snapshot of `totalBytes`; `done` marks the
 * last chunk.
 */
export interface InstallSnapshot extends Envelope {
  readonly type: "InstallSnapshot";
  readonly lastIncludedIndex: LogIndex;
  readonly lastIncludedTerm: Term;
  readonly confState: ConfState;
  readonly offset: number;
  readonly totalBytes: number;
  readonly data: Uint8Array;
  readonly done: boolean;
}

/**
 * Follower → leader: chunk received. `nextOffset` is the byte the follower expects next
 * (the whole size once the snapshot is installed, `done`); `rejected` asks the leader to restart
 * the transfer from offset 0 (e.g. a chunk arrived out of order).
 */
export interface InstallSnapshotResponse extends Envelope {
  readonly type: "InstallSnapshotResponse";
  readonly lastIncludedIndex: LogIndex;
  readonly nextOffset: number;
  readonly done: boolean;
  readonly rejected: boolean;
}

/** Leader → transferee: start an election now (thesis §3.10, leadership transfer). */
export interface TimeoutNow extends Envelope {
  readonly type: "TimeoutNow";
}

/** Follower → leader: ask for a read index on behalf of a local read (thesis §6.4). */
export interface ReadIndexRequest extends Envelope {
  readonly type: "ReadIndex";
  readonly requestId: string;
}

/**
 * Leader → follower: the read index for `requestId`, or `index` = null when it cannot serve the
 * read: the node asked is not (or no longer) the leader, or it stepped down with the read pending.
 * A leader that has not yet committed an entry of its term defers the read instead of refusing.
 */
export interface ReadIndexResponse extends Envelope {
  readonly type: "ReadIndexResponse";
  readonly requestId: string;
  readonly index: LogIndex | null;
}

/** Any Raft peer message. */
export type Message =
  | AppendEntries
  | AppendEntriesResponse
  | Heartbeat
  | HeartbeatResponse
  | RequestVote
  | RequestVoteResponse
  | PreVote
  | PreVoteResponse
  | InstallSnapshot
  | InstallSnapshotResponse
  | TimeoutNow
  | ReadIndexRequest
  | ReadIndexResponse;

/** The `type` tag of a {@link Message}. */
export type MessageType = Message["type"];

/** Every message type, in a fixed order (used by codecs and tests). */
export const MESSAGE_TYPES: readonly MessageType[] = Object.freeze([
  "AppendEntries",
  "AppendEntriesResponse",
  "Heartbeat",
  "HeartbeatResponse",
  "RequestVote",
  "RequestVoteResponse",
  "PreVote",
  "PreVoteResponse",
  "InstallSnapshot",
  "InstallSnapshotResponse",
  "TimeoutNow",
  "ReadIndex",
  "ReadIndexResponse",
]);
