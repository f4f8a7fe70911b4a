/**
 * The transitions of one partition, each keeping the derived indexes (status counts, pending
 * queue, holders' held lists, plan totals) in step with the columns:
 *
 *   pending ──grant──▶ claimed ──progress──▶ running ──complete──▶ completed
 *      ▲                  │                     │
 *      └── release / expiry / retryable fail ───┘──▶ failed ──RetryFailed──▶ pending
 *
 * **Fencing** (docs/state-machine.md): a grant sets the token to the granting command's log index.
 *
 * **Lease expiry rule**: a partition whose holder's lease ran out (by
 * ExpireLeases, or taken by PreemptPartition) counts an *expiry*. The first
 * `constants.leaseExpiriesFreeMax` expiries are forgiven — the worker died, not the partition;
 * each further one counts as a failed attempt with retry backoff, so a partition that kills its
 * workers reaches `maxAttempts` and fails instead of looping forever. RetryFailed resets both
 * counters; ReleasePartition, DeregisterWorker and CancelPlan are voluntary and never charge.
 */
import { leaseExpiriesFreeMax, retryBackoffMsBase, retryBackoffMsMax } from "../constants.js";
import { assert } from "../util/assert.js";
import { CLAIMED, COMPLETED, FAILED, PENDING, RUNNING, isHeldStatus } from "./partition-table.js";
import type { PartitionGrant } from "./results.js";
import type { CoordinatorState, PlanRecord, WorkerRecord } from "./state.js";

/** Backoff before retry number `attempts` (1-based): base · 2^(attempts-1), capped. */
export function retryBackoffMs(attempts: number): number {
  assert(attempts >= 1, "backoff follows a failed attempt");
  return Math.min(retryBackoffMsBase * 2 ** (attempts - 1), retryBackoffMsMax);
}

/** Sets the status of partition `i`, keeping the plan's counts. */
function setStatus(plan: PlanRecord, i: number, code: number): void {
  const from = plan.parts.status[i];
  assert(from !== undefined, "partition index out of range");
  plan.counts[from] = (plan.counts[from] ?? 0) - 1;
  plan.counts[code] = (plan.counts[code] ?? 0) + 1;
  plan.parts.status[i] = code;
}

/** What a processor needs to start partition `i`. */
export function grantOf(plan: PlanRecord, i: number): PartitionGrant {
  const parts = plan.parts;
  const checkpointId = parts.checkpointId[i] ?? -1;
  return {
    planId: plan.planId,
    partitionId: i,
    minId: parts.minIdOf(i),
    maxId: parts.maxIdOf(i),
    fencingToken: parts.fencingToken[i] ?? 0,
    checkpointId: checkpointId < 0 ? null : checkpointId,
    processedCount: parts.processedCount[i] ?? 0,
    attempts: parts.attempts[i] ?? 0,
  };
}

/** Grants pending partition `i` to `worker` under token `logIndex`. */
export function grant(
  plan: PlanRecord,
  i: number,
  worker: WorkerRecord,
  logIndex: number,
  nowMs: number,
): PartitionGrant {
  assert(plan.parts.status[i] === PENDING, "only a pending partition is granted");
  setStatus(plan, i, CLAIMED);
  assign(plan, i, worker, logIndex, nowMs);
  return grantOf(plan, i);
}

/**
 * Takes held partition `i` from its holder and grants it to `worker` under token `logIndex`
 * (PreemptPartition). The holder lost it to an expired lease or stalled progress, so it counts
 * an expiry; if that charge exhausts the attempts the partition fails instead and the result is
 * null. A preemption grants at once: the preempting worker asked for this partition.
 */
export function preempt(
  state: CoordinatorState,
  plan: PlanRecord,
  i: number,
  worker: WorkerRecord,
  logIndex: number,
  nowMs: number,
): PartitionGrant | null {
  const charge = countExpiry(plan, i);
  unhold(holderOf(state, plan, i), plan, i);
  if (charge === "exhausted") {
    toFailed(plan, i, nowMs);
    return null;
  }
  setStatus(plan, i, CLAIMED);
  assign(plan, i, worker, logIndex, nowMs);
  return grantOf(plan, i);
}

function assign(
  plan: PlanRecord,
  i: number,
  worker: WorkerRecord,
  logIndex: number,
  nowMs: number,
): void {
  const parts = plan.parts;
  assert(logIndex > (parts.fencingToken[i] ?? 0), "fencing tokens strictly increase");
  parts.holder[i] = worker.slot;
  parts.fencingToken[i] = logIndex;
  parts.deadlineAtMs[i] = nowMs + plan.partitionLeaseTtlMs;
  parts.notBeforeMs[i] = 0;
  parts.updatedAtMs[i] = nowMs;
  worker.held.push({ plan, index: i });
}

/** The worker holding partition `i` (which must be held). */
export function holderOf(state: CoordinatorState, plan: PlanRecord, i: number): WorkerRecord {
  assert(isHeldStatus(plan.parts.status[i] ?? PENDING), "the partition is held");
  const worker = state.workers.get(state.slots.idOf(plan.parts.holder[i] ?? -1));
  assert(worker !== undefined, "a held partition's holder is registered");
  return worker;
}

/** Marks held partition `i` as running with new progress (cumulative count, checkpoint). */
export function recordProgress(
  plan: PlanRecord,
  i: number,
  checkpointId: number,
  processedCount: number,
  nowMs: number,
): void {
  const parts = plan.parts;
  if (parts.status[i] === CLAIMED) setStatus(plan, i, RUNNING);
  assert(parts.status[i] === RUNNING, "progress is recorded on a held partition");
  setProcessed(plan, i, processedCount);
  parts.checkpointId[i] = checkpointId;
  parts.deadlineAtMs[i] = nowMs + plan.partitionLeaseTtlMs;
  parts.updatedAtMs[i] = nowMs;
}

/** Completes held partition `i`; its worker stays recorded as the one that completed it. */
export function complete(
  state: CoordinatorState,
  plan: PlanRecord,
  i: number,
  nowMs: number,
): void {
  const parts = plan.parts;
  unhold(holderOf(state, plan, i), plan, i);
  setStatus(plan, i, COMPLETED);
  parts.checkpointId[i] = parts.maxIdOf(i);
  parts.deadlineAtMs[i] = 0;
  parts.updatedAtMs[i] = nowMs;
  plan.completedIds += parts.maxIdOf(i) - parts.minIdOf(i) + 1;
}

/** Sets the cumulative processed count of partition `i`, keeping the plan total. */
export function setProcessed(plan: PlanRecord, i: number, processedCount: number): void {
  plan.processedTotal += processedCount - (plan.parts.processedCount[i] ?? 0);
  plan.parts.processedCount[i] = processedCount;
}

/** Gives held partition `i` back to pending without charge (release, deregister, cancel). */
export function release(state: CoordinatorState, plan: PlanRecord, i: number, nowMs: number): void {
  unhold(holderOf(state, plan, i), plan, i);
  toPending(plan, i, nowMs, 0);
}

/**
 * Charges a failed attempt to held partition `i`: back to pending after backoff while retryable
 * and attempts stay below the plan's maxAttempts, else `failed`. Returns the new status code.
 */
export function fail(
  state: CoordinatorState,
  plan: PlanRecord,
  i: number,
  error: string,
  retryable: boolean,
  nowMs: number,
): number {
  const parts = plan.parts;
  unhold(holderOf(state, plan, i), plan, i);
  const attempts = (parts.attempts[i] ?? 0) + 1;
  parts.attempts[i] = attempts;
  parts.lastErrors.set(i, error);
  if (retryable && attempts < plan.maxAttempts) {
    toPending(plan, i, nowMs, nowMs + retryBackoffMs(attempts));
    return PENDING;
  }
  toFailed(plan, i, nowMs);
  return FAILED;
}

/**
 * Held partition `i` lost its holder's lease (ExpireLeases): counts an expiry (see the module
 * comment) and goes back to pending — after backoff when charged — or fails when the charge
 * exhausts its attempts. Returns the new status code (PENDING or FAILED).
 */
export function expire(
  state: CoordinatorState,
  plan: PlanRecord,
  i: number,
  nowMs: number,
): number {
  const charge = countExpiry(plan, i);
  unhold(holderOf(state, plan, i), plan, i);
  if (charge === "exhausted") {
    toFailed(plan, i, nowMs);
    return FAILED;
  }
  const attempts = plan.parts.attempts[i] ?? 0;
  toPending(plan, i, nowMs, charge === "free" ? 0 : nowMs + retryBackoffMs(attempts));
  return PENDING;
}

/** Counts an expiry of partition `i`; past the free ones it is a failed attempt too. */
function countExpiry(plan: PlanRecord, i: number): "free" | "charged" | "exhausted" {
  const parts = plan.parts;
  const expiries = (parts.expiries[i] ?? 0) + 1;
  parts.expiries[i] = expiries;
  if (expiries <= leaseExpiriesFreeMax) return "free";
  const attempts = (parts.attempts[i] ?? 0) + 1;
  parts.attempts[i] = attempts;
  parts.lastErrors.set(i, `lease lost ${expiries} times`);
  return attempts >= plan.maxAttempts ? "exhausted" : "charged";
}

/** Failed partition `i` back to pending with fresh counters (RetryFailed). */
export function retry(plan: PlanRecord, i: number, nowMs: number): void {
  const parts = plan.parts;
  assert(parts.status[i] === FAILED, "only a failed partition is retried");
  parts.attempts[i] = 0;
  parts.expiries[i] = 0;
  parts.lastErrors.delete(i);
  toPending(plan, i, nowMs, 0);
}

function toPending(plan: PlanRecord, i: number, nowMs: number, notBeforeMs: number): void {
  const parts = plan.parts;
  setStatus(plan, i, PENDING);
  parts.holder[i] = -1;
  parts.deadlineAtMs[i] = 0;
  parts.notBeforeMs[i] = notBeforeMs;
  parts.updatedAtMs[i] = nowMs;
  plan.pending.add(i, nowMs);
}

/** Partition `i` failed for good; it keeps naming the worker that last held it. */
function toFailed(plan: PlanRecord, i: number, nowMs: number): void {
  setStatus(plan, i, FAILED);
  plan.parts.deadlineAtMs[i] = 0;
  plan.parts.updatedAtMs[i] = nowMs;
}

/** Removes partition `i` of `plan` from `worker`'s held list. */
function unhold(worker: WorkerRecord, plan: PlanRecord, i: number): void {
  const held = worker.held;
  const position = held.findIndex((ref) => ref.plan === plan && ref.index === i);
  assert(position >= 0, "the holder lists the partition it holds");
  const last = held.pop();
  assert(last !== undefined, "held list not empty");
  if (position < held.length) held[position] = last;
}
