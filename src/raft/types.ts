/**
 * The data Raft keeps: log entries, the durable hard state, the cluster configuration and
 * snapshots. Names follow the Raft paper (Ongaro & Ousterhout, 2014) and thesis (Ongaro, 2014).
 */
import type { LogIndex, NodeId, Term } from "../util/ids.js";

/**
 * What an entry carries.
 * - `Normal`: an application command (opaque bytes to Raft; the state machine decodes them).
 * - `NoOp`: appended by a new leader at the start of its term so that it can commit entries of
 *   earlier terms (Raft §8, thesis §6.4); carries no data and is not applied to the application.
 * - `Config`: a new cluster configuration (thesis §4.1, single-server changes; docs/MEMBERSHIP.md).
 *   It takes effect on every node as soon as it is appended to that node's log, and is never
 *   handed to the state machine as a command.
 */
export type EntryType = "Normal" | "NoOp" | "Config";

/** Where an entry sits in the log. */
interface EntryPosition {
  readonly index: LogIndex;
  readonly term: Term;
}

/** An entry for the application: a command, or a leader's NoOp. */
export interface CommandEntry extends EntryPosition {
  readonly type: "Normal" | "NoOp";
  /** The command's encoded bytes; empty for `NoOp`. */
  readonly data: Uint8Array;
}

/**
 * A configuration entry: the whole configuration in force from this index on (not a delta), so
 * the latest one in a log is the node's configuration without replaying earlier ones.
 */
export interface ConfigEntry extends EntryPosition {
  readonly type: "Config";
  /** Always empty: the content is `config`. */
  readonly data: Uint8Array;
  readonly config: ConfState;
}

/** One log entry. Invariant: within a log, indexes are consecutive and terms never decrease. */
export type Entry = CommandEntry | ConfigEntry;

/**
 * State that must be on stable storage before a node answers any message (Raft Figure 2:
 * `currentTerm`, `votedFor`), plus `commitIndex` so that a restart does not re-apply less than
 * was already known committed (commit is a hint; it is safe to persist it lazily).
 */
export interface HardState {
  /** `currentTerm`: latest term this node has seen. Never decreases, also across restarts. */
  readonly term: Term;
  /** `votedFor`: the candidate this node voted for in `term`, or null. At most one per term. */
  readonly vote: NodeId | null;
  /** `commitIndex` as last persisted. */
  readonly commit: LogIndex;
}

/** A member's address as peers and clients reach it (e.g. `10.0.0.4:7001`). */
export interface MemberAddress {
  readonly id: NodeId;
  readonly address: string;
}

/**
 * The cluster configuration (thesis §4): a value the core reads, never hard-coded peers. It is
 * changed by `Config` entries one server at a time (docs/MEMBERSHIP.md §2) and travels in
 * snapshot metadata and InstallSnapshot.
 *
 * `addresses` and `removed` are optional so that configurations written before membership
 * changes existed (and bootstrap configurations built from flags) stay valid: absent means empty.
 */
export interface ConfState {
  /** Members that vote and count towards quorum. Sorted, no duplicates. */
  readonly voters: readonly NodeId[];
  /** Non-voting members that receive the log (catching up before promotion). Sorted. */
  readonly learners: readonly NodeId[];
  /** Each member's address, sorted by id; only members appear; a member may have none. */
  readonly addresses?: readonly MemberAddress[];
  /** Ids that were members and were removed; sorted. They are never members again. */
  readonly removed?: readonly NodeId[];
}

/**
 * One single-server change (thesis §4.1). There is no "add voter": a new server always joins as
 * a learner, catches up, and is then promoted, so it never weakens a quorum while it is behind.
 * - `AddLearner`: a new, never used id joins as a non-voting member at `address`;
 * - `PromoteLearner`: a learner becomes a voter;
 * - `RemoveMember`: a voter or learner leaves; its id is remembered and never reused.
 */
export type ConfChange =
  | { readonly type: "AddLearner"; readonly id: NodeId; readonly address: string }
  | { readonly type: "PromoteLearner"; readonly id: NodeId }
  | { readonly type: "RemoveMember"; readonly id: NodeId };

/** What a snapshot replaces: the log up to and including `index`, whose last entry had `term`. */
export interface SnapshotMetadata {
  /** `lastIncludedIndex` (Raft §7). */
  readonly index: LogIndex;
  /** `lastIncludedTerm` (Raft §7). */
  readonly term: Term;
  /** The configuration as of `index`. */
  readonly confState: ConfState;
}

/** A snapshot: the application's encoded state as of `metadata.index`. */
export interface Snapshot {
  readonly metadata: SnapshotMetadata;
  /** The application state, opaque to Raft. Empty for the initial (index 0) snapshot. */
  readonly data: Uint8Array;
}

/** The zero hard state of a node that has never run. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

/** The role a node plays in its current term (thesis §3.3, plus PreCandidate for §9.6). */
export type Role = "Follower" | "PreCandidate" | "Candidate" | "Leader";
