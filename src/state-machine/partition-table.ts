/**
 * The partitions of one plan in a columnar layout: one typed array per field, indexed by
 * partition id (the budget is ≤ 300 bytes of heap per partition; this takes ~65, plus 16
 * for open-ended plans). A static plan's ranges are computed from the plan (`minId + i·size`,
 * the last one cut at `maxId`); an open-ended plan stores them, since its planner chooses them.
 *
 * Column invariants (checked by `checkPartitionRow` in tests, kept by partition-lifecycle.ts):
 * - `holder[i]` is a worker slot (see worker-slots.ts) or -1; it is ≥ 0 for claimed, running,
 *   completed and failed partitions (the worker that holds, completed or failed it) and -1 for
 *   pending ones.
 * - `fencingToken[i]` is the log index of the last grant, 0 before the first; it only grows.
 * - `deadlineAtMs[i]` (the progress deadline) is > 0 exactly when the partition is held.
 * - `notBeforeMs[i]` is > 0 only for a pending partition in retry backoff.
 * - `checkpointId[i]` is -1 (none) or an id inside the partition's range.
 */
import { assert } from "../util/assert.js";
import type { PartitionStatus } from "./results.js";

/** Partition status codes as stored in the `status` column. */
export const PENDING = 0;
/** Granted, no progress reported yet. */
export const CLAIMED = 1;
/** Granted, progress reported. */
export const RUNNING = 2;
/** Done; never changes again. */
export const COMPLETED = 3;
/** Out of attempts (or failed for good); waits for RetryFailed. */
export const FAILED = 4;

/** Status names by code. */
export const PARTITION_STATUSES: readonly PartitionStatus[] = [
  "pending",
  "claimed",
  "running",
  "completed",
  "failed",
];

/** Whether a status code means a worker holds the partition. */
export function isHeldStatus(code: number): boolean {
  return code === CLAIMED || code === RUNNING;
}

/** How a static plan cuts its range. */
export interface StaticCut {
  readonly minId: number;
  readonly maxId: number;
  readonly partitionSize: number;
}

const OPEN_CAPACITY_MIN = 16;

/** The columns of one plan's partitions, `count` rows in use. */
export class PartitionTable {
  count = 0;
  status: Uint8Array;
  holder: Int32Array;
  fencingToken: Float64Array;
  attempts: Uint16Array;
  expiries: Uint16Array;
  checkpointId: Float64Array;
  processedCount: Float64Array;
  updatedAtMs: Float64Array;
  deadlineAtMs: Float64Array;
  notBeforeMs: Float64Array;
  /** Stored ranges (open-ended plans only). */
  minIds: Float64Array | null;
  maxIds: Float64Array | null;
  /** The last error of failed (or failed-then-retrying) partitions, by partition id. */
  readonly lastErrors = new Map<number, string>();

  /**
   * A table of `count` pending partitions cut from `cut`, all last updated at `createdAtMs`; or,
   * with `cut` null, an empty growable table whose ranges are appended.
   */
  constructor(
    private readonly cut: StaticCut | null,
    count: number,
    createdAtMs: number,
  ) {
    const capacity = cut === null ? Math.max(count, OPEN_CAPACITY_MIN) : count;
    this.status = new Uint8Array(capacity);
    this.holder = new Int32Array(capacity).fill(-1);
    this.fencingToken = new Float64Array(capacity);
    this.attempts = new Uint16Array(capacity);
    this.expiries = new Uint16Array(capacity);
    this.checkpointId = new Float64Array(capacity).fill(-1);
    this.processedCount = new Float64Array(capacity);
    this.updatedAtMs = new Float64Array(capacity).fill(createdAtMs);
    this.deadlineAtMs = new Float64Array(capacity);
    this.notBeforeMs = new Float64Array(capacity);
    this.minIds = cut === null ? new Float64Array(capacity) : null;
    this.maxIds = cut === null ? new Float64Array(capacity) : null;
    this.count = count;
  }

  /** Whether ranges are stored (open-ended plan) rather than computed. */
  get storesRanges(): boolean {
    return this.cut === null;
  }

  minIdOf(i: number): number {
    if (this.cut !== null) return this.cut.minId + i * this.cut.partitionSize;
    return this.stored(this.minIds, i);
  }

  maxIdOf(i: number): number {
    if (this.cut !== null) {
      return Math.min(this.cut.minId + (i + 1) * this.cut.partitionSize - 1, this.cut.maxId);
    }
    return this.stored(this.maxIds, i);
  }

  /** Appends pending partitions with the given ranges (open-ended plans only). */
  append(
    ranges: readonly { readonly minId: number; readonly maxId: number }[],
    nowMs: number,
  ): void {
    assert(this.cut === null, "ranges are appended to open-ended plans only");
    this.reserve(this.count + ranges.length);
    for (const range of ranges) {
      const i = this.count++;
      this.stored(this.minIds, i);
      (this.minIds as Float64Array)[i] = range.minId;
      (this.maxIds as Float64Array)[i] = range.maxId;
      this.updatedAtMs[i] = nowMs;
    }
  }

  /** The partition whose range contains `id`, or -1 (binary search for stored ranges). */
  indexContaining(id: number): number {
    if (this.count === 0 || id < this.minIdOf(0) || id > this.maxIdOf(this.count - 1)) return -1;
    if (this.cut !== null) return Math.floor((id - this.cut.minId) / this.cut.partitionSize);
    let low = 0;
    let high = this.count - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.minIdOf(middle) <= id) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private reserve(capacity: number): void {
    if (capacity <= this.status.length) return;
    const size = Math.max(capacity, this.status.length * 2);
    this.status = grown(this.status, new Uint8Array(size));
    this.holder = grown(this.holder, new Int32Array(size).fill(-1));
    this.fencingToken = grown(this.fencingToken, new Float64Array(size));
    this.attempts = grown(this.attempts, new Uint16Array(size));
    this.expiries = grown(this.expiries, new Uint16Array(size));
    this.checkpointId = grown(this.checkpointId, new Float64Array(size).fill(-1));
    this.processedCount = grown(this.processedCount, new Float64Array(size));
    this.updatedAtMs = grown(this.updatedAtMs, new Float64Array(size));
    this.deadlineAtMs = grown(this.deadlineAtMs, new Float64Array(size));
    this.notBeforeMs = grown(this.notBeforeMs, new Float64Array(size));
    this.minIds = grown(this.stored(this.minIds, 0, false), new Float64Array(size));
    this.maxIds = grown(this.stored(this.maxIds, 0, false), new Float64Array(size));
  }

  private stored(column: Float64Array | null, i: number, inRange?: true): number;
  private stored(column: Float64Array | null, i: number, inRange: false): Float64Array;
  private stored(column: Float64Array | null, i: number, inRange = true): number | Float64Array {
    assert(column !== null, "a static plan stores no ranges");
    if (!inRange) return column;
    const value = column[i];
    assert(value !== undefined && i < column.length, "partition index out of range");
    return value;
  }
}

function grown<A extends Uint8Array | Uint16Array | Int32Array | Float64Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
