/**
 * The read side of Raft's stable storage, as the core sees it (after etcd-io/raft's `Storage`).
 *
 * The core only reads through this interface; the application writes (after persisting a Ready)
 * through the implementation's own methods. Production keeps an in-memory mirror of the durable
 * log (the LevelDB store in src/storage loads it at start and appends after every fsync), so all
 * reads are synchronous and the core stays free of I/O.
 */
import type { LogIndex, Term } from "../util/ids.js";
import type { ConfState, Entry, HardState, Snapshot } from "./types.js";

/** Thrown by {@link Storage} when the requested index lies behind the latest snapshot. */
export class LogCompactedError extends Error {
  override readonly name = "LogCompactedError";
  constructor(readonly index: LogIndex) {
    super(`log index ${index} is compacted into a snapshot`);
  }
}

/** Thrown by {@link Storage} when the requested index lies beyond the last stored entry. */
export class LogUnavailableError extends Error {
  override readonly name = "LogUnavailableError";
  constructor(readonly index: LogIndex) {
    super(`log index ${index} is not stored yet`);
  }
}

/** Synchronous reads of one node's stable log (see the module comment). */
export interface Storage {
  /**
   * The durable hard state, and the configuration as of the latest snapshot (for a log without
   * one: the bootstrap configuration). The configuration in force is the latest `Config` entry
   * after the snapshot, if any (src/raft/config-history.ts, docs/MEMBERSHIP.md §4).
   */
  initialState(): { readonly hardState: HardState; readonly confState: ConfState };
  /**
   * Entries in `[lo, hi)`, stopping early once their encoded size passes `bytesMax` (at least one
   * entry is always returned when `lo < hi`).
   * @throws LogCompactedError if `lo` < `firstIndex()`
   * @throws LogUnavailableError if `hi` > `lastIndex() + 1`
   */
  entries(lo: LogIndex, hi: LogIndex, bytesMax: number): Entry[];
  /**
   * The term of the entry at `index`, for `firstIndex() - 1 ≤ index ≤ lastIndex()` (the term at
   * `firstIndex() - 1`, the last compacted entry, is kept for the log-matching check).
   * @throws LogCompactedError / LogUnavailableError outside that range
   */
  term(index: LogIndex): Term;
  /**
   * The index of the first entry still held: one past the compacted prefix. At most the latest
   * snapshot's index + 1; lower when the application keeps a tail of entries behind its snapshot.
   */
  firstIndex(): LogIndex;
  /** The index of the last entry held (the snapshot's index if the log is empty). */
  lastIndex(): LogIndex;
  /** The most recent snapshot. */
  snapshot(): Snapshot;
}

/**
 * Size of an entry for byte-limited batching: its data plus a fixed per-entry overhead; for a
 * `Config` entry an estimate of its encoded configuration (ids and addresses plus framing).
 */
export function entrySizeBytes(entry: Entry): number {
  const overheadBytes = 24;
  if (entry.type !== "Config") return entry.data.byteLength + overheadBytes;
  const { voters, learners, addresses = [], removed = [] } = entry.config;
  const ids = [...voters, ...learners, ...removed, ...addresses.map((a) => a.address)];
  return ids.reduce((sum, text) => sum + text.length + 2, overheadBytes + 8);
}
