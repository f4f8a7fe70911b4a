// Proves the metric catalogue: the seed's metrics keep their exact names, types and labels (so
// dashboards written for the seed keep working, with `node_version` in place of `go_version`,
// and the seed's `namespace` label on the plan and worker metrics),
// the added Raft, cluster and HTTP metrics exist, every name carries the elk_coordinator_
// prefix, and no metric takes a partition id or a request id as a label.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  attachNodeMetrics,
  attachWorkerMetrics,
  createMetricsRegistry,
  registerMirrorMetrics,
} from "../../src/metrics/index.js";
import { FakeNode } from "./fake-node.js";
import { FakeWorker } from "./fake-worker.js";
import { catalogueOf } from "./read-registry.js";

const SEED: Record<string, { type: string; labels: string[] }> = {
  elk_coordinator_is_leader: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_leader_election_attempts_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_leader_election_failures_total: {
    type: "counter",
    labels: ["node_id", "reason"],
  },
  elk_coordinator_partitions_total: { type: "gauge", labels: ["namespace"] },
  elk_coordinator_partitions_assigned_total: { type: "counter", labels: [] },
  elk_coordinator_partitions_assignment_duration_seconds: { type: "histogram", labels: [] },
  elk_coordinator_active_workers_count: { type: "gauge", labels: ["namespace"] },
  elk_coordinator_node_heartbeat_timestamp_seconds: {
    type: "gauge",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_heartbeat_errors_total: {
    type: "counter",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_info: {
    type: "gauge",
    labels: ["namespace", "node_version", "os_type", "version", "worker_id"],
  },
  elk_coordinator_node_task_window_size: { type: "gauge", labels: ["namespace", "worker_id"] },
  elk_coordinator_node_task_queue_active_tasks: {
    type: "gauge",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_tasks_active_processing: {
    type: "gauge",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_tasks_processed_total: {
    type: "counter",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_tasks_processed_items_total: {
    type: "counter",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_tasks_errors_total: {
    type: "counter",
    labels: ["error_type", "namespace", "worker_id"],
  },
  elk_coordinator_node_task_processing_duration_seconds: {
    type: "histogram",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_task_processor_duration_seconds: {
    type: "histogram",
    labels: ["namespace", "worker_id"],
  },
  elk_coordinator_node_circuit_breaker_state: {
    type: "gauge",
    labels: ["breaker_name", "namespace", "worker_id"],
  },
  elk_coordinator_node_circuit_breaker_tripped_total: {
    type: "counter",
    labels: ["breaker_name", "namespace", "worker_id"],
  },
};

const ADDED: Record<string, { type: string; labels: string[] }> = {
  elk_coordinator_raft_term: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_commit_index: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_applied_index: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_last_log_index: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_snapshot_index: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_members: { type: "gauge", labels: ["node_id", "role"] },
  elk_coordinator_raft_config_index: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_config_change_in_flight: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_leader_changes_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_raft_proposals_total: {
    type: "counter",
    labels: ["command", "node_id", "result"],
  },
  elk_coordinator_raft_proposal_duration_seconds: { type: "histogram", labels: ["node_id"] },
  elk_coordinator_raft_fsync_duration_seconds: { type: "histogram", labels: ["node_id"] },
  elk_coordinator_raft_persisted_entries_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_raft_messages_total: {
    type: "counter",
    labels: ["direction", "node_id", "type"],
  },
  elk_coordinator_raft_snapshots_total: { type: "counter", labels: ["node_id", "origin"] },
  elk_coordinator_raft_snapshot_bytes: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_raft_snapshot_duration_seconds: {
    type: "histogram",
    labels: ["node_id", "origin"],
  },
  elk_coordinator_raft_peer_match_index: { type: "gauge", labels: ["node_id", "peer"] },
  elk_coordinator_raft_peer_last_contact_seconds: { type: "gauge", labels: ["node_id", "peer"] },
  elk_coordinator_partitions_completed_total: { type: "counter", labels: [] },
  elk_coordinator_partitions_failed_total: { type: "counter", labels: [] },
  elk_coordinator_lease_expiries_total: { type: "counter", labels: ["kind"] },
  elk_coordinator_preemptions_total: { type: "counter", labels: [] },
  elk_coordinator_fenced_rejections_total: { type: "counter", labels: ["command"] },
  elk_coordinator_workers: { type: "gauge", labels: ["namespace", "status"] },
  elk_coordinator_plans: { type: "gauge", labels: ["namespace", "status"] },
  elk_coordinator_plan_partitions: { type: "gauge", labels: ["namespace", "plan", "status"] },
  elk_coordinator_plan_processed_items: { type: "gauge", labels: ["namespace", "plan"] },
  elk_coordinator_plan_progress_ratio: { type: "gauge", labels: ["namespace", "plan"] },
  elk_coordinator_plan_gap_ids: { type: "gauge", labels: ["namespace", "plan"] },
  elk_coordinator_plan_active: { type: "gauge", labels: ["namespace", "plan"] },
  elk_coordinator_http_requests_total: { type: "counter", labels: ["method", "route", "status"] },
  elk_coordinator_http_request_duration_seconds: {
    type: "histogram",
    labels: ["method", "route", "status"],
  },
  elk_coordinator_mirror_redis_up: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_mirror_leading: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_mirror_lag_entries: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_mirror_last_lag_seconds: { type: "gauge", labels: ["node_id"] },
  elk_coordinator_mirror_flushes_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_mirror_resyncs_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_mirror_refused_total: { type: "counter", labels: ["node_id"] },
  elk_coordinator_mirror_errors_total: { type: "counter", labels: ["node_id"] },
};

/** A registry as an embedded-worker node with a mirror has it: every metric we define. */
function fullRegistry(): Registry {
  const registry = new Registry();
  attachNodeMetrics(registry, new FakeNode());
  registerMirrorMetrics(registry, "n1", {
    stats: () => ({
      leading: true,
      redis: "up",
      lagEntries: 0,
      lastLagMs: 1,
      errorsTotal: 0,
      flushesTotal: 3,
      resyncsTotal: 1,
      refusedTotal: 0,
    }),
  });
  attachWorkerMetrics(registry, new FakeWorker(), { windowSize: 4 });
  return registry;
}

describe("metric catalogue", () => {
  it("keeps the seed's names, types and labels exactly and adds the Raft/cluster/HTTP metrics", async () => {
    const catalogue = await catalogueOf(fullRegistry());
    expect(catalogue).toEqual({ ...SEED, ...ADDED });
  });

  it("uses no label that could hold a partition id, request id or URL", async () => {
    const catalogue = await catalogueOf(fullRegistry());
    const labels = new Set(Object.values(catalogue).flatMap((metric) => metric.labels));
    for (const forbidden of [
      "partition",
      "partition_id",
      "partitionId",
      "request_id",
      "url",
      "plan_id",
    ]) {
      expect(labels).not.toContain(forbidden);
    }
  });

  it("includes prom-client's default Node.js metrics in a process registry", async () => {
    const text = await createMetricsRegistry().metrics();
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});
