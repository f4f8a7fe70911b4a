/**
 * Prometheus metrics (README "Monitoring"): a registry per process, the node's metrics
 * (Raft, the leader's partition counters and cluster gauges, HTTP), the Redis mirror's, the
 * worker's (the seed's names), and a bare `/metrics` endpoint for worker processes. This module
 * only subscribes to events and reads state at scrape time; it holds no logic of the system.
 */
export { METRIC_PREFIX, createMetricsRegistry, expositionOf, packageVersion } from "./registry.js";
export type { MetricsExposition } from "./registry.js";
/** A prom-client registry: what {@link createMetricsRegistry} returns. */
export type { Registry as MetricsRegistry } from "prom-client";
export { attachNodeMetrics } from "./node-metrics.js";
export type { NodeMetrics, NodeMetricsSource } from "./node-metrics.js";
export { registerMirrorMetrics } from "./mirror-metrics.js";
export type { MirrorStatsView } from "./mirror-metrics.js";
export { BREAKER_NAME, TASK_ERROR_TYPES, attachWorkerMetrics } from "./worker-metrics.js";
export type { WorkerMetricsOptions, WorkerMetricsSource } from "./worker-metrics.js";
export { startMetricsServer } from "./metrics-server.js";
export type { MetricsServer } from "./metrics-server.js";
export { OTHER_LABEL, summarizeCluster } from "./cluster-summary.js";
export type { ClusterSummary, PlanSample } from "./cluster-summary.js";
export { ELECTION_FAILURE_REASONS } from "./election-tracker.js";
export type { ElectionFailureReason } from "./election-tracker.js";
