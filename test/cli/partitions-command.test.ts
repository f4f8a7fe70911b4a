// Proves the table `partitions` prints: range, status, holder, token, attempts, progress, lease
// end relative to now and the last error, cut to width.
import { describe, expect, it } from "vitest";
import { renderPartitionPage } from "../../src/cli/partitions-command.js";

const PARTITION = {
  planId: "p1",
  partitionId: 3,
  minId: 31,
  maxId: 40,
  status: "running" as const,
  workerId: "w1",
  fencingToken: 17,
  leaseExpiresAtMs: 12_000,
  progressDeadlineAtMs: null,
  attempts: 1,
  expiries: 0,
  checkpointId: 35,
  processedCount: 5,
  lastError: null,
  notBeforeMs: null,
  updatedAtMs: 1,
};

describe("renderPartitionPage", () => {
  it("prints one row per partition with the lease end relative to now", () => {
    const text = renderPartitionPage({ items: [PARTITION], nextCursor: null }, 4_000);
    const [header, row] = text.split("\n");
    expect(header!.split(/\s{2,}/)).toEqual([
      "PLAN",
      "PARTITION",
      "IDS",
      "STATUS",
      "WORKER",
      "TOKEN",
      "ATTEMPTS",
      "PROCESSED",
      "LEASE ENDS",
      "LAST ERROR",
    ]);
    expect(row!.trim().split(/\s{2,}/)).toEqual([
      "p1",
      "3",
      "31..40",
      "running",
      "w1",
      "17",
      "1",
      "5",
      "in 8 s",
    ]);
  });

  it("cuts a long error and shows dashes for no holder or lease", () => {
    const failed = {
      ...PARTITION,
      status: "failed" as const,
      workerId: null,
      leaseExpiresAtMs: null,
      lastError: "x".repeat(100),
    };
    const text = renderPartitionPage({ items: [failed], nextCursor: "p1:3" }, 0);
    expect(text).toContain(`${"x".repeat(39)}…`);
    expect(text).toMatch(/failed\s+-\s+17/);
    expect(text.endsWith("more: --cursor p1:3")).toBe(true);
  });

  it("says so when there are none", () => {
    expect(renderPartitionPage({ items: [], nextCursor: null }, 0)).toBe("no partitions");
  });
});
