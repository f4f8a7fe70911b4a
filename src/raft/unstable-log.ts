/**
 * The unstable tail of the log: entries (and possibly a snapshot received from the leader) the
 * core has accepted but the application has not yet persisted (after etcd-io/raft's
 * `log_unstable.go`). A Ready hands them out; `advance()` marks them stable.
 *
 * Invariants: `entries[i].index === offset + i`; when `snapshot` is set, `offset` is its index + 1.
 * Entries at `offset` and above shadow whatever stable storage holds at those indexes (a
 * conflicting suffix waiting to be overwritten).
 */
import { assert } from "../util/assert.js";
import type { LogIndex, Term } from "../util/ids.js";
import type { Entry, Snapshot } from "./types.js";

/** The not-yet-persisted tail of the log; see the module comment for its invariants. */
export class UnstableLog {
  /** A snapshot received from the leader, not yet persisted. */
  snapshot: Snapshot | undefined;
  /** Entries not yet persisted, starting at `offset`. */
  entries: Entry[] = [];
  /** The index of `entries[0]` (or of the next entry to come when empty). */
  offset: LogIndex;

  /** @param offset the index after the last stable entry */
  constructor(offset: LogIndex) {
    this.offset = offset;
  }

  /** The snapshot's index + 1, when a snapshot is pending (the log restarts there). */
  maybeFirstIndex(): LogIndex | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.metadata.index + 1;
  }

  /** The last unstable index: the last entry's, else the pending snapshot's. */
  maybeLastIndex(): LogIndex | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.metadata.index;
  }

  /** The term at `index` if the unstable tail decides it (an entry here or the snapshot's). */
  maybeTerm(index: LogIndex): Term | undefined {
    if (index < this.offset) {
      const meta = this.snapshot?.metadata;
      return meta !== undefined && meta.index === index ? meta.term : undefined;
    }
    return this.entries[index - this.offset]?.term;
  }

  /**
   * The application persisted entries up to (`index`, `term`). Ignored when the tail no longer
   * holds that entry (it was replaced meanwhile; the new one is still to be persisted).
   */
  stableTo(index: LogIndex, term: Term): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  /** The application persisted the snapshot at `index`. */
  stableSnapshotTo(index: LogIndex): void {
    if (this.snapshot?.metadata.index === index) this.snapshot = undefined;
  }

  /** Replaces everything by `snapshot` (the log restarts after its index). */
  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.offset = snapshot.metadata.index + 1;
    this.entries = [];
  }

  /**
   * Appends `entries`, first dropping every unstable entry at or after `entries[0].index`.
   * When they start before `offset`, they shadow stable storage from there on.
   */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const after = first.index;
    if (after <= this.offset) {
      assert(
        this.snapshot === undefined || after > this.snapshot.metadata.index,
        () => `cannot append at ${after}, inside the pending snapshot`,
      );
      this.offset = after;
      this.entries = [...entries];
      return;
    }
    const keep = after - this.offset;
    assert(keep <= this.entries.length, () => `append at ${after} leaves a gap in the tail`);
    this.entries = this.entries.slice(0, keep).concat(entries);
  }

  /** Unstable entries in `[lo, hi)`; the caller keeps the range inside the tail. */
  slice(lo: LogIndex, hi: LogIndex): Entry[] {
    assert(
      this.offset <= lo && lo <= hi && hi <= this.offset + this.entries.length,
      () =>
        `unstable slice [${lo}, ${hi}) outside [${this.offset}, ${this.offset + this.entries.length})`,
    );
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
