/**
 * What the leader's cluster gauges show, computed from the applied state with the state
 * machine's pure queries: per namespace its partitions and live workers (the seed's
 * `partitions_total` and `active_workers_count`), plans by status and workers by status, and per
 * plan its partitions by status, processed items, progress and the ids not yet covered by a
 * completed partition.
 *
 * Every series carries the `namespace` of its plans and workers, as the seed's monitoring design
 * labels every metric (docs/OBSERVABILITY.md "Metrics: the namespace label"). Cost: one pass over the plans and one over the
 * workers, never over partitions (each plan keeps its status counts). Both labels are BOUNDED:
 * the `namespaceLabelsMax` first namespaces (those of the highest-ranked plans, then those of
 * the workers, by name) keep their name, every other namespace is summed under
 * {@link OTHER_LABEL}; the `planLabelsMax` highest-ranked plans (active first, then paused, then
 * the rest; newest first within each) keep their name, every other plan is summed under
 * {@link OTHER_LABEL} within its namespace label. Plans sharing a name share its label.
 */
import { metricsNamespaceLabelsMax, queryPageRowsMax } from "../constants.js";
import {
  listPlans,
  listWorkers,
  type CoordinatorState,
  type PartitionStatus,
  type PlanStatus,
  type PlanView,
  type WorkerStatus,
  type WorkerView,
} from "../state-machine/index.js";

/** The `plan` (and `namespace`) label value of everything beyond the labelled ones. */
export const OTHER_LABEL = "other";

/** The partition statuses, in the state machine's order (the `status` label values). */
export const PARTITION_STATUS_LABELS: readonly PartitionStatus[] = [
  "pending",
  "claimed",
  "running",
  "completed",
  "failed",
];

/** One `(namespace, plan)` label pair's figures (several plans when bucketed or named alike). */
export interface PlanSample {
  readonly namespace: string;
  readonly label: string;
  readonly partitions: Readonly<Record<PartitionStatus, number>>;
  readonly processedItems: number;
  /** Ids inside the partitions made so far (`nextId − minId`), and those completed. */
  readonly coveredIds: number;
  readonly completedIds: number;
  /** Whether a plan under this label is active (the stalled-plan alert looks only at those). */
  readonly active: boolean;
}

/** One `namespace` label's totals. */
export interface NamespaceSample {
  readonly label: string;
  readonly partitionsTotal: number;
  readonly plansByStatus: Readonly<Record<PlanStatus, number>>;
  readonly workersByStatus: Readonly<Record<WorkerStatus, number>>;
}

/** The leader's cluster gauges at one moment. */
export interface ClusterSummary {
  readonly namespaces: readonly NamespaceSample[];
  readonly plans: readonly PlanSample[];
}

const PLAN_RANK: Readonly<Record<PlanStatus, number>> = {
  active: 0,
  paused: 1,
  completed: 2,
  cancelled: 2,
};

interface MutableNamespace {
  label: string;
  partitionsTotal: number;
  plansByStatus: Record<PlanStatus, number>;
  workersByStatus: Record<WorkerStatus, number>;
}

/** Summarizes `state`; see the module comment. Both maxima ≥ 1. */
export function summarizeCluster(
  state: CoordinatorState,
  planLabelsMax: number,
  namespaceLabelsMax = metricsNamespaceLabelsMax,
): ClusterSummary {
  const plans = rankPlans(allPages((cursor) => listPlans(state, pageOf(cursor))));
  const workers = allPages((cursor) => listWorkers(state, pageOf(cursor)));
  const labelOf = namespaceLabels(plans, workers, namespaceLabelsMax);
  const namespaces = new Map<string, MutableNamespace>();
  const namespaceOf = (namespace: string) => {
    const label = labelOf(namespace);
    let sample = namespaces.get(label);
    if (sample === undefined) {
      sample = {
        label,
        partitionsTotal: 0,
        plansByStatus: { active: 0, paused: 0, cancelled: 0, completed: 0 },
        workersByStatus: { active: 0, draining: 0, expired: 0 },
      };
      namespaces.set(label, sample);
    }
    return sample;
  };
  for (const plan of plans) {
    const sample = namespaceOf(plan.namespace);
    sample.plansByStatus[plan.status]++;
    sample.partitionsTotal += plan.partitionCount;
  }
  for (const worker of workers) namespaceOf(worker.namespace).workersByStatus[worker.status]++;
  return {
    namespaces: [...namespaces.values()],
    plans: samplesOf(plans, planLabelsMax, labelOf),
  };
}

/** Plans by rank: active first, then paused, then the rest; newest first within each. */
function rankPlans(plans: readonly PlanView[]): PlanView[] {
  return [...plans].sort(
    (a, b) =>
      PLAN_RANK[a.status] - PLAN_RANK[b.status] ||
      b.createdAtMs - a.createdAtMs ||
      (a.planId < b.planId ? -1 : 1),
  );
}

/** The label of each namespace: the first `max` (ranked plans' first, then workers') keep it. */
function namespaceLabels(
  ranked: readonly PlanView[],
  workers: readonly WorkerView[],
  max: number,
): (namespace: string) => string {
  const kept = new Set<string>();
  const keep = (namespace: string) => {
    if (kept.size < max && namespace !== OTHER_LABEL) kept.add(namespace);
  };
  for (const plan of ranked) keep(plan.namespace);
  for (const namespace of workers.map((worker) => worker.namespace).sort()) keep(namespace);
  return (namespace) => (kept.has(namespace) ? namespace : OTHER_LABEL);
}

function pageOf(cursor: string | null): { limit: number; cursor?: string } {
  return cursor === null ? { limit: queryPageRowsMax } : { limit: queryPageRowsMax, cursor };
}

function allPages<T>(
  page: (cursor: string | null) => {
    readonly items: readonly T[];
    readonly nextCursor: string | null;
  },
): T[] {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const next = page(cursor);
    all.push(...next.items);
    cursor = next.nextCursor;
  } while (cursor !== null);
  return all;
}

/** The labels of each plan: the top `planLabelsMax` by rank keep their name. */
function samplesOf(
  ranked: readonly PlanView[],
  planLabelsMax: number,
  namespaceOf: (namespace: string) => string,
): PlanSample[] {
  const samples = new Map<string, MutableSample>();
  ranked.forEach((plan, rank) => {
    const namespace = namespaceOf(plan.namespace);
    const label = rank < planLabelsMax && plan.name !== OTHER_LABEL ? plan.name : OTHER_LABEL;
    const key = `${namespace}\u0000${label}`;
    let sample = samples.get(key);
    if (sample === undefined) {
      sample = emptySample(namespace, label);
      samples.set(key, sample);
    }
    addPlan(sample, plan);
  });
  return [...samples.values()];
}

interface MutableSample {
  namespace: string;
  label: string;
  partitions: Record<PartitionStatus, number>;
  processedItems: number;
  coveredIds: number;
  completedIds: number;
  active: boolean;
}

function emptySample(namespace: string, label: string): MutableSample {
  const partitions = { pending: 0, claimed: 0, running: 0, completed: 0, failed: 0 };
  return {
    namespace,
    label,
    partitions,
    processedItems: 0,
    coveredIds: 0,
    completedIds: 0,
    active: false,
  };
}

function addPlan(sample: MutableSample, plan: PlanView): void {
  for (const status of PARTITION_STATUS_LABELS) sample.partitions[status] += plan.counts[status];
  sample.processedItems += plan.processedCount;
  const coveredIds = plan.nextId - plan.minId;
  sample.coveredIds += coveredIds;
  sample.completedIds += Math.round(plan.progress * coveredIds);
  sample.active ||= plan.status === "active";
}
