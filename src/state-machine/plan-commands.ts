/**
 * Handlers of the plan commands: CreatePlan, PausePlan, ResumePlan, CancelPlan, RetryFailed;
 * and the rule that completes a plan (docs/state-machine.md): a plan is `completed` once it is
 * closed (always, for a static plan) and every one of its partitions is completed. Failed
 * partitions keep it from completing until RetryFailed and a later completion.
 */
import {
  maxAttemptsDefault,
  partitionLeaseTtlMs as partitionLeaseTtlMsDefault,
} from "../constants.js";
import { assert } from "../util/assert.js";
import { asPlanId } from "../util/ids.js";
import { partitionCountOf } from "./check-command.js";
import { closedPlanProblem, isRejected, ok, planOr } from "./handler-context.js";
import type { ApplyContext, Handler } from "./handler-context.js";
import { canonicalJson, parseFrozenJson } from "./json-value.js";
import { release, retry } from "./partition-lifecycle.js";
import {
  COMPLETED,
  FAILED,
  PARTITION_STATUSES,
  PENDING,
  PartitionTable,
  isHeldStatus,
} from "./partition-table.js";
import { PendingQueue } from "./pending-queue.js";
import { reject } from "./results.js";
import type { PlanStatus, Rejection } from "./results.js";
import type { CoordinatorState, PlanRecord } from "./state.js";

/** The namespace of plans and workers that name none. */
export const DEFAULT_NAMESPACE = "default";

/** The fields a plan is created with (what CreatePlan and a snapshot carry). */
export type PlanFields = Pick<
  PlanRecord,
  | "planId"
  | "namespace"
  | "name"
  | "minId"
  | "maxId"
  | "partitionSize"
  | "priority"
  | "maxAttempts"
  | "optionsJson"
  | "options"
  | "partitionLeaseTtlMs"
  | "createdAtMs"
  | "createdIndex"
>;

/** Builds an active plan record (with an all-pending partition table of `count`) from its fields. */
export function buildPlan(fields: PlanFields, count: number): PlanRecord {
  const cut =
    fields.maxId === null
      ? null
      : { minId: fields.minId, maxId: fields.maxId, partitionSize: fields.partitionSize };
  const parts = new PartitionTable(cut, count, fields.createdAtMs);
  const counts = new Int32Array(PARTITION_STATUSES.length);
  counts[PENDING] = count;
  return {
    ...fields,
    status: "active",
    closed: fields.maxId !== null,
    nextId: fields.maxId === null ? fields.minId : fields.maxId + 1,
    planner: null,
    parts,
    pending: new PendingQueue(parts),
    counts,
    processedTotal: 0,
    completedIds: 0,
  };
}

/** The parameters that make two CreatePlan commands "the same plan" (idempotency). */
function parametersOf(plan: PlanFields): string {
  return JSON.stringify([
    plan.namespace,
    plan.name,
    plan.minId,
    plan.maxId,
    plan.partitionSize,
    plan.priority,
    plan.maxAttempts,
    plan.optionsJson,
    plan.partitionLeaseTtlMs,
  ]);
}

/** Creates a plan, or answers an identical earlier CreatePlan with the same planId. */
export const createPlan: Handler<"CreatePlan"> = (ctx, command) => {
  const planId = asPlanId(command.planId ?? `p${ctx.logIndex}`);
  const optionsJson = canonicalJson(command.options ?? {});
  const fields = {
    planId,
    namespace: command.namespace ?? DEFAULT_NAMESPACE,
    name: command.name ?? planId,
    minId: command.minId,
    maxId: command.maxId ?? null,
    partitionSize: command.partitionSize,
    priority: command.priority ?? 0,
    maxAttempts: command.maxAttempts ?? maxAttemptsDefault,
    optionsJson,
    options: parseFrozenJson(optionsJson),
    partitionLeaseTtlMs: command.partitionLeaseTtlMs ?? partitionLeaseTtlMsDefault,
    createdAtMs: ctx.nowMs,
    createdIndex: ctx.logIndex,
  };
  const existing = ctx.state.plans.get(planId);
  if (existing !== undefined) {
    assert(command.planId !== undefined, "assigned plan ids are unique");
    if (parametersOf(existing) !== parametersOf(fields)) {
      return reject("conflict", `plan ${planId} exists with different parameters`);
    }
    return ok("CreatePlan", { planId, partitionCount: existing.parts.count, created: false });
  }
  const { minId, maxId, partitionSize } = fields;
  const count = maxId === null ? 0 : partitionCountOf(minId, maxId, partitionSize);
  ctx.state.addPlan(buildPlan(fields, count));
  return ok("CreatePlan", { planId, partitionCount: count, created: true });
};

function setPlanStatus(state: CoordinatorState, plan: PlanRecord, status: PlanStatus): void {
  if (plan.status === "active") state.deactivate(plan);
  plan.status = status;
  if (status === "active") state.activate(plan);
}

/** Moves plan `planId` from status `from` to `to`; `invalid_state` from any other status. */
function transition(
  ctx: ApplyContext,
  planId: string,
  from: PlanStatus,
  to: PlanStatus,
): PlanRecord | Rejection {
  const plan = planOr(ctx.state, planId);
  if (isRejected(plan)) return plan;
  const problem = closedPlanProblem(plan);
  if (problem !== undefined) return problem;
  if (plan.status !== from) return reject("invalid_state", `plan ${planId} is ${plan.status}`);
  setPlanStatus(ctx.state, plan, to);
  return plan;
}

/** Active → paused: no more grants; reports on work in flight are still accepted. */
export const pausePlan: Handler<"PausePlan"> = (ctx, command) => {
  const plan = transition(ctx, command.planId, "active", "paused");
  if (isRejected(plan)) return plan;
  return ok("PausePlan", { planId: plan.planId, planStatus: plan.status, releasedCount: 0 });
};

/** Paused → active. */
export const resumePlan: Handler<"ResumePlan"> = (ctx, command) => {
  const plan = transition(ctx, command.planId, "paused", "active");
  if (isRejected(plan)) return plan;
  return ok("ResumePlan", { planId: plan.planId, planStatus: plan.status, releasedCount: 0 });
};

/** Cancels for good: held partitions go back to pending uncharged; the planner role ends. */
export const cancelPlan: Handler<"CancelPlan"> = (ctx, command) => {
  const plan = planOr(ctx.state, command.planId);
  if (isRejected(plan)) return plan;
  const problem = closedPlanProblem(plan);
  if (problem !== undefined) return problem;
  setPlanStatus(ctx.state, plan, "cancelled");
  endPlannerRole(ctx.state, plan);
  let releasedCount = 0;
  const status = plan.parts.status;
  for (let i = 0; i < plan.parts.count; i++) {
    if (!isHeldStatus(status[i] ?? 0)) continue;
    release(ctx.state, plan, i, ctx.nowMs);
    releasedCount++;
  }
  return ok("CancelPlan", { planId: plan.planId, planStatus: plan.status, releasedCount });
};

/** All (or the listed) failed partitions back to pending with attempts reset. */
export const retryFailed: Handler<"RetryFailed"> = (ctx, command) => {
  const plan = planOr(ctx.state, command.planId);
  if (isRejected(plan)) return plan;
  const listed = command.partitionIds;
  const missing = listed?.find((i) => i >= plan.parts.count);
  if (missing !== undefined) {
    return reject("not_found", `plan ${plan.planId} has no partition ${missing}`);
  }
  const problem = closedPlanProblem(plan);
  if (problem !== undefined) return problem;
  const notFailed = listed?.find((i) => plan.parts.status[i] !== FAILED);
  if (notFailed !== undefined) {
    return reject("invalid_state", `partition ${notFailed} of plan ${plan.planId} is not failed`);
  }
  const targets = listed ?? failedPartitions(plan);
  for (const i of targets) retry(plan, i, ctx.nowMs);
  return ok("RetryFailed", { planId: plan.planId, retriedCount: targets.length });
};

function failedPartitions(plan: PlanRecord): number[] {
  const found: number[] = [];
  const status = plan.parts.status;
  for (let i = 0; i < plan.parts.count; i++) if (status[i] === FAILED) found.push(i);
  return found;
}

/** Completes `plan` when it is closed and all its partitions are completed. */
export function maybeCompletePlan(ctx: ApplyContext, plan: PlanRecord): void {
  if (plan.status !== "active" && plan.status !== "paused") return;
  if (!plan.closed || plan.counts[COMPLETED] !== plan.parts.count) return;
  setPlanStatus(ctx.state, plan, "completed");
  endPlannerRole(ctx.state, plan);
}

/** Ends the planner role of `plan`, if any. */
export function endPlannerRole(state: CoordinatorState, plan: PlanRecord): void {
  if (plan.planner === null) return;
  const planner = state.workers.get(plan.planner.workerId);
  assert(planner !== undefined, "a planner is a registered worker");
  planner.plannerOf.delete(plan.planId);
  plan.planner = null;
}
