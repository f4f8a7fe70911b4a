/**
 * All the metrics of one coordinator node on its registry: Raft (./raft-metrics.ts),
 * the leader's partition counters and proposals (./applied-metrics.ts), the leader's cluster
 * gauges computed at scrape time (./cluster-metrics.ts) and the HTTP RED metrics
 * (./http-metrics.ts). The node only emits events; nothing here is called from its loop.
 */
import type { Registry } from "prom-client";
import type { NodeEvents } from "../node/events.js";
import type { RaftStatusView, ReadConsistency } from "../node/service.js";
import type { CoordinatorState } from "../state-machine/index.js";
import { attachAppliedMetrics } from "./applied-metrics.js";
import { registerClusterMetrics } from "./cluster-metrics.js";
import { registerHttpMetrics, type HttpRequestSample } from "./http-metrics.js";
import { attachRaftMetrics } from "./raft-metrics.js";

/** What the node metrics read from a node (src/node's CoordinatorNode has it all). */
export interface NodeMetricsSource {
  readonly nodeId: string;
  readonly events: NodeEvents;
  raftStatus(): RaftStatusView;
  read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T>;
}

/** A node's metrics, attached. */
export interface NodeMetrics {
  /** The API's per-request callback (`onRequestDone`) feeding the HTTP metrics. */
  readonly onRequestDone: (sample: HttpRequestSample) => void;
  /** Unsubscribes from the node's events (the series stay registered). */
  detach(): void;
}

/**
 * Registers every node metric of `node` on `registry` and subscribes to its events.
 * @param planLabelsMax plans with their own `plan` label (default constants.metricsPlanLabelsMax)
 * @throws Error (prom-client) when `registry` already holds these metrics
 */
export function attachNodeMetrics(
  registry: Registry,
  node: NodeMetricsSource,
  planLabelsMax?: number,
): NodeMetrics {
  const offRaft = attachRaftMetrics(registry, node);
  const offApplied = attachAppliedMetrics(registry, node);
  registerClusterMetrics(registry, node, planLabelsMax);
  const onRequestDone = registerHttpMetrics(registry);
  return {
    onRequestDone,
    detach: () => {
      offRaft();
      offApplied();
    },
  };
}
