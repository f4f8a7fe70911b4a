/**
 * Handlers of the commands on one held partition: ReportProgress, CompletePartition,
 * FailPartition, ReleasePartition (fenced: docs/state-machine.md), and PreemptPartition.
 *
 * A report is accepted only from the current holder, while its lease lasts, with the current
 * fencing token; checks in precedence order: unknown plan/partition/worker `not_found`, ended
 * lease `lease_expired`, another holder (or none) `not_holder`, an older token
 * `stale_fencing_token`, a checkpoint or count going back `conflict`. A paused plan still
 * accepts reports: pausing stops grants, not work in flight.
 *
 * A report on a cancelled or completed plan is `not_holder`, never `plan_not_active`: closing a
 * plan leaves no partition held (cancelling releases them; a plan completes only once every
 * partition has), so the sender is a stale holder and the fencing check answers first
 * (docs/state-machine.md). The detail names the plan's status.
 */
import {
  holds,
  isLive,
  isRejected,
  leaseProblem,
  ok,
  partitionOr,
  workerOr,
} from "./handler-context.js";
import type { ApplyContext, Handler, PartitionRef } from "./handler-context.js";
import {
  complete,
  fail,
  holderOf,
  preempt,
  recordProgress,
  release,
  setProcessed,
} from "./partition-lifecycle.js";
import { FAILED, isHeldStatus } from "./partition-table.js";
import { maybeCompletePlan } from "./plan-commands.js";
import { reject } from "./results.js";
import type { Rejection } from "./results.js";
import type { PartitionReport } from "./commands.js";
import type { WorkerRecord } from "./state.js";

interface ReportTarget extends PartitionRef {
  readonly worker: WorkerRecord;
}

/** The partition a report names, if the report passes the fencing checks. */
function reportTarget(ctx: ApplyContext, report: PartitionReport): ReportTarget | Rejection {
  const ref = partitionOr(ctx.state, report.planId, report.partitionId);
  if (isRejected(ref)) return ref;
  const worker = workerOr(ctx.state, report.workerId);
  if (isRejected(worker)) return worker;
  const problem = leaseProblem(worker, ctx.nowMs);
  if (problem !== undefined) return problem;
  const { plan, index } = ref;
  if (!holds(worker, plan, index)) {
    const closed = plan.status === "cancelled" || plan.status === "completed";
    const why = closed ? ` (the plan is ${plan.status})` : "";
    return reject("not_holder", `worker ${worker.workerId} does not hold ${describe(ref)}${why}`);
  }
  const token = plan.parts.fencingToken[index];
  if (report.fencingToken !== token) {
    return reject("stale_fencing_token", `${describe(ref)} has token ${token}`);
  }
  return { plan, index, worker };
}

function describe(ref: PartitionRef): string {
  return `partition ${ref.index} of plan ${ref.plan.planId}`;
}

/**
 * An `invalid_request` for a checkpoint outside the partition, or a `conflict` when the
 * cumulative count or the checkpoint would go back.
 */
function backwardsProblem(
  target: ReportTarget,
  processedCount: number | undefined,
  checkpointId?: number,
): Rejection | undefined {
  const parts = target.plan.parts;
  const i = target.index;
  const outside =
    checkpointId !== undefined &&
    (checkpointId < parts.minIdOf(i) || checkpointId > parts.maxIdOf(i));
  if (outside) return reject("invalid_request", `checkpointId is outside ${describe(target)}`);
  if (processedCount !== undefined && processedCount < (parts.processedCount[i] ?? 0)) {
    return reject("conflict", `processedCount of ${describe(target)} would go back`);
  }
  if (checkpointId !== undefined && checkpointId < (parts.checkpointId[i] ?? -1)) {
    return reject("conflict", `checkpointId of ${describe(target)} would go back`);
  }
  return undefined;
}

/** Records a checkpoint and cumulative count; claimed → running; moves the progress deadline. */
export const reportProgress: Handler<"ReportProgress"> = (ctx, command) => {
  const target = reportTarget(ctx, command);
  if (isRejected(target)) return target;
  const problem = backwardsProblem(target, command.processedCount, command.checkpointId);
  if (problem !== undefined) return problem;
  const { plan, index } = target;
  recordProgress(plan, index, command.checkpointId, command.processedCount, ctx.nowMs);
  return ok("ReportProgress", {
    planId: plan.planId,
    partitionId: index,
    progressDeadlineAtMs: plan.parts.deadlineAtMs[index] ?? 0,
  });
};

/** Completes the partition, and the plan when it was the last one. */
export const completePartition: Handler<"CompletePartition"> = (ctx, command) => {
  const target = reportTarget(ctx, command);
  if (isRejected(target)) return target;
  const problem = backwardsProblem(target, command.processedCount);
  if (problem !== undefined) return problem;
  const { plan, index } = target;
  if (command.processedCount !== undefined) setProcessed(plan, index, command.processedCount);
  complete(ctx.state, plan, index, ctx.nowMs);
  maybeCompletePlan(ctx, plan);
  return ok("CompletePartition", {
    planId: plan.planId,
    partitionId: index,
    planStatus: plan.status,
  });
};

/** Charges a failed attempt: back to pending after backoff, or failed. */
export const failPartition: Handler<"FailPartition"> = (ctx, command) => {
  const target = reportTarget(ctx, command);
  if (isRejected(target)) return target;
  const { plan, index } = target;
  const code = fail(ctx.state, plan, index, command.error, command.retryable, ctx.nowMs);
  const notBeforeMs = plan.parts.notBeforeMs[index] ?? 0;
  return ok("FailPartition", {
    planId: plan.planId,
    partitionId: index,
    partitionStatus: code === FAILED ? "failed" : "pending",
    attempts: plan.parts.attempts[index] ?? 0,
    notBeforeMs: code === FAILED ? null : notBeforeMs,
  });
};

/** Gives the partition back to pending, uncharged. */
export const releasePartition: Handler<"ReleasePartition"> = (ctx, command) => {
  const target = reportTarget(ctx, command);
  if (isRejected(target)) return target;
  release(ctx.state, target.plan, target.index, ctx.nowMs);
  return ok("ReleasePartition", { planId: target.plan.planId, partitionId: target.index });
};

/**
 * Takes a held partition for `byWorkerId` when its holder's lease ran out or its progress
 * deadline passed (the seed's stale-partition preemption). Checks: unknown plan, partition or
 * worker (or a worker of another namespace) `not_found`; the preempting worker's lease
 * `lease_expired`; a plan not active (paused plans grant nothing) `plan_not_active`; a draining
 * worker, a full window, or a partition not held `invalid_state`; a partition held by the
 * preempting worker itself or by a live holder still within its progress deadline `conflict`.
 */
export const preemptPartition: Handler<"PreemptPartition"> = (ctx, command) => {
  const { state, nowMs } = ctx;
  const ref = partitionOr(state, command.planId, command.partitionId);
  if (isRejected(ref)) return ref;
  const { plan, index } = ref;
  const worker = workerOr(state, command.byWorkerId);
  if (isRejected(worker)) return worker;
  if (worker.namespace !== plan.namespace) {
    return reject("not_found", `plan ${plan.planId} is not in namespace ${worker.namespace}`);
  }
  const problem = leaseProblem(worker, nowMs);
  if (problem !== undefined) return problem;
  if (plan.status !== "active")
    return reject("plan_not_active", `plan ${plan.planId} is ${plan.status}`);
  if (worker.status === "draining")
    return reject("invalid_state", `worker ${worker.workerId} is draining`);
  if (worker.held.length >= worker.windowSize) {
    return reject("invalid_state", `worker ${worker.workerId} has a full window`);
  }
  if (!isHeldStatus(plan.parts.status[index] ?? 0))
    return reject("invalid_state", `${describe(ref)} is not held`);
  const holder = holderOf(state, plan, index);
  if (holder === worker)
    return reject("conflict", `worker ${worker.workerId} already holds ${describe(ref)}`);
  if (isLive(holder, nowMs) && (plan.parts.deadlineAtMs[index] ?? 0) > nowMs) {
    return reject("conflict", `${describe(ref)} has a live holder making progress`);
  }
  const grant = preempt(state, plan, index, worker, ctx.logIndex, nowMs);
  return ok("PreemptPartition", {
    planId: plan.planId,
    partitionId: index,
    previousWorkerId: holder.workerId,
    grant,
  });
};
