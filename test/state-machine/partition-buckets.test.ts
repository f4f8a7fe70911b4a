// Proves the partition map: every partition is counted once, in the bucket its id falls in and
// under its current status (checked against getPartition on random plans and bucket counts),
// buckets are equal runs with a shorter last one, and bad bucket counts are refused.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { partitionBucketsMax } from "../../src/constants.js";
import { CoordinatorError } from "../../src/errors.js";
import { getPartition, partitionBuckets } from "../../src/state-machine/index.js";
import type { PartitionStatus } from "../../src/state-machine/index.js";
import { reportOn, setup } from "./driver.js";

/** Counts by (status, bucket) rebuilt one partition at a time through getPartition. */
function reference(
  driver: ReturnType<typeof setup>,
  count: number,
  bucketSize: number,
): Map<string, number> {
  const cells = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const status = getPartition(driver.state, "plan", i)?.status;
    const key = `${status}:${Math.floor(i / bucketSize)}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return cells;
}

function cellsOf(
  counts: Readonly<Record<PartitionStatus, readonly number[]>>,
): Map<string, number> {
  const cells = new Map<string, number>();
  for (const [status, column] of Object.entries(counts)) {
    column.forEach((n, bucket) => {
      if (n > 0) cells.set(`${status}:${bucket}`, n);
    });
  }
  return cells;
}

describe("partitionBuckets", () => {
  it("counts a small plan's statuses in equal runs, the last one shorter", () => {
    const driver = setup(10, ["w1"], 8);
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 4 }).granted;
    driver.ok({ type: "CompletePartition", ...reportOn(grants[0], "w1"), processedCount: 10 });
    driver.ok({
      type: "FailPartition",
      ...reportOn(grants[1], "w1"),
      error: "boom",
      retryable: false,
    });
    const map = partitionBuckets(driver.state, "plan", 3);
    expect(map).toMatchObject({
      planId: "plan",
      partitionCount: 10,
      bucketSize: 4,
      bucketCount: 3,
    });
    expect(map?.counts).toEqual({
      pending: [0, 4, 2],
      claimed: [2, 0, 0],
      running: [0, 0, 0],
      completed: [1, 0, 0],
      failed: [1, 0, 0],
    });
  });

  it("agrees with getPartition on random plans, grants and bucket counts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 80 }),
        (count, completed, buckets) => {
          const driver = setup(count, ["w1"], 100);
          const grants = driver.ok({
            type: "AcquirePartitions",
            workerId: "w1",
            max: Math.min(count, 100),
          }).granted;
          for (const grant of grants.slice(0, completed)) {
            driver.ok({ type: "CompletePartition", ...reportOn(grant, "w1"), processedCount: 1 });
          }
          const map = partitionBuckets(driver.state, "plan", buckets);
          if (map === undefined) throw new Error("the plan exists");
          expect(map.bucketCount).toBeLessThanOrEqual(buckets);
          expect(map.bucketSize * map.bucketCount).toBeGreaterThanOrEqual(count);
          expect(cellsOf(map.counts)).toEqual(reference(driver, count, map.bucketSize));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers undefined for an unknown plan and refuses bucket counts out of bounds", () => {
    const driver = setup(3, []);
    expect(partitionBuckets(driver.state, "ghost", 10)).toBeUndefined();
    for (const buckets of [0, -1, 1.5, partitionBucketsMax + 1]) {
      expect(() => partitionBuckets(driver.state, "plan", buckets)).toThrow(CoordinatorError);
    }
  });
});
