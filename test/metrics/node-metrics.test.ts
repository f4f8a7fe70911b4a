// Proves attachNodeMetrics wires every node metric to one node and that detach() stops the
// event-fed ones from changing (scrape-time gauges keep reading the node).
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { attachNodeMetrics } from "../../src/metrics/index.js";
import { FakeNode } from "./fake-node.js";
import { valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const node = new FakeNode();
  const metrics = attachNodeMetrics(registry, node, 2);
  return { registry, node, metrics };
}

describe("attachNodeMetrics", () => {
  it("registers the Raft, leader, cluster and HTTP metrics, and detaches from the events", async () => {
    const { registry, node, metrics } = setup();
    for (const name of [
      "is_leader",
      "partitions_assigned_total",
      "partitions_total",
      "http_requests_total",
    ]) {
      expect(registry.getSingleMetric(`${P}${name}`), name).toBeDefined();
    }
    node.role("Leader", "n1", 1);
    expect(await valueOf(registry, `${P}is_leader`, { node_id: "n1" })).toBe(1);
    metrics.detach();
    node.role("Follower", "n2", 2);
    expect(await valueOf(registry, `${P}is_leader`, { node_id: "n1" })).toBe(1);
    expect(node.events.has("role")).toBe(false);
  });
});
