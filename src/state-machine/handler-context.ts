/**
 * What every command handler receives, and the checks most of them share. A handler first runs
 * all its checks — returning a rejection changes nothing — and only then mutates the state.
 */
import type { Checked } from "./check-command.js";
import type { CommandOf, CommandType } from "./commands.js";
import { isHeldStatus } from "./partition-table.js";
import { reject } from "./results.js";
import type { OkResults, Rejection, ResultOf } from "./results.js";
import type { CoordinatorState, PlanRecord, WorkerRecord } from "./state.js";

/** The state and the facts of the command being applied. */
export interface ApplyContext {
  readonly state: CoordinatorState;
  /** The command's log index: the fencing token of whatever it grants. */
  readonly logIndex: number;
  /** The command's time: max(last applied time, proposedAtMs, the command's own nowMs). */
  readonly nowMs: number;
}

/** A command handler: checks, then mutates; returns its result. */
export type Handler<T extends CommandType> = (
  ctx: ApplyContext,
  command: Checked<CommandOf<T>>,
) => ResultOf<T>;

/** Builds the `ok` result of command type `T` from its data. */
export function ok<T extends CommandType>(
  type: T,
  data: Omit<OkResults[T], "status" | "type" | "duplicate">,
): OkResults[T] {
  return { status: "ok", type, duplicate: false, ...data } as OkResults[T];
}

/** The plan `planId`, or a `not_found` rejection. */
export function planOr(state: CoordinatorState, planId: string): PlanRecord | Rejection {
  return state.plans.get(planId) ?? reject("not_found", `no plan ${planId}`);
}

/** The worker `workerId`, or a `not_found` rejection. */
export function workerOr(state: CoordinatorState, workerId: string): WorkerRecord | Rejection {
  return state.workers.get(workerId) ?? reject("not_found", `no worker ${workerId}`);
}

/** Whether `worker` holds a lease at `nowMs` (not expired, and its lease has not run out). */
export function isLive(worker: WorkerRecord, nowMs: number): boolean {
  return worker.status !== "expired" && worker.leaseExpiresAtMs > nowMs;
}

/** A `lease_expired` rejection when `worker` may no longer act. */
export function leaseProblem(worker: WorkerRecord, nowMs: number): Rejection | undefined {
  if (isLive(worker, nowMs)) return undefined;
  return reject("lease_expired", `the lease of worker ${worker.workerId} has ended`);
}

/** A `plan_not_active` rejection when the plan is cancelled or completed. */
export function closedPlanProblem(plan: PlanRecord): Rejection | undefined {
  if (plan.status !== "cancelled" && plan.status !== "completed") return undefined;
  return reject("plan_not_active", `plan ${plan.planId} is ${plan.status}`);
}

/** Whether a lookup produced a rejection rather than a record. */
export function isRejected<T extends object>(value: T | Rejection): value is Rejection {
  return "detail" in value;
}

/** A partition named by a command: its plan and index. */
export interface PartitionRef {
  readonly plan: PlanRecord;
  readonly index: number;
}

/** Plan `planId`'s partition `partitionId`, or a `not_found` rejection. */
export function partitionOr(
  state: CoordinatorState,
  planId: string,
  partitionId: number,
): PartitionRef | Rejection {
  const plan = planOr(state, planId);
  if (isRejected(plan)) return plan;
  if (partitionId >= plan.parts.count) {
    return reject("not_found", `plan ${planId} has no partition ${partitionId}`);
  }
  return { plan, index: partitionId };
}

/** Whether `worker` holds partition `index` of `plan`. */
export function holds(worker: WorkerRecord, plan: PlanRecord, index: number): boolean {
  return isHeldStatus(plan.parts.status[index] ?? 0) && plan.parts.holder[index] === worker.slot;
}
