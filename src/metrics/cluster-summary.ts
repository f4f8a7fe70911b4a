/**
 * What the leader's cluster gauges show, computed from the applied state with the state
 * machine's pure queries (issue 6): partitions and live workers (the seed's `partitions_total`
 * and `active_workers_count`), plans by status, workers by status, and per plan its partitions
 * by status, processed items, progress and the ids not yet covered by a completed partition.
 *
 * Cost: one pass over the plans and one over the workers, never over partitions (each plan
 * keeps its status counts). The `plan` label is BOUNDED: the `planLabelsMax` highest-ranked
 * plans (active first, then paused, then the rest; newest first within each) keep their name,
 * every other plan is summed under {@link OTHER_PLANS}. Plans sharing a name share its label.
 */
import { queryPageRowsMax } from "../constants.js";
import {
  listPlans,
  listWorkers,
  type CoordinatorState,
  type PartitionStatus,
  type PlanStatus,
  type PlanView,
  type WorkerStatus,
} from "../state-machine/index.js";

/** The `plan` label value of every plan beyond the labelled ones. */
export const OTHER_PLANS = "other";

/** The partition statuses, in the state machine's order (the `status` label values). */
export const PARTITION_STATUS_LABELS: readonly PartitionStatus[] = [
  "pending",
  "claimed",
  "running",
  "completed",
  "failed",
];

/** One `plan` label's figures (several plans when it is {@link OTHER_PLANS} or a shared name). */
export interface PlanSample {
  readonly label: string;
  readonly partitions: Readonly<Record<PartitionStatus, number>>;
  readonly processedItems: number;
  /** Ids inside the partitions made so far (`nextId − minId`), and those completed. */
  readonly coveredIds: number;
  readonly completedIds: number;
  /** Whether a plan under this label is active (the stalled-plan alert looks only at those). */
  readonly active: boolean;
}

/** The leader's cluster gauges at one moment. */
export interface ClusterSummary {
  readonly partitionsTotal: number;
  readonly plansByStatus: Readonly<Record<PlanStatus, number>>;
  readonly workersByStatus: Readonly<Record<WorkerStatus, number>>;
  readonly plans: readonly PlanSample[];
}

const PLAN_RANK: Readonly<Record<PlanStatus, number>> = {
  active: 0,
  paused: 1,
  completed: 2,
  cancelled: 2,
};

/** Summarizes `state`; see the module comment. `planLabelsMax` ≥ 1. */
export function summarizeCluster(state: CoordinatorState, planLabelsMax: number): ClusterSummary {
  const plans = allPages((cursor) => listPlans(state, pageOf(cursor)));
  const plansByStatus: Record<PlanStatus, number> = {
    active: 0,
    paused: 0,
    cancelled: 0,
    completed: 0,
  };
  let partitionsTotal = 0;
  for (const plan of plans) {
    plansByStatus[plan.status]++;
    partitionsTotal += plan.partitionCount;
  }
  const workersByStatus: Record<WorkerStatus, number> = { active: 0, draining: 0, expired: 0 };
  for (const worker of allPages((cursor) => listWorkers(state, pageOf(cursor)))) {
    workersByStatus[worker.status]++;
  }
  return {
    partitionsTotal,
    plansByStatus,
    workersByStatus,
    plans: samplesOf(plans, planLabelsMax),
  };
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

/** The label of each plan: the top `planLabelsMax` by rank keep their name. */
function samplesOf(plans: readonly PlanView[], planLabelsMax: number): PlanSample[] {
  const ranked = [...plans].sort(
    (a, b) =>
      PLAN_RANK[a.status] - PLAN_RANK[b.status] ||
      b.createdAtMs - a.createdAtMs ||
      (a.planId < b.planId ? -1 : 1),
  );
  const samples = new Map<string, MutableSample>();
  ranked.forEach((plan, rank) => {
    const label = rank < planLabelsMax && plan.name !== OTHER_PLANS ? plan.name : OTHER_PLANS;
    let sample = samples.get(label);
    if (sample === undefined) {
      sample = emptySample(label);
      samples.set(label, sample);
    }
    addPlan(sample, plan);
  });
  return [...samples.values()];
}

interface MutableSample {
  label: string;
  partitions: Record<PartitionStatus, number>;
  processedItems: number;
  coveredIds: number;
  completedIds: number;
  active: boolean;
}

function emptySample(label: string): MutableSample {
  const partitions = { pending: 0, claimed: 0, running: 0, completed: 0, failed: 0 };
  return { label, partitions, processedItems: 0, coveredIds: 0, completedIds: 0, active: false };
}

function addPlan(sample: MutableSample, plan: PlanView): void {
  for (const status of PARTITION_STATUS_LABELS) sample.partitions[status] += plan.counts[status];
  sample.processedItems += plan.processedCount;
  const coveredIds = plan.nextId - plan.minId;
  sample.coveredIds += coveredIds;
  sample.completedIds += Math.round(plan.progress * coveredIds);
  sample.active ||= plan.status === "active";
}
