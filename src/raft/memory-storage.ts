/**
 * An in-memory {@link Storage}: the log, hard state, configuration (as of the latest snapshot;
 * the one in force is the latest `Config` entry after it) and latest snapshot of one
 * node (after etcd-io/raft's MemoryStorage). Tests use it alone; production keeps it as the
 * synchronous mirror of the durable LevelDB store (docs/ARCHITECTURE.md §4), writing through it
 * after every fsync so the core can read without I/O.
 *
 * Layout: `entries` holds indexes `compactedIndex + 1 … lastIndex`; the entry at
 * `compactedIndex` is gone but its term is kept (`compactedTerm`) for the log-matching check of
 * the first entry. The latest snapshot covers at least up to `compactedIndex`.
 */
import { assert } from "../util/assert.js";
import type { LogIndex, Term } from "../util/ids.js";
import { LogCompactedError, LogUnavailableError, entrySizeBytes, type Storage } from "./storage.js";
import {
  EMPTY_HARD_STATE,
  type ConfState,
  type Entry,
  type HardState,
  type Snapshot,
} from "./types.js";

/** The application asked MemoryStorage for something its contents rule out (a caller mistake). */
export class StorageMisuseError extends Error {
  override readonly name = "StorageMisuseError";
}

/** What a node restarts from: its durable state as loaded from disk. */
export interface MemoryStorageInit {
  readonly hardState?: HardState;
  readonly confState: ConfState;
  readonly snapshot?: Snapshot;
  /** Log entries; those at or below the snapshot's index are dropped (the snapshot covers them). */
  readonly entries?: readonly Entry[];
}

function assertContiguous(entries: readonly Entry[]): void {
  for (let i = 1; i < entries.length; i++) {
    const prev = entries[i - 1];
    const next = entries[i];
    assert(
      prev !== undefined && next !== undefined && next.index === prev.index + 1,
      () => `entries are not contiguous at position ${i}`,
    );
    assert(next.term >= prev.term, () => `entry terms decrease at index ${next.index}`);
  }
}

/**
 * The in-memory log of one node. The application writes through `append`, `setHardState`,
 * `applySnapshot`, `createSnapshot` and `compact`; the core reads through {@link Storage}.
 */
export class MemoryStorage implements Storage {
  private hardState: HardState;
  private confState: ConfState;
  private latestSnapshot: Snapshot;
  private compactedIndex: LogIndex;
  private compactedTerm: Term;
  /** Entries `compactedIndex + 1 …`; contiguous, terms non-decreasing. */
  private log: Entry[] = [];

  /**
   * @param init the durable state to start from; a fresh node passes only its configuration
   *   (without one it belongs to no configuration and never campaigns). Entries must continue
   *   the snapshot without a gap.
   * @throws InvariantViolation if the entries are not contiguous or leave a gap after the snapshot
   */
  constructor(init: MemoryStorageInit = { confState: { voters: [], learners: [] } }) {
    this.hardState = init.hardState ?? EMPTY_HARD_STATE;
    this.confState = init.confState;
    this.latestSnapshot = init.snapshot ?? {
      metadata: { index: 0, term: 0, confState: init.confState },
      data: new Uint8Array(0),
    };
    this.compactedIndex = this.latestSnapshot.metadata.index;
    this.compactedTerm = this.latestSnapshot.metadata.term;
    const entries = (init.entries ?? []).filter((e) => e.index > this.compactedIndex);
    assertContiguous(entries);
    const first = entries[0];
    assert(
      first === undefined || first.index === this.compactedIndex + 1,
      () => `entries start at ${first?.index}, after the snapshot at ${this.compactedIndex}`,
    );
    this.log = [...entries];
  }

  initialState(): { readonly hardState: HardState; readonly confState: ConfState } {
    return { hardState: this.hardState, confState: this.confState };
  }

  firstIndex(): LogIndex {
    return this.compactedIndex + 1;
  }

  lastIndex(): LogIndex {
    return this.compactedIndex + this.log.length;
  }

  term(index: LogIndex): Term {
    if (index < this.compactedIndex) throw new LogCompactedError(index);
    if (index > this.lastIndex()) throw new LogUnavailableError(index);
    if (index === this.compactedIndex) return this.compactedTerm;
    return this.at(index).term;
  }

  entries(lo: LogIndex, hi: LogIndex, bytesMax: number): Entry[] {
    if (lo < this.firstIndex()) throw new LogCompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new LogUnavailableError(hi);
    const result: Entry[] = [];
    let bytes = 0;
    for (let index = lo; index < hi; index++) {
      const entry = this.at(index);
      bytes += entrySizeBytes(entry);
      if (result.length > 0 && bytes > bytesMax) break;
      result.push(entry);
    }
    return result;
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  /** Records the hard state the application just persisted. */
  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /**
   * Appends persisted entries. Entries at or below the compacted index are skipped; an entry at
   * an index already held replaces it and everything after it (a conflicting suffix, Raft §5.3).
   * @throws InvariantViolation if the entries are not contiguous or would leave a gap
   */
  append(entries: readonly Entry[]): void {
    assertContiguous(entries);
    const fresh = entries.filter((e) => e.index > this.compactedIndex);
    const first = fresh[0];
    if (first === undefined) return;
    assert(
      first.index <= this.lastIndex() + 1,
      () => `append at ${first.index} leaves a gap after the last index ${this.lastIndex()}`,
    );
    this.log.length = first.index - this.compactedIndex - 1;
    this.log.push(...fresh);
  }

  /**
   * Replaces the whole log by a snapshot received from the leader (Raft §7): the log restarts
   * after `snapshot.metadata.index`, and the configuration becomes the snapshot's.
   * @throws StorageMisuseError if the snapshot is not newer than the one held
   */
  applySnapshot(snapshot: Snapshot): void {
    const { index, term, confState } = snapshot.metadata;
    if (index <= this.latestSnapshot.metadata.index) {
      throw new StorageMisuseError(
        `snapshot at ${index} is not newer than the held one at ${this.latestSnapshot.metadata.index}`,
      );
    }
    this.latestSnapshot = snapshot;
    this.compactedIndex = index;
    this.compactedTerm = term;
    this.confState = confState;
    this.log = [];
  }

  /**
   * Records a snapshot the application took of its state after applying `index` (Raft §7), with
   * the configuration in force at `index` (the latest `Config` entry up to it, else the held
   * snapshot's). It does not drop log entries: call {@link compact} for that, possibly keeping a
   * tail.
   * @returns the new snapshot, also what {@link snapshot} returns from now on
   * @throws StorageMisuseError if `index` is not newer than the held snapshot, beyond the last
   *   index, or beyond the stored commit index (only applied entries can be in a snapshot)
   */
  createSnapshot(index: LogIndex, data: Uint8Array): Snapshot {
    if (index <= this.latestSnapshot.metadata.index) {
      throw new StorageMisuseError(
        `snapshot at ${index} is not newer than the held one at ${this.latestSnapshot.metadata.index}`,
      );
    }
    if (index > this.lastIndex() || index > this.hardState.commit) {
      throw new StorageMisuseError(
        `snapshot at ${index} is beyond the last index ${this.lastIndex()} ` +
          `or the commit index ${this.hardState.commit}`,
      );
    }
    this.confState = this.confStateAt(index);
    this.latestSnapshot = {
      metadata: { index, term: this.term(index), confState: this.confState },
      data,
    };
    return this.latestSnapshot;
  }

  /**
   * Drops the entries up to and including `index` (log compaction, Raft §7). Compacting at or
   * below the already compacted index does nothing.
   * @throws StorageMisuseError if `index` is beyond the latest snapshot (those entries would be lost)
   */
  compact(index: LogIndex): void {
    if (index > this.latestSnapshot.metadata.index) {
      throw new StorageMisuseError(
        `cannot compact to ${index}: the latest snapshot is at ${this.latestSnapshot.metadata.index}`,
      );
    }
    if (index <= this.compactedIndex) return;
    this.compactedTerm = this.term(index);
    this.log = this.log.slice(index - this.compactedIndex);
    this.compactedIndex = index;
  }

  /** The configuration at `index` (≥ the snapshot's): the last `Config` entry up to it, if any. */
  private confStateAt(index: LogIndex): ConfState {
    const from = this.latestSnapshot.metadata.index + 1;
    for (let i = index; i >= from; i--) {
      const entry = this.at(i);
      if (entry.type === "Config") return entry.config;
    }
    return this.confState;
  }

  private at(index: LogIndex): Entry {
    const entry = this.log[index - this.compactedIndex - 1];
    assert(entry !== undefined && entry.index === index, () => `no entry at ${index}`);
    return entry;
  }
}
