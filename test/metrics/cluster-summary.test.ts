// Proves the leader's cluster summary: partitions, plans and workers by status, per-plan counts,
// processed items, covered and completed ids (the gap), and the bounded plan label — the top
// plans by rank keep their names, the rest (and a plan named "other") are summed as "other".
import { describe, expect, it } from "vitest";
import { OTHER_PLANS, summarizeCluster } from "../../src/metrics/index.js";
import { Driver, reportOn } from "../state-machine/driver.js";

describe("summarizeCluster", () => {
  it("counts partitions, plans, workers, processed items and completed ids", () => {
    const driver = new Driver();
    driver.ok({ type: "CreatePlan", planId: "p", minId: 1, maxId: 30, partitionSize: 10 });
    driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 4 });
    driver.ok({ type: "RegisterWorker", workerId: "w2", windowSize: 4 });
    driver.ok({ type: "DeregisterWorker", workerId: "w2" });
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    driver.ok({ type: "CompletePartition", ...reportOn(grant, "w1"), processedCount: 9 });
    const summary = summarizeCluster(driver.state, 5);
    expect(summary.partitionsTotal).toBe(3);
    expect(summary.plansByStatus).toEqual({ active: 1, paused: 0, cancelled: 0, completed: 0 });
    expect(summary.workersByStatus.active).toBe(1);
    expect(summary.plans).toEqual([
      {
        label: "p",
        partitions: { pending: 2, claimed: 0, running: 0, completed: 1, failed: 0 },
        processedItems: 9,
        coveredIds: 30,
        completedIds: 10,
        active: true,
      },
    ]);
  });

  it("keeps the names of the top plans only; a plan named like the bucket joins it", () => {
    const driver = new Driver();
    for (const [planId, name] of [
      ["a", "alpha"],
      ["b", OTHER_PLANS],
      ["c", "gamma"],
    ] as const) {
      driver.advance(1_000);
      driver.ok({ type: "CreatePlan", planId, name, minId: 0, maxId: 9, partitionSize: 5 });
    }
    const labels = summarizeCluster(driver.state, 2).plans.map((plan) => plan.label);
    expect(labels.sort()).toEqual(["gamma", OTHER_PLANS]);
    const other = summarizeCluster(driver.state, 2).plans.find(
      (plan) => plan.label === OTHER_PLANS,
    );
    expect(other?.partitions.pending).toBe(4);
  });
});
