/**
 * The leader's view of what happens to partitions: the seed's assignment counter and
 * assignment latency, completions, failures, lease expiries, preemptions and fenced (stale
 * token) rejections, from the node's `applied` and `proposal` events; plus proposals by command
 * and result with their latency.
 *
 * Every node applies every entry, so a count taken on every node would be multiplied by the
 * cluster size. An applied entry is counted only by the node that LEADS IN THE ENTRY'S TERM —
 * the node that proposed it — so `sum(rate(...))` over all nodes counts each decision once,
 * across leader changes too (an entry whose leader died before applying it goes uncounted).
 * Remembered answers to retried requests (`duplicate`) change nothing and are not counted.
 */
import type { Registry } from "prom-client";
import { metricsRequestBucketsSeconds } from "../constants.js";
import { commandTypeOf } from "../node/applier.js";
import type { NodeEventMap, NodeEvents } from "../node/events.js";
import type { CommandType, CompletePartitionsOk } from "../state-machine/index.js";
import { childrenOf, metricFactory } from "./factory.js";

/** What the applied-entry metrics read from a node. */
export interface AppliedMetricsSource {
  readonly nodeId: string;
  readonly events: NodeEvents;
}

/** Commands that present a fencing token; any other type is labelled "other". */
const FENCED_COMMANDS: ReadonlySet<string> = new Set<CommandType>([
  "ReportProgress",
  "CompletePartition",
  "CompletePartitions",
  "FailPartition",
  "ReleasePartition",
]);

type Metrics = ReturnType<typeof appliedMetrics>;

/**
 * Registers the leader's partition counters and the proposal metrics of `node` on `registry`.
 * @returns the function that unsubscribes
 */
export function attachAppliedMetrics(registry: Registry, node: AppliedMetricsSource): () => void {
  const m = appliedMetrics(registry);
  const nodeId = node.nodeId;
  let leaderTerm: number | null = null;
  const proposals = childrenOf(m.proposals, { node_id: nodeId });
  const proposalSeconds = m.proposalSeconds.labels({ node_id: nodeId });
  const off = [
    node.events.on("role", ({ role, term }) => {
      leaderTerm = role === "Leader" ? term : null;
    }),
    node.events.on("applied", (event) => {
      if (leaderTerm !== null && event.term === leaderTerm) countApplied(m, event);
    }),
    node.events.on("proposal", ({ commandType, outcome, latencyMs }) => {
      proposals({ command: commandType, result: outcome }).inc();
      proposalSeconds.observe(latencyMs / 1000);
      if (commandType === "AcquirePartitions" && outcome === "ok") {
        m.assignmentSeconds.observe(latencyMs / 1000);
      }
    }),
  ];
  return () => off.forEach((unsubscribe) => unsubscribe());
}

/** Counts what one applied entry did (called on the leader of the entry's term). */
function countApplied(m: Metrics, { envelope, result }: NodeEventMap["applied"]): void {
  if (result.status === "stale_fencing_token") {
    const type = commandTypeOf(envelope);
    m.fenced.inc({ command: FENCED_COMMANDS.has(type) ? type : "other" });
    return;
  }
  if (result.status !== "ok" || result.duplicate) return;
  switch (result.type) {
    case "AcquirePartitions":
      if (result.granted.length > 0) m.assigned.inc(result.granted.length);
      return;
    case "CompletePartition":
      m.completed.inc();
      return;
    case "CompletePartitions":
      countBatch(m, result);
      return;
    case "FailPartition":
      if (result.partitionStatus === "failed") m.failed.inc();
      return;
    case "ExpireLeases":
      m.leaseExpiries.inc({ kind: "worker" }, result.expiredWorkerIds.length);
      m.leaseExpiries.inc({ kind: "partition" }, result.releasedCount + result.failedCount);
      if (result.failedCount > 0) m.failed.inc(result.failedCount);
      return;
    case "PreemptPartition":
      m.preemptions.inc();
      if (result.grant === null) m.failed.inc();
      else m.assigned.inc();
      return;
    default:
      return;
  }
}

/** A batch counts as its items would have one by one, and its grants as an acquire's. */
function countBatch(m: Metrics, result: CompletePartitionsOk): void {
  const completed = result.results.filter((item) => item.status === "ok").length;
  const stale = result.results.filter((item) => item.status === "stale_fencing_token").length;
  if (completed > 0) m.completed.inc(completed);
  if (stale > 0) m.fenced.inc({ command: "CompletePartitions" }, stale);
  const granted = result.acquire?.status === "ok" ? result.acquire.granted.length : 0;
  if (granted > 0) m.assigned.inc(granted);
}

function appliedMetrics(registry: Registry) {
  const f = metricFactory(registry);
  const metrics = {
    assigned: f.counter(
      "partitions_assigned_total",
      "Partitions granted to workers by the leader (grants, not distinct partitions; seed metric).",
      [],
    ),
    assignmentSeconds: f.histogram(
      "partitions_assignment_duration_seconds",
      "Time for the leader to grant one batch of partitions (AcquirePartitions, proposed to applied; seed metric).",
      [],
      metricsRequestBucketsSeconds,
    ),
    completed: f.counter("partitions_completed_total", "Partitions completed (leader view).", []),
    failed: f.counter(
      "partitions_failed_total",
      "Partitions that failed for good: out of attempts, by report, expiry or preemption (leader view).",
      [],
    ),
    leaseExpiries: f.counter(
      "lease_expiries_total",
      "Leases ended by ExpireLeases: workers expired, and partitions taken back from them (leader view).",
      ["kind"],
    ),
    preemptions: f.counter(
      "preemptions_total",
      "Partitions preempted from their holder (leader view).",
      [],
    ),
    fenced: f.counter(
      "fenced_rejections_total",
      "Reports refused for a stale fencing token (a fenced zombie worker), by command (leader view).",
      ["command"],
    ),
    proposals: f.counter(
      "raft_proposals_total",
      "Proposals answered by this node, by command type and result (ok, a rejection status or an error code).",
      ["node_id", "command", "result"],
    ),
    proposalSeconds: f.histogram(
      "raft_proposal_duration_seconds",
      "Time from propose() to the answer (committed and applied, or refused).",
      ["node_id"],
      metricsRequestBucketsSeconds,
    ),
  };
  for (const zero of [metrics.assigned, metrics.completed, metrics.failed, metrics.preemptions])
    zero.inc(0);
  for (const kind of ["worker", "partition"]) metrics.leaseExpiries.inc({ kind }, 0);
  for (const command of FENCED_COMMANDS) metrics.fenced.inc({ command }, 0);
  return metrics;
}
