// Proves the leader's cluster summary: per namespace its partitions, plans and workers by status,
// per-plan counts, processed items, covered and completed ids (the gap), and the bounded plan and
// namespace labels — the top plans by rank (and the namespaces of the top plans, then of the
// workers) keep their names, the rest (and anything named "other") are summed as "other".
import { describe, expect, it } from "vitest";
import { OTHER_LABEL, summarizeCluster } from "../../src/metrics/index.js";
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
    expect(summary.namespaces).toEqual([
      {
        label: "default",
        partitionsTotal: 3,
        plansByStatus: { active: 1, paused: 0, cancelled: 0, completed: 0 },
        workersByStatus: { active: 1, draining: 0, expired: 0 },
      },
    ]);
    expect(summary.plans).toEqual([
      {
        namespace: "default",
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
      ["b", OTHER_LABEL],
      ["c", "gamma"],
    ] as const) {
      driver.advance(1_000);
      driver.ok({ type: "CreatePlan", planId, name, minId: 0, maxId: 9, partitionSize: 5 });
    }
    const labels = summarizeCluster(driver.state, 2).plans.map((plan) => plan.label);
    expect(labels.sort()).toEqual(["gamma", OTHER_LABEL]);
    const other = summarizeCluster(driver.state, 2).plans.find(
      (plan) => plan.label === OTHER_LABEL,
    );
    expect(other?.partitions.pending).toBe(4);
  });

  it("keeps the first namespaces only (ranked plans', then workers'); the rest are summed as other", () => {
    const driver = new Driver();
    for (const [planId, namespace] of [
      ["a", "ns-a"],
      ["b", "ns-b"],
      ["c", "ns-c"],
    ] as const) {
      driver.advance(1_000);
      driver.ok({ type: "CreatePlan", planId, namespace, minId: 0, maxId: 9, partitionSize: 5 });
    }
    driver.ok({ type: "RegisterWorker", workerId: "w", namespace: "ns-w", windowSize: 1 });
    const summary = summarizeCluster(driver.state, 5, 2);
    const byLabel = new Map(summary.namespaces.map((ns) => [ns.label, ns]));
    expect([...byLabel.keys()].sort()).toEqual(["ns-b", "ns-c", OTHER_LABEL]);
    expect(byLabel.get(OTHER_LABEL)?.partitionsTotal).toBe(2);
    expect(byLabel.get(OTHER_LABEL)?.workersByStatus.active).toBe(1);
    const planNamespaces = summary.plans.map((plan) => `${plan.namespace}/${plan.label}`);
    expect(planNamespaces.sort()).toEqual(["ns-b/b", "ns-c/c", "other/a"]);
    expect(summarizeCluster(driver.state, 5, 4).namespaces).toHaveLength(4);
  });
});
