/**
 * The leader's cluster gauges (the seed's `partitions_total` and
 * `active_workers_count`, plans and workers by status, and per plan its partitions by status,
 * processed items, progress and uncovered ids), every series labelled with its bounded
 * `namespace` (./cluster-summary.ts), computed AT SCRAPE TIME from the applied state
 * (./cluster-summary.ts, one stale read shared by every gauge of the scrape) — never per applied
 * entry. Only the node that leads exports them; followers export none, so a sum over the
 * cluster counts each partition once.
 */
import type { Gauge, Registry } from "prom-client";
import { metricsPlanLabelsMax } from "../constants.js";
import type { RaftStatusView, ReadConsistency } from "../node/service.js";
import type { CoordinatorState } from "../state-machine/index.js";
import {
  PARTITION_STATUS_LABELS,
  summarizeCluster,
  type ClusterSummary,
  type PlanSample,
} from "./cluster-summary.js";
import { metricFactory } from "./factory.js";

/** What the cluster gauges read from a node. */
export interface ClusterMetricsSource {
  raftStatus(): RaftStatusView;
  read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T>;
}

/** Registers the leader's cluster gauges of `node` on `registry`. */
export function registerClusterMetrics(
  registry: Registry,
  node: ClusterMetricsSource,
  planLabelsMax = metricsPlanLabelsMax,
): void {
  let pending: Promise<ClusterSummary | null> | null = null;
  // Every gauge's collect() starts in the same turn of one scrape: they share one read.
  const summary = () =>
    (pending ??= load(node, planLabelsMax).finally(() => {
      pending = null;
    }));
  const f = metricFactory(registry);
  const gauge: GaugeFactory = (name, help, labelNames, fill) =>
    f.gauge(name, help, labelNames, async function () {
      this.reset();
      const current = await summary();
      // A gauge without labels keeps a 0 series after reset(); a follower exports none.
      if (current !== null) fill(this, current);
      else if (labelNames.length === 0) this.remove();
    });
  gauge(
    "partitions_total",
    "Partitions in the cluster's state, per namespace (leader only; seed metric).",
    ["namespace"],
    (g, s) => {
      for (const ns of s.namespaces) g.set({ namespace: ns.label }, ns.partitionsTotal);
    },
  );
  gauge(
    "active_workers_count",
    "Workers with a live lease, active or draining, per namespace (leader only; seed metric).",
    ["namespace"],
    (g, s) => {
      for (const ns of s.namespaces) {
        g.set({ namespace: ns.label }, ns.workersByStatus.active + ns.workersByStatus.draining);
      }
    },
  );
  gauge(
    "workers",
    "Registered workers by status (leader only).",
    ["namespace", "status"],
    (g, s) => {
      for (const ns of s.namespaces) {
        for (const [status, count] of Object.entries(ns.workersByStatus)) {
          g.set({ namespace: ns.label, status }, count);
        }
      }
    },
  );
  gauge("plans", "Plans by status (leader only).", ["namespace", "status"], (g, s) => {
    for (const ns of s.namespaces) {
      for (const [status, count] of Object.entries(ns.plansByStatus)) {
        g.set({ namespace: ns.label, status }, count);
      }
    }
  });
  registerPlanGauges(gauge);
}

type GaugeFactory = <L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  fill: (gauge: Gauge<L>, summary: ClusterSummary) => void,
) => Gauge<L>;

function registerPlanGauges(gauge: GaugeFactory): void {
  gauge(
    "plan_partitions",
    'Partitions of each plan by status (leader only; labels bounded, the rest as "other").',
    ["namespace", "plan", "status"],
    (g, s) => {
      for (const plan of s.plans) {
        for (const status of PARTITION_STATUS_LABELS) {
          g.set({ ...labelsOf(plan), status }, plan.partitions[status]);
        }
      }
    },
  );
  gauge(
    "plan_processed_items",
    "Items processed in each plan's partitions (leader only).",
    ["namespace", "plan"],
    (g, s) => {
      for (const plan of s.plans) g.set(labelsOf(plan), plan.processedItems);
    },
  );
  gauge(
    "plan_progress_ratio",
    "Share of each plan's ids inside completed partitions, 0..1 (leader only).",
    ["namespace", "plan"],
    (g, s) => {
      for (const plan of s.plans) {
        g.set(labelsOf(plan), plan.coveredIds === 0 ? 0 : plan.completedIds / plan.coveredIds);
      }
    },
  );
  gauge(
    "plan_gap_ids",
    "Ids of each plan's partitions not yet inside a completed partition (leader only).",
    ["namespace", "plan"],
    (g, s) => {
      for (const plan of s.plans) g.set(labelsOf(plan), plan.coveredIds - plan.completedIds);
    },
  );
  gauge(
    "plan_active",
    "1 when a plan under this label is active (leader only; for the stalled-plan alert).",
    ["namespace", "plan"],
    (g, s) => {
      for (const plan of s.plans) g.set(labelsOf(plan), plan.active ? 1 : 0);
    },
  );
}

/** The `namespace` and `plan` labels of a plan sample. */
function labelsOf(plan: PlanSample): { namespace: string; plan: string } {
  return { namespace: plan.namespace, plan: plan.label };
}

/** The summary when this node leads, else null (followers export no cluster gauges). */
async function load(
  node: ClusterMetricsSource,
  planLabelsMax: number,
): Promise<ClusterSummary | null> {
  if (node.raftStatus().role !== "Leader") return null;
  return node.read((state) => summarizeCluster(state, planLabelsMax), "stale");
}
