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
 */
export type EntryType = "Normal" | "NoOp";

/** One log entry. Invariant: within a log, indexes are consecutive and terms never decrease. */
export interface Entry {
  readonly index: LogIndex;
  readonly term: Term;
  readonly type: EntryType;
  /** The command's encoded bytes; empty for `NoOp`. */
  readonly data: Uint8Array;
}

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

/**
 * The cluster configuration. A value the core reads, never hard-coded peers, so that membership
 * changes (thesis §4.1, single-server changes) can replace it later.
 */
export interface ConfState {
  /** Members that vote and count towards quorum. Sorted, no duplicates. */
  readonly voters: readonly NodeId[];
  /** Non-voting members that receive the log (catching up before promotion). Sorted. */
  readonly learners: readonly NodeId[];
}

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
