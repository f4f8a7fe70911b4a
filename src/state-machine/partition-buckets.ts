/**
 * The partition map of a plan: its partitions cut into at most `buckets` consecutive runs of
 * equal length (the last one shorter), and how many partitions of each run are in each status.
 * A console draws a million-partition plan as a few thousand cells this way (docs/API.md
 * "Console"), and one pass over the status column answers it: O(partitions), no allocation per
 * partition.
 */
import { partitionBucketsMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import { PARTITION_STATUSES } from "./partition-table.js";
import type { PartitionStatus } from "./results.js";
import type { CoordinatorState } from "./state.js";

/** A plan's partitions in buckets: `counts[status][b]` partitions of bucket b are in `status`. */
export interface PartitionBuckets {
  readonly planId: string;
  readonly partitionCount: number;
  /** Partitions per bucket (the last bucket holds the rest); 0 when the plan has none. */
  readonly bucketSize: number;
  /** Number of buckets: ceil(partitionCount / bucketSize), at most the number asked for. */
  readonly bucketCount: number;
  readonly counts: Readonly<Record<PartitionStatus, readonly number[]>>;
}

/**
 * The partition map of plan `planId` in at most `buckets` buckets; undefined for an unknown plan.
 * @throws CoordinatorError invalid_request when `buckets` is not an integer in
 *   [1, constants.partitionBucketsMax]
 */
export function partitionBuckets(
  state: CoordinatorState,
  planId: string,
  buckets: number,
): PartitionBuckets | undefined {
  if (!Number.isSafeInteger(buckets) || buckets < 1 || buckets > partitionBucketsMax) {
    throw new CoordinatorError("invalid_request", `buckets must be in [1, ${partitionBucketsMax}]`);
  }
  const plan = state.plans.get(planId);
  if (plan === undefined) return undefined;
  const count = plan.parts.count;
  const bucketSize = count === 0 ? 0 : Math.ceil(count / buckets);
  const bucketCount = count === 0 ? 0 : Math.ceil(count / bucketSize);
  const columns = PARTITION_STATUSES.map(() => new Array<number>(bucketCount).fill(0));
  const status = plan.parts.status;
  for (let bucket = 0, start = 0; bucket < bucketCount; bucket++, start += bucketSize) {
    const end = Math.min(count, start + bucketSize);
    for (let i = start; i < end; i++) {
      const column = columns[status[i] ?? 0];
      if (column !== undefined) column[bucket] = (column[bucket] ?? 0) + 1;
    }
  }
  const counts = Object.fromEntries(
    PARTITION_STATUSES.map((name, code) => [name, columns[code] ?? []]),
  ) as Record<PartitionStatus, number[]>;
  return { planId, partitionCount: count, bucketSize, bucketCount, counts };
}
