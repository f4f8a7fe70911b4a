// Proves the leader's partition counters count each applied decision once — only on the node
// that leads in the entry's term, never for remembered duplicates — including fenced reports
// and lease expiries, and that proposals are counted by command and result with their latency.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { attachAppliedMetrics } from "../../src/metrics/applied-metrics.js";
import { FakeNode } from "./fake-node.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const node = new FakeNode();
  attachAppliedMetrics(registry, node);
  return { registry, node };
}

describe("the leader's partition counters", () => {
  it("count what the leader of the entry's term applied, once, and skip duplicates", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 3);
    node.apply({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 }, 3);
    node.apply({ type: "RegisterWorker", workerId: "w1", windowSize: 4 }, 3);
    const acquired = node.apply({ type: "AcquirePartitions", workerId: "w1", max: 2 }, 3);
    if (acquired.status !== "ok" || acquired.type !== "AcquirePartitions")
      throw new Error("no grant");
    const [first, second] = acquired.granted;
    const report = (grant: typeof first) => ({
      planId: "p",
      partitionId: grant!.partitionId,
      workerId: "w1",
      fencingToken: grant!.fencingToken,
    });
    node.apply({ type: "CompletePartition", ...report(first), processedCount: 10 }, 3);
    // A stale token: the worker holds `second` under a newer token than the one presented.
    node.apply(
      { type: "CompletePartition", ...report(second), fencingToken: 1, processedCount: 1 },
      3,
    );
    // An entry of an earlier term, applied while leading: its own leader counted it.
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 1 }, 2);
    expect(await valueOf(registry, `${P}partitions_assigned_total`)).toBe(2);
    expect(await valueOf(registry, `${P}partitions_completed_total`)).toBe(1);
    expect(
      await valueOf(registry, `${P}fenced_rejections_total`, { command: "CompletePartition" }),
    ).toBe(1);
    node.role("Follower", "n2", 4);
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 1 }, 4);
    expect(await valueOf(registry, `${P}partitions_assigned_total`)).toBe(2);
  });

  it("count lease expiries and failures from ExpireLeases", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 1);
    node.apply({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 }, 1);
    node.apply({ type: "RegisterWorker", workerId: "w1", windowSize: 4, leaseTtlMs: 1_000 }, 1);
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 2 }, 1);
    node.driver.advance(5_000);
    node.apply({ type: "ExpireLeases", nowMs: node.driver.nowMs }, 1);
    expect(await valueOf(registry, `${P}lease_expiries_total`, { kind: "worker" })).toBe(1);
    expect(await valueOf(registry, `${P}lease_expiries_total`, { kind: "partition" })).toBe(2);
  });

  it("observe proposals by command and result, and assignment latency", async () => {
    const { registry, node } = setup();
    node.events.emit("proposal", { commandType: "AcquirePartitions", outcome: "ok", latencyMs: 4 });
    node.events.emit("proposal", {
      commandType: "Heartbeat",
      outcome: "lease_expired",
      latencyMs: 2,
    });
    expect(await seriesOf(registry, `${P}raft_proposals_total`)).toEqual({
      "command=AcquirePartitions,node_id=n1,result=ok": 1,
      "command=Heartbeat,node_id=n1,result=lease_expired": 1,
    });
    const assignment = await seriesOf(registry, `${P}partitions_assignment_duration_seconds`);
    expect(assignment["le=0.005"]).toBe(1);
    expect(assignment["le=0.0025"]).toBe(0);
  });
});
