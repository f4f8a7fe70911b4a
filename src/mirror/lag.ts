/**
 * The mirror's lag in milliseconds: how long after an entry was applied it became visible in
 * Redis. Applied entries are kept as buckets of one millisecond (first index, last index, time
 * of the first); when the buffer is full, neighbouring buckets are merged two by two, keeping
 * the earlier time. So memory is bounded, and a commit's lag — measured from the oldest entry
 * it made visible — is exact to the millisecond, or overstated (never understated) once merged.
 */
import { assert } from "../util/assert.js";

interface Bucket {
  from: number;
  to: number;
  readonly atMs: number;
}

/** Apply-time buckets; see the module comment. */
export class LagSampler {
  private buckets: Bucket[] = [];

  /** @param bucketsMax buckets kept at most (at least 2) */
  constructor(private readonly bucketsMax: number) {
    assert(bucketsMax >= 2, "a lag sampler keeps at least two buckets");
  }

  /** Entry `index` was applied at `atMs` (monotonic), after every entry given before. */
  onApplied(index: number, atMs: number): void {
    const last = this.buckets.at(-1);
    if (last !== undefined && Math.floor(last.atMs) === Math.floor(atMs)) {
      last.to = index;
      return;
    }
    if (this.buckets.length >= this.bucketsMax) this.merge();
    this.buckets.push({ from: index, to: index, atMs });
  }

  /**
   * Entries up to `index` became visible at `atMs`; returns how long the oldest of them waited
   * since it was applied (ms), or null when none was waiting.
   */
  onMirrored(index: number, atMs: number): number | null {
    const oldest = this.buckets[0];
    if (oldest === undefined || oldest.from > index) return null;
    let covered = 0;
    while (covered < this.buckets.length && (this.buckets[covered]?.to ?? 0) <= index) covered++;
    this.buckets.splice(0, covered);
    const straddling = this.buckets[0];
    if (straddling !== undefined && straddling.from <= index) straddling.from = index + 1;
    return Math.max(0, atMs - oldest.atMs);
  }

  /** Forgets every bucket (leadership ended: nothing waits for this node's writes). */
  clear(): void {
    this.buckets = [];
  }

  private merge(): void {
    const merged: Bucket[] = [];
    for (let k = 0; k < this.buckets.length; k += 2) {
      const first = this.buckets[k];
      const second = this.buckets[k + 1] ?? first;
      assert(first !== undefined && second !== undefined, "buckets are dense");
      merged.push({ from: first.from, to: second.to, atMs: first.atMs });
    }
    this.buckets = merged;
  }
}
