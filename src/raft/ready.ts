/**
 * What the Raft core hands back to the application after ticks, messages and proposals
 * (the Ready/Advance contract of etcd-io/raft's RawNode).
 *
 * The application handles a {@link Ready} in this order (docs/ARCHITECTURE.md §4.1):
 * 1. persist `hardState`, `entries` and `snapshot` together, durably (one fsync);
 * 2. only then send `messages`;
 * 3. install `snapshot` (if any) into the state machine, then apply `committedEntries` in order;
 *    answer `readStates` once the state machine has applied up to each one's `index`;
 * 4. call `advance()`.
 * The next `ready()` is valid only after `advance()`.
 */
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import type { Message } from "./messages.js";
import type { ConfState, Entry, HardState, Role, Snapshot } from "./types.js";

/** Volatile state the application may want to observe (leader changes, role changes). */
export interface SoftState {
  readonly role: Role;
  /** The leader of the current term as far as this node knows, or null. */
  readonly leaderId: NodeId | null;
}

/**
 * A linearizable read became possible: once the state machine has applied `index`, a read
 * served from it reflects every write committed before `readIndex(requestId)` was called
 * (thesis §6.4).
 */
export interface ReadState {
  readonly requestId: string;
  readonly index: LogIndex;
}

/**
 * A request the core could not serve, so the application can answer its caller at once
 * instead of waiting for a timeout. `reason`:
 * - `no_leader`: the read was asked of a node that knows no leader;
 * - `not_ready`: a follower forwarded the read and the node it asked refused it (not, or no
 *   longer, the leader: ReadIndexResponse with `index` = null);
 * - `stepped_down`: the read was pending at this node when it stopped being leader.
 * A forwarded read whose messages are lost gets no answer; the application times it out.
 */
export interface ReadIndexFailure {
  readonly requestId: string;
  readonly reason: "no_leader" | "not_ready" | "stepped_down";
}

/** One batch of work for the application, in the order documented at the top of this module. */
export interface Ready {
  /** Present when role or leader changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when term, vote or commit changed; persist before sending `messages`. */
  readonly hardState?: HardState;
  /**
   * Entries to append to stable storage. If `entries[0].index` ≤ the stored last index, the
   * stored suffix from that index on is replaced (truncation of a conflicting suffix, Raft §5.3).
   */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader, to persist and install before applying entries. */
  readonly snapshot?: Snapshot;
  /** Messages to send after persisting. Unreliable delivery is fine; Raft retries. */
  readonly messages: readonly Message[];
  /**
   * Committed entries to apply, in index order, all with index > the last applied. `Config`
   * entries are among them (the configuration they carry is committed now, and already in force
   * since they were appended); they are never commands for the state machine.
   */
  readonly committedEntries: readonly Entry[];
  readonly readStates: readonly ReadState[];
  readonly readIndexFailures: readonly ReadIndexFailure[];
  /** True when `hardState` or `entries` or `snapshot` must be fsynced before sending. */
  readonly mustSync: boolean;
}

/** Replication state of one follower as the leader sees it (etcd-io/raft tracker/progress). */
export type ProgressState = "Probe" | "Replicate" | "Snapshot";

/** The leader's view of one peer; 0 ≤ matchIndex < nextIndex. */
export interface PeerProgress {
  readonly id: NodeId;
  readonly matchIndex: LogIndex;
  readonly nextIndex: LogIndex;
  readonly state: ProgressState;
  /** AppendEntries messages sent and not yet acknowledged. */
  readonly inflightMessages: number;
  /** Ticks since the leader last heard from this peer (for `lastContactMs` in the API). */
  readonly ticksSinceContact: number;
  readonly isLearner: boolean;
}

/** A point-in-time description of a node (for `/v1/raft/status`, logs and tests). */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: Term;
  readonly vote: NodeId | null;
  readonly leaderId: NodeId | null;
  readonly commitIndex: LogIndex;
  readonly lastApplied: LogIndex;
  readonly lastLogIndex: LogIndex;
  readonly snapshotIndex: LogIndex;
  /** Set while a leadership transfer is under way (leader only). */
  readonly leadTransferee: NodeId | null;
  /** Per-peer replication progress; empty unless leader. Sorted by id. */
  readonly progress: readonly PeerProgress[];
}

/**
 * The configuration a node uses (thesis §4.1: the latest in its log, committed or not), for the
 * node layer, `/v1/cluster/members` and tests.
 */
export interface ConfigurationStatus extends ConfState {
  /** The index of its `Config` entry (or of the snapshot, or 0, that carried it). */
  readonly index: LogIndex;
  /** Whether that entry is not yet known committed: one change at a time, so none may follow. */
  readonly changeInFlight: boolean;
}

/** A learner as the leader sees it, to decide whether it may be promoted. */
export interface LearnerProgress {
  readonly id: NodeId;
  readonly matchIndex: LogIndex;
  /** The leader's last index minus `matchIndex`. */
  readonly entriesBehind: number;
  /** Whether `entriesBehind` ≤ the limit asked (by default `learnerCaughtUpEntriesMax`). */
  readonly caughtUp: boolean;
}
