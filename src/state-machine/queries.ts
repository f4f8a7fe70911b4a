/**
 * Pure reads of the coordinator state, as plain objects (the columnar layout never leaks). Lists
 * come in pages with a stable cursor: rows are ordered by a key that never changes (plan id,
 * then partition id; worker id), and a cursor names the last row returned, so a page never
 * repeats or skips a row that existed before and after it, whatever was applied in between.
 *
 * Caller mistakes (a malformed cursor, a limit out of bounds) throw `CoordinatorError` with code
 * `invalid_request`.
 */
import { queryPageRowsDefault, queryPageRowsMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { PlanId, WorkerId } from "../util/ids.js";
import type { IdRange } from "./commands.js";
import type { JsonValue } from "./json-value.js";
import { COMPLETED, PARTITION_STATUSES, isHeldStatus } from "./partition-table.js";
import type { PartitionStatus, PlanStatus, WorkerStatus } from "./results.js";
import type { CoordinatorState, PlanRecord, WorkerRecord } from "./state.js";
import { heldBy } from "./worker-commands.js";
import type { HeldPartition } from "./results.js";

/** A plan as docs/state-machine.md describes it, with its partition counts and progress. */
export interface PlanView {
  readonly planId: PlanId;
  readonly namespace: string;
  readonly name: string;
  readonly minId: number;
  /** Null for an open-ended plan. */
  readonly maxId: number | null;
  readonly openEnded: boolean;
  /** No more partitions will be added (always true for a static plan). */
  readonly closed: boolean;
  /** The first id not covered by a partition. */
  readonly nextId: number;
  readonly partitionSize: number;
  readonly options: JsonValue;
  readonly priority: number;
  readonly maxAttempts: number;
  readonly partitionLeaseTtlMs: number;
  readonly status: PlanStatus;
  readonly createdAtMs: number;
  readonly planner: { readonly workerId: WorkerId; readonly fencingToken: number } | null;
  readonly partitionCount: number;
  readonly counts: Readonly<Record<PartitionStatus, number>>;
  /** Sum of the partitions' cumulative processedCount. */
  readonly processedCount: number;
  /** Ids in completed partitions ÷ ids covered by partitions so far (0 when none). */
  readonly progress: number;
}

/** A partition as docs/state-machine.md describes it. */
export interface PartitionView {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly minId: number;
  readonly maxId: number;
  readonly status: PartitionStatus;
  /** The holder (claimed, running), the worker that completed or failed it, or null (pending). */
  readonly workerId: WorkerId | null;
  /** Log index of the last grant; 0 before the first. */
  readonly fencingToken: number;
  /** The holder's lease end while held, else null. */
  readonly leaseExpiresAtMs: number | null;
  /** While held: preemptable for stale progress after this time. */
  readonly progressDeadlineAtMs: number | null;
  readonly attempts: number;
  /** Times a holder lost it to an expired lease or a preemption (since the last RetryFailed). */
  readonly expiries: number;
  readonly checkpointId: number | null;
  readonly processedCount: number;
  readonly lastError: string | null;
  /** Not granted before this time (retry backoff), or null. */
  readonly notBeforeMs: number | null;
  readonly updatedAtMs: number;
}

/** A worker as docs/state-machine.md describes it. */
export interface WorkerView {
  readonly workerId: WorkerId;
  readonly namespace: string;
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  readonly windowSize: number;
  readonly leaseTtlMs: number;
  readonly registeredAtMs: number;
  readonly leaseExpiresAtMs: number;
  readonly status: WorkerStatus;
  readonly held: readonly HeldPartition[];
  /** Plans it is the planner of, sorted. */
  readonly plannerOf: readonly PlanId[];
}

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** Paging arguments: at most `limit` rows (default constants.queryPageRowsDefault) after `cursor`. */
export interface PageRequest {
  readonly cursor?: string;
  readonly limit?: number;
}

function pageLimit(limit: number | undefined): number {
  const rows = limit ?? queryPageRowsDefault;
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > queryPageRowsMax) {
    throw new CoordinatorError("invalid_request", `limit must be in [1, ${queryPageRowsMax}]`);
  }
  return rows;
}

/** The plan `planId` with its counts, or undefined. */
export function getPlan(state: CoordinatorState, planId: string): PlanView | undefined {
  const plan = state.plans.get(planId);
  return plan === undefined ? undefined : planView(plan);
}

function planView(plan: PlanRecord): PlanView {
  const counts = Object.fromEntries(
    PARTITION_STATUSES.map((name, code) => [name, plan.counts[code] ?? 0]),
  ) as Record<PartitionStatus, number>;
  const coveredIds = plan.nextId - plan.minId;
  return {
    planId: plan.planId,
    namespace: plan.namespace,
    name: plan.name,
    minId: plan.minId,
    maxId: plan.maxId,
    openEnded: plan.maxId === null,
    closed: plan.closed,
    nextId: plan.nextId,
    partitionSize: plan.partitionSize,
    options: plan.options,
    priority: plan.priority,
    maxAttempts: plan.maxAttempts,
    partitionLeaseTtlMs: plan.partitionLeaseTtlMs,
    status: plan.status,
    createdAtMs: plan.createdAtMs,
    planner: plan.planner,
    partitionCount: plan.parts.count,
    counts,
    processedCount: plan.processedTotal,
    progress: coveredIds === 0 ? 0 : plan.completedIds / coveredIds,
  };
}

/** Plans by plan id, optionally of one namespace and/or status; the cursor is a plan id. */
export function listPlans(
  state: CoordinatorState,
  request: PageRequest & { readonly namespace?: string; readonly status?: PlanStatus } = {},
): Page<PlanView> {
  return pageOf(state.planIds, state.plans, request, planView);
}

/**
 * One page of the records named by sorted `ids` after `request.cursor` (an id), keeping those
 * of `request.namespace` and `request.status` if given.
 */
function pageOf<R extends { readonly namespace: string; readonly status: string }, V>(
  ids: readonly string[],
  records: ReadonlyMap<string, R>,
  request: PageRequest & { readonly namespace?: string; readonly status?: string },
  view: (record: R) => V,
): Page<V> {
  const limit = pageLimit(request.limit);
  const items: V[] = [];
  let lastId: string | null = null;
  const start = request.cursor === undefined ? 0 : searchSorted(ids, request.cursor, true);
  for (let k = start; k < ids.length; k++) {
    const id = ids[k] ?? "";
    const record = records.get(id);
    if (record === undefined) continue;
    if (request.namespace !== undefined && record.namespace !== request.namespace) continue;
    if (request.status !== undefined && record.status !== request.status) continue;
    if (items.length === limit) return { items, nextCursor: lastId };
    items.push(view(record));
    lastId = id;
  }
  return { items, nextCursor: null };
}

/** Index of the first element of sorted `ids` after `id` (`strictly`) or at or after it. */
function searchSorted(ids: readonly string[], id: string, strictly: boolean): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    const here = ids[middle] ?? "";
    if (here < id || (strictly && here === id)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Partition `partitionId` of plan `planId`, or undefined. */
export function getPartition(
  state: CoordinatorState,
  planId: string,
  partitionId: number,
): PartitionView | undefined {
  const plan = state.plans.get(planId);
  if (plan === undefined || !Number.isSafeInteger(partitionId) || partitionId < 0) return undefined;
  return partitionId < plan.parts.count ? partitionView(state, plan, partitionId) : undefined;
}

function partitionView(state: CoordinatorState, plan: PlanRecord, i: number): PartitionView {
  const parts = plan.parts;
  const code = parts.status[i] ?? 0;
  const slot = parts.holder[i] ?? -1;
  const workerId = slot < 0 ? null : state.slots.idOf(slot);
  const held = isHeldStatus(code);
  const checkpointId = parts.checkpointId[i] ?? -1;
  const notBeforeMs = parts.notBeforeMs[i] ?? 0;
  return {
    planId: plan.planId,
    partitionId: i,
    minId: parts.minIdOf(i),
    maxId: parts.maxIdOf(i),
    status: PARTITION_STATUSES[code] ?? "pending",
    workerId,
    fencingToken: parts.fencingToken[i] ?? 0,
    leaseExpiresAtMs: held && workerId !== null ? leaseOf(state, workerId) : null,
    progressDeadlineAtMs: held ? (parts.deadlineAtMs[i] ?? 0) : null,
    attempts: parts.attempts[i] ?? 0,
    expiries: parts.expiries[i] ?? 0,
    checkpointId: checkpointId < 0 ? null : checkpointId,
    processedCount: parts.processedCount[i] ?? 0,
    lastError: parts.lastErrors.get(i) ?? null,
    notBeforeMs: notBeforeMs > 0 ? notBeforeMs : null,
    updatedAtMs: parts.updatedAtMs[i] ?? 0,
  };
}

function leaseOf(state: CoordinatorState, workerId: WorkerId): number | null {
  return state.workers.get(workerId)?.leaseExpiresAtMs ?? null;
}

/** Filters of {@link listPartitions}. */
export interface PartitionFilter extends PageRequest {
  readonly planId?: string;
  readonly status?: PartitionStatus;
  readonly workerId?: string;
}

/**
 * Partitions by (plan id, partition id), filtered by plan, status and/or worker (the worker
 * that holds, completed or failed it). The cursor is `<planId>:<partitionId>` of the last row.
 */
export function listPartitions(
  state: CoordinatorState,
  filter: PartitionFilter = {},
): Page<PartitionView> {
  const limit = pageLimit(filter.limit);
  const after = parsePartitionCursor(filter.cursor);
  const statusCode = filter.status === undefined ? -1 : PARTITION_STATUSES.indexOf(filter.status);
  const slot = filter.workerId === undefined ? -1 : state.slots.find(filter.workerId);
  if (filter.workerId !== undefined && slot < 0) return { items: [], nextCursor: null };
  const planIds = filter.planId === undefined ? state.planIds : [filter.planId];
  const items: PartitionView[] = [];
  const firstPlan = after === null ? 0 : searchSorted(planIds, after.planId, false);
  for (let k = firstPlan; k < planIds.length; k++) {
    const plan = state.plans.get(planIds[k] ?? "");
    if (plan === undefined) continue;
    const start = after?.planId === plan.planId ? after.partitionId + 1 : 0;
    const parts = plan.parts;
    for (let i = start; i < parts.count; i++) {
      if (statusCode >= 0 && parts.status[i] !== statusCode) continue;
      if (slot >= 0 && parts.holder[i] !== slot) continue;
      if (items.length === limit) {
        const last = items[items.length - 1];
        return {
          items,
          nextCursor: last === undefined ? null : `${last.planId}:${last.partitionId}`,
        };
      }
      items.push(partitionView(state, plan, i));
    }
  }
  return { items, nextCursor: null };
}

function parsePartitionCursor(
  cursor: string | undefined,
): { planId: string; partitionId: number } | null {
  if (cursor === undefined) return null;
  const match = /^([A-Za-z0-9._-]+):(\d{1,16})$/.exec(cursor);
  const partitionId = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(partitionId)) {
    throw new CoordinatorError("invalid_request", "cursor must be <planId>:<partitionId>");
  }
  return { planId: match[1] ?? "", partitionId };
}

/** The worker `workerId`, or undefined. */
export function getWorker(state: CoordinatorState, workerId: string): WorkerView | undefined {
  const worker = state.workers.get(workerId);
  return worker === undefined ? undefined : workerView(worker);
}

function workerView(worker: WorkerRecord): WorkerView {
  return {
    workerId: worker.workerId,
    namespace: worker.namespace,
    meta: worker.meta,
    windowSize: worker.windowSize,
    leaseTtlMs: worker.leaseTtlMs,
    registeredAtMs: worker.registeredAtMs,
    leaseExpiresAtMs: worker.leaseExpiresAtMs,
    status: worker.status,
    held: heldBy(worker),
    plannerOf: [...worker.plannerOf].sort() as PlanId[],
  };
}

/** Workers by worker id, optionally of one namespace and/or status; the cursor is a worker id. */
export function listWorkers(
  state: CoordinatorState,
  request: PageRequest & { readonly namespace?: string; readonly status?: WorkerStatus } = {},
): Page<WorkerView> {
  return pageOf([...state.workers.keys()].sort(), state.workers, request, workerView);
}

/** A page of gaps; `nextFromId` continues the listing (null when done). */
export interface GapsPage {
  readonly gaps: readonly IdRange[];
  readonly nextFromId: number | null;
}

/**
 * The id ranges of plan `planId` from `fromId` on that no completed partition covers — exact at
 * both ends (a gap starts and ends on partition boundaries, or at `fromId`), adjacent gaps
 * merged — over the ids the plan's partitions cover so far (`minId..nextId-1`). An empty list
 * with `nextFromId` null for a closed plan is the proof that every id was processed. Undefined
 * for an unknown plan.
 */
export function planGaps(
  state: CoordinatorState,
  planId: string,
  request: { readonly fromId?: number; readonly limit?: number } = {},
): GapsPage | undefined {
  const plan = state.plans.get(planId);
  if (plan === undefined) return undefined;
  const limit = pageLimit(request.limit);
  const parts = plan.parts;
  const fromId = Math.max(request.fromId ?? plan.minId, plan.minId);
  const first = parts.indexContaining(fromId);
  const gaps: IdRange[] = [];
  if (first < 0) return { gaps, nextFromId: null };
  let open: { minId: number; maxId: number } | null = null;
  for (let i = first; i < parts.count; i++) {
    if (parts.status[i] !== COMPLETED) {
      if (open === null) open = { minId: Math.max(parts.minIdOf(i), fromId), maxId: 0 };
      open.maxId = parts.maxIdOf(i);
    } else if (open !== null) {
      gaps.push(open);
      open = null;
      if (gaps.length === limit) return { gaps, nextFromId: parts.minIdOf(i) };
    }
  }
  if (open !== null) gaps.push(open);
  return { gaps, nextFromId: null };
}

/**
 * When an AcquirePartitions by `workerId` could next be granted something, as far as this state
 * knows — the cheap check a long-polling acquire makes before it proposes. 0 means
 * "propose now": a partition is grantable now, or the command would be rejected anyway (unknown,
 * expired or draining worker), and only the state machine gives that answer. Otherwise the
 * earliest `notBeforeMs` of a partition in retry backoff in the worker's namespace, or null when
 * nothing can be granted until the state changes (nothing pending, or the worker's window is
 * full). O(active plans of the namespace).
 */
export function grantableAtMs(state: CoordinatorState, workerId: string): number | null {
  const worker = state.workers.get(workerId);
  if (worker === undefined || worker.status !== "active") return 0;
  if (worker.leaseExpiresAtMs <= state.nowMs) return 0;
  if (worker.held.length >= worker.windowSize) return null;
  let dueAtMs: number | null = null;
  for (const plan of state.activePlans.get(worker.namespace) ?? []) {
    const planDueAtMs = plan.pending.dueAtMs();
    if (planDueAtMs !== null && (dueAtMs === null || planDueAtMs < dueAtMs)) dueAtMs = planDueAtMs;
  }
  return dueAtMs;
}

/**
 * When the earliest live worker lease ends (ms), or null when no worker is live: the leader
 * proposes ExpireLeases once its clock passes it. O(1).
 */
export function nextLeaseExpiryAtMs(state: CoordinatorState): number | null {
  return state.leases.peek()?.leaseExpiresAtMs ?? null;
}

/** The replicated clock and counters: the last applied time, log index and leader term. */
export function stateClock(state: CoordinatorState): {
  readonly nowMs: number;
  readonly lastIndex: number;
  readonly leaderTerm: number;
} {
  return { nowMs: state.nowMs, lastIndex: state.lastIndex, leaderTerm: state.leaderTerm };
}
