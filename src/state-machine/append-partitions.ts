/**
 * The AppendPartitions handler: open-ended plans grow by appends from a single planner.
 *
 * **One planner at a time**: a plan's planner role is held by one worker under a fencing token
 * (the log index of the append that took it), like a partition. An append without a token takes
 * the role when it is free (no planner, or the planner's lease ended) or already the worker's
 * own; an append with a token must present the current one. The role ends when its worker
 * expires or deregisters, and when the plan closes, is cancelled or completes.
 *
 * **Contiguity**: appended ranges start at the plan's `nextId` and follow each other, so the
 * plan's partitions tile `minId..nextId-1` with no hole and no overlap.
 *
 * **Back-pressure**: an append that adds partitions is refused with `back_pressure` while the
 * plan holds `constants.pendingPartitionsPerPlanMax` pending partitions or more; one append adds
 * at most `constants.partitionsPerAppendMax`, so pending stays below twice the bound.
 */
import {
  partitionsPerAppendMax,
  partitionsPerPlanMax,
  pendingPartitionsPerPlanMax,
} from "../constants.js";
import { partitionCountOf } from "./check-command.js";
import type { Checked } from "./check-command.js";
import type { AppendPartitions, IdRange } from "./commands.js";
import {
  closedPlanProblem,
  isLive,
  isRejected,
  leaseProblem,
  ok,
  planOr,
  workerOr,
} from "./handler-context.js";
import type { ApplyContext, Handler } from "./handler-context.js";
import { PENDING } from "./partition-table.js";
import { endPlannerRole, maybeCompletePlan } from "./plan-commands.js";
import { reject } from "./results.js";
import type { Rejection } from "./results.js";
import type { PlanRecord, WorkerRecord } from "./state.js";

/** The `not_holder` / `stale_fencing_token` rejection for a planner that may not append. */
function plannerProblem(
  ctx: ApplyContext,
  plan: PlanRecord,
  worker: WorkerRecord,
  fencingToken: number | undefined,
): Rejection | undefined {
  const role = plan.planner;
  const mine = role !== null && role.workerId === worker.workerId;
  if (fencingToken !== undefined) {
    if (!mine) {
      return reject("not_holder", `worker ${worker.workerId} is not the planner of ${plan.planId}`);
    }
    if (fencingToken !== role.fencingToken) {
      return reject(
        "stale_fencing_token",
        `the planner token of ${plan.planId} is ${role.fencingToken}`,
      );
    }
    return undefined;
  }
  if (role === null || mine) return undefined;
  const planner = ctx.state.workers.get(role.workerId);
  if (planner !== undefined && isLive(planner, ctx.nowMs)) {
    return reject("not_holder", `worker ${role.workerId} is the planner of ${plan.planId}`);
  }
  return undefined;
}

/** The ranges an append adds, or the rejection of its shape against the plan. */
function rangesToAdd(plan: PlanRecord, command: Checked<AppendPartitions>): IdRange[] | Rejection {
  let ranges: IdRange[] = [...(command.ranges ?? [])];
  const upToId = command.upToId;
  if (upToId !== undefined && upToId >= plan.nextId) {
    const count = partitionCountOf(plan.nextId, upToId, plan.partitionSize);
    if (count > partitionsPerAppendMax) {
      return reject(
        "invalid_request",
        `upToId adds more than ${partitionsPerAppendMax} partitions`,
      );
    }
    ranges = Array.from({ length: count }, (_, k) => {
      const minId = plan.nextId + k * plan.partitionSize;
      return { minId, maxId: Math.min(minId + plan.partitionSize - 1, upToId) };
    });
  }
  if (plan.parts.count + ranges.length > partitionsPerPlanMax) {
    return reject("invalid_request", `a plan holds at most ${partitionsPerPlanMax} partitions`);
  }
  if (upToId !== undefined && upToId < plan.nextId) {
    return reject("conflict", `plan ${plan.planId} already covers up to ${plan.nextId - 1}`);
  }
  const first = ranges[0];
  if (first !== undefined && first.minId !== plan.nextId) {
    return reject("conflict", `plan ${plan.planId} continues at ${plan.nextId}`);
  }
  if (ranges.length > 0 && (plan.counts[PENDING] ?? 0) >= pendingPartitionsPerPlanMax) {
    return reject("back_pressure", `plan ${plan.planId} has too many pending partitions`);
  }
  return ranges;
}

/** Appends partitions to an open-ended plan (see the module comment for the rules). */
export const appendPartitions: Handler<"AppendPartitions"> = (ctx, command) => {
  const plan = planOr(ctx.state, command.planId);
  if (isRejected(plan)) return plan;
  const worker = workerOr(ctx.state, command.workerId);
  if (isRejected(worker)) return worker;
  if (worker.namespace !== plan.namespace) {
    return reject("not_found", `plan ${plan.planId} is not in namespace ${worker.namespace}`);
  }
  // The planner role is fenced like a partition: its checks come before the plan's status.
  const problem =
    leaseProblem(worker, ctx.nowMs) ??
    plannerProblem(ctx, plan, worker, command.fencingToken) ??
    closedPlanProblem(plan);
  if (problem !== undefined) return problem;
  if (plan.closed) {
    const what = plan.maxId === null ? "closed" : "static";
    return reject("invalid_state", `plan ${plan.planId} is ${what}`);
  }
  const ranges = rangesToAdd(plan, command);
  if (isRejected(ranges)) return ranges;
  const plannerToken = takePlannerRole(ctx, plan, worker);
  const firstPartitionId = plan.parts.count;
  plan.parts.append(ranges, ctx.nowMs);
  plan.counts[PENDING] = (plan.counts[PENDING] ?? 0) + ranges.length;
  const last = ranges.at(-1);
  if (last !== undefined) plan.nextId = last.maxId + 1;
  if (command.final === true) {
    plan.closed = true;
    endPlannerRole(ctx.state, plan);
    maybeCompletePlan(ctx, plan);
  }
  return ok("AppendPartitions", {
    planId: plan.planId,
    plannerToken,
    firstPartitionId,
    appendedCount: ranges.length,
    nextId: plan.nextId,
    closed: plan.closed,
    planStatus: plan.status,
  });
};

/** Gives `worker` the planner role unless it has it; returns the role's token. */
function takePlannerRole(ctx: ApplyContext, plan: PlanRecord, worker: WorkerRecord): number {
  if (plan.planner?.workerId === worker.workerId) return plan.planner.fencingToken;
  if (plan.planner !== null) endPlannerRole(ctx.state, plan);
  plan.planner = { workerId: worker.workerId, fencingToken: ctx.logIndex };
  worker.plannerOf.add(plan.planId);
  return ctx.logIndex;
}
