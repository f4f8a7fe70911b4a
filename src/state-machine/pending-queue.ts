/**
 * Which pending partition of a plan is granted next: the lowest partition id among those not in
 * retry backoff, in O(log n) instead of a scan of the plan.
 *
 * Three parts: a `fresh` cursor (every partition at or above it has never been granted, and all
 * are pending — partitions are first granted in id order), a heap of `returned` partitions
 * (granted once, now pending and grantable), and a heap of `delayed` partitions ordered by
 * (`notBeforeMs`, id) that move to `returned` once the clock reaches them. The clock only moves
 * forward, so a partition once due stays due.
 */
import { assert } from "../util/assert.js";
import { MinHeap } from "./min-heap.js";
import { PENDING } from "./partition-table.js";
import type { PartitionTable } from "./partition-table.js";

/** The grant order of one plan's pending partitions. */
export class PendingQueue {
  /** Lowest never-granted partition id. */
  fresh = 0;
  private readonly returned = new MinHeap<number>((a, b) => a < b);
  private readonly delayed: MinHeap<number>;

  constructor(private readonly table: PartitionTable) {
    this.delayed = new MinHeap<number>((a, b) => {
      const at = this.table.notBeforeMs[a] ?? 0;
      const bt = this.table.notBeforeMs[b] ?? 0;
      return at < bt || (at === bt && a < b);
    });
  }

  /** Files partition `i`, just made pending, as grantable now or after its `notBeforeMs`. */
  add(i: number, nowMs: number): void {
    assert(this.table.status[i] === PENDING && i < this.fresh, "only granted partitions return");
    if ((this.table.notBeforeMs[i] ?? 0) > nowMs) this.delayed.push(i);
    else this.returned.push(i);
  }

  /** The next partition to grant at `nowMs` (removed from the queue), or undefined. */
  take(nowMs: number): number | undefined {
    this.promoteDue(nowMs);
    const returned = this.returned.pop();
    if (returned !== undefined) {
      assert(returned < this.fresh, "returned partitions were granted, so lie below the cursor");
      return returned;
    }
    return this.fresh < this.table.count ? this.fresh++ : undefined;
  }

  /**
   * When a partition of this queue can next be granted, without changing the queue: null when
   * nothing is pending; 0 when a never-granted or returned partition is waiting; else the
   * earliest `notBeforeMs` of those in retry backoff (possibly already past). So a partition is
   * grantable at `nowMs` exactly when the answer is `<= nowMs`. O(1).
   */
  dueAtMs(): number | null {
    if (this.returned.size > 0 || this.fresh < this.table.count) return 0;
    const next = this.delayed.peek();
    return next === undefined ? null : (this.table.notBeforeMs[next] ?? 0);
  }

  private promoteDue(nowMs: number): void {
    for (;;) {
      const next = this.delayed.peek();
      if (next === undefined || (this.table.notBeforeMs[next] ?? 0) > nowMs) return;
      this.delayed.pop();
      this.returned.push(next);
    }
  }
}
