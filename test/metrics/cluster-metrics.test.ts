// Proves the leader's cluster gauges are exported by the leader alone, from one state read per
// scrape, every series labelled with its namespace, and that the plan label is capped: beyond the
// top plans the rest are summed as "other".
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerClusterMetrics } from "../../src/metrics/cluster-metrics.js";
import { FakeNode } from "./fake-node.js";
import { seriesOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const node = new FakeNode();
  registerClusterMetrics(registry, node, 2);
  return { registry, node };
}

describe("the leader's cluster gauges", () => {
  it("are exported by the leader only, from one read per scrape", async () => {
    const { registry, node } = setup();
    node.driver.ok({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 });
    node.driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 4 });
    await registry.metrics();
    expect(node.reads).toBe(0);
    expect(await registry.metrics()).not.toMatch(/^elk_coordinator_partitions_total /m);
    node.role("Leader", "n1", 1);
    const text = await registry.metrics();
    expect(node.reads).toBe(1);
    expect(text).toMatch(/^elk_coordinator_partitions_total\{namespace="default"\} 3$/m);
    expect(text).toMatch(/^elk_coordinator_active_workers_count\{namespace="default"\} 1$/m);
    expect(text).toMatch(
      /^elk_coordinator_plan_partitions\{namespace="default",plan="p",status="pending"\} 3$/m,
    );
    expect(text).toMatch(/^elk_coordinator_plan_active\{namespace="default",plan="p"\} 1$/m);
    expect(text).toMatch(/^elk_coordinator_plan_gap_ids\{namespace="default",plan="p"\} 30$/m);
    expect(text).toMatch(/^elk_coordinator_workers\{namespace="default",status="active"\} 1$/m);
  });

  it("cap the plan label: beyond the top plans, the rest are summed as plan=other", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 1);
    for (const planId of ["a", "b", "c", "d"]) {
      node.driver.advance(1_000);
      node.driver.ok({ type: "CreatePlan", planId, minId: 0, maxId: 9, partitionSize: 5 });
    }
    node.driver.ok({ type: "CancelPlan", planId: "d" });
    const series = await seriesOf(registry, `${P}plan_partitions`);
    const plans = new Set(Object.keys(series).map((key) => /plan=([^,]+)/.exec(key)?.[1]));
    // Active first, newest first: c and b keep their names; a (older) and d (cancelled) are "other".
    expect([...plans].sort()).toEqual(["b", "c", "other"]);
    expect(series["namespace=default,plan=other,status=pending"]).toBe(4);
  });
});
