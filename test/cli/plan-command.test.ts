// Proves what `plan list` and `plan show` print: the plan table with its next-page hint, and the
// detail with range, progress bar, counts, rate and ETA (and dashes while they are unknown).
import { describe, expect, it } from "vitest";
import { renderPlan, renderPlanPage } from "../../src/cli/plan-command.js";

const PLAN = {
  planId: "p7",
  namespace: "default",
  name: "backfill",
  minId: 1,
  maxId: 1_000_000,
  openEnded: false,
  closed: true,
  nextId: 1_000_001,
  partitionSize: 1000,
  options: {},
  priority: 2,
  maxAttempts: 3,
  partitionLeaseTtlMs: 60_000,
  status: "active" as const,
  createdAtMs: 1,
  planner: null,
  partitionCount: 1000,
  counts: { pending: 400, claimed: 2, running: 75, completed: 500, failed: 23 },
  processedCount: 500_000,
  progress: 0.5,
};

describe("renderPlan", () => {
  it("shows range, progress, counts, rate and ETA", () => {
    const text = renderPlan({
      ...PLAN,
      rate: { partitionsPerSecond: 12.34, itemsPerSecond: 12_340, windowSeconds: 45 },
      etaSeconds: 40,
    });
    expect(text.split("\n")).toEqual([
      'plan p7  "backfill"  active  namespace default  priority 2',
      "ids 1..1000000 in 1000 partitions of 1000",
      `[${"█".repeat(15)}${"░".repeat(15)}]  50.0%  500/1000 partitions, 500000 items`,
      "pending 400  claimed 2  running 75  completed 500  failed 23",
      "rate  12.3 partitions/s, 12340 items/s (over 45 s)  ETA 40 s",
    ]);
  });

  it("shows dashes for an unknown rate and ETA, and marks an open plan", () => {
    const text = renderPlan({
      ...PLAN,
      maxId: null,
      openEnded: true,
      closed: false,
      rate: null,
      etaSeconds: null,
    });
    expect(text).toContain("ids 1..(open) in 1000 partitions of 1000 (open: a planner adds more)");
    expect(text).toContain("rate  -  ETA -");
  });
});

describe("renderPlanPage", () => {
  it("prints one row per plan and the cursor of the next page", () => {
    const text = renderPlanPage({ items: [PLAN], nextCursor: "p7" });
    const [header, row, more] = text.split("\n");
    expect(header).toMatch(/^PLAN\s+NAME\s+NAMESPACE\s+STATUS\s+PRIORITY\s+PARTITIONS/);
    expect(row!.split(/\s+/)).toEqual([
      "p7",
      "backfill",
      "default",
      "active",
      "2",
      "1000",
      "500",
      "23",
      "50.0%",
    ]);
    expect(more).toBe("more: --cursor p7");
  });

  it("says so when there are no plans", () => {
    expect(renderPlanPage({ items: [], nextCursor: null })).toBe("no plans");
  });
});
