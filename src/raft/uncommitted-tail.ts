/**
 * The bytes of entries a leader appended in its term that are not yet committed (thesis §10.2.3:
 * a leader whose followers fall behind must stop accepting proposals instead of growing its log
 * without bound; after etcd-io/raft's `uncommittedSize`).
 *
 * Invariant: `bytes` equals the sum over the held entries, which are in index order.
 */
import { assert } from "../util/assert.js";
import type { LogIndex } from "../util/ids.js";

/** The leader's uncommitted entries of its term, as (index, bytes) in index order. */
export class UncommittedTail {
  private indexes: LogIndex[] = [];
  private sizes: number[] = [];
  private head = 0;
  private total = 0;

  /** Uncommitted entry bytes. */
  get bytes(): number {
    return this.total;
  }

  /**
   * Whether one more entry of `bytes` would pass `bytesMax`. An entry is always admitted when
   * the tail is empty, so a single large entry can never block the leader forever.
   */
  wouldExceed(bytes: number, bytesMax: number): boolean {
    return this.total > 0 && this.total + bytes > bytesMax;
  }

  /** Counts an entry the leader just appended at `index`. */
  add(index: LogIndex, bytes: number): void {
    const last = this.indexes[this.indexes.length - 1];
    assert(
      this.indexes.length === this.head || (last !== undefined && index > last),
      () => `uncommitted entry ${index} does not follow ${last}`,
    );
    this.indexes.push(index);
    this.sizes.push(bytes);
    this.total += bytes;
  }

  /** Stops counting entries up to `index`, which are now committed. */
  commitTo(index: LogIndex): void {
    while (this.head < this.indexes.length && (this.indexes[this.head] ?? Infinity) <= index) {
      this.total -= this.sizes[this.head] ?? 0;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.indexes.length) {
      this.indexes = this.indexes.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
  }

  /** Forgets everything (no longer leader). */
  reset(): void {
    this.indexes = [];
    this.sizes = [];
    this.head = 0;
    this.total = 0;
  }
}
