/**
 * Handlers of the worker commands: RegisterWorker, Heartbeat, AcquirePartitions,
 * DeregisterWorker. A worker's lease is also the lease of every partition it holds, so renewing
 * one renews all (docs/state-machine.md). Leases never shrink: a renewal sets the end to
 * `max(current end, now + leaseTtlMs)`.
 */
import { windowSizeDefault, workerLeaseTtlMs as workerLeaseTtlMsDefault } from "../constants.js";
import { asWorkerId } from "../util/ids.js";
import { isLive, isRejected, leaseProblem, ok, workerOr } from "./handler-context.js";
import type { ApplyContext, Handler } from "./handler-context.js";
import { compareStrings } from "./order.js";
import { grant } from "./partition-lifecycle.js";
import { DEFAULT_NAMESPACE } from "./plan-commands.js";
import { reject } from "./results.js";
import type { HeldPartition, PartitionGrant } from "./results.js";
import type { WorkerRecord } from "./state.js";
import { expireWorker, removeWorker } from "./worker-lifecycle.js";

function renewLease(ctx: ApplyContext, worker: WorkerRecord): void {
  const renewed = Math.max(worker.leaseExpiresAtMs, ctx.nowMs + worker.leaseTtlMs);
  if (renewed === worker.leaseExpiresAtMs) return;
  worker.leaseExpiresAtMs = renewed;
  ctx.state.leaseChanged(worker);
}

/**
 * Registers a new worker, or re-registers a known one. A live worker keeps what it holds and
 * may not change namespace (`conflict`). A worker whose lease already ran out is expired first
 * (its partitions count an expiry) and starts afresh; an expired one simply starts afresh.
 */
export const registerWorker: Handler<"RegisterWorker"> = (ctx, command) => {
  const { state, nowMs } = ctx;
  const namespace = command.namespace ?? DEFAULT_NAMESPACE;
  const known = state.workers.get(command.workerId);
  if (known !== undefined && isLive(known, nowMs) && known.namespace !== namespace) {
    return reject("conflict", `worker ${known.workerId} is live in namespace ${known.namespace}`);
  }
  const settings = {
    namespace,
    meta: Object.freeze({ ...(command.meta ?? {}) }),
    windowSize: command.windowSize ?? windowSizeDefault,
    leaseTtlMs: command.leaseTtlMs ?? workerLeaseTtlMsDefault,
  };
  if (known !== undefined && isLive(known, nowMs)) {
    Object.assign(known, settings, { status: "active" });
    renewLease(ctx, known);
    return ok("RegisterWorker", {
      workerId: known.workerId,
      leaseExpiresAtMs: known.leaseExpiresAtMs,
      releasedCount: 0,
    });
  }
  let releasedCount = 0;
  if (known !== undefined) {
    if (known.status !== "expired") {
      const outcome = expireWorker(state, known, nowMs);
      releasedCount = outcome.releasedCount + outcome.failedCount;
    }
    // Expiring may already have forgotten it (the bound on expired workers).
    if (state.workers.get(known.workerId) === known) removeWorker(state, known, nowMs);
  }
  const workerId = asWorkerId(command.workerId);
  state.addWorker({
    workerId,
    slot: state.slots.slotOf(workerId),
    ...settings,
    registeredAtMs: nowMs,
    leaseExpiresAtMs: nowMs + settings.leaseTtlMs,
    status: "active",
    held: [],
    plannerOf: new Set(),
    heapPosition: -1,
  });
  return ok("RegisterWorker", {
    workerId,
    leaseExpiresAtMs: nowMs + settings.leaseTtlMs,
    releasedCount,
  });
};

/** Renews the lease (and so the leases of held partitions); may mark the worker draining. */
export const heartbeat: Handler<"Heartbeat"> = (ctx, command) => {
  const worker = workerOr(ctx.state, command.workerId);
  if (isRejected(worker)) return worker;
  const problem = leaseProblem(worker, ctx.nowMs);
  if (problem !== undefined) return problem;
  if (command.draining === true) worker.status = "draining";
  renewLease(ctx, worker);
  return ok("Heartbeat", {
    workerId: worker.workerId,
    workerStatus: worker.status,
    leaseExpiresAtMs: worker.leaseExpiresAtMs,
    held: heldBy(worker),
  });
};

/** What `worker` holds, sorted by plan id, then partition id. */
export function heldBy(worker: WorkerRecord): HeldPartition[] {
  return worker.held
    .map((ref) => ({
      planId: ref.plan.planId,
      partitionId: ref.index,
      fencingToken: ref.plan.parts.fencingToken[ref.index] ?? 0,
    }))
    .sort((a, b) => compareStrings(a.planId, b.planId) || a.partitionId - b.partitionId);
}

/**
 * Grants up to `max` partitions, bounded by the worker's free window: active plans of its
 * namespace by priority (high first), then age, then partition id; retry backoff respected.
 * Renews the lease. A draining worker acquires nothing (`invalid_state`).
 */
export const acquirePartitions: Handler<"AcquirePartitions"> = (ctx, command) => {
  const { state, nowMs } = ctx;
  const worker = workerOr(state, command.workerId);
  if (isRejected(worker)) return worker;
  const problem = leaseProblem(worker, nowMs);
  if (problem !== undefined) return problem;
  if (command.namespace !== undefined && command.namespace !== worker.namespace) {
    return reject("invalid_request", `worker ${worker.workerId} is in ${worker.namespace}`);
  }
  if (worker.status === "draining") {
    return reject("invalid_state", `worker ${worker.workerId} is draining`);
  }
  renewLease(ctx, worker);
  const granted: PartitionGrant[] = [];
  let room = Math.min(command.max, worker.windowSize - worker.held.length);
  for (const plan of state.activePlans.get(worker.namespace) ?? []) {
    for (; room > 0; room--) {
      const i = plan.pending.take(nowMs);
      if (i === undefined) break;
      granted.push(grant(plan, i, worker, ctx.logIndex, nowMs));
    }
    if (room <= 0) break;
  }
  return ok("AcquirePartitions", {
    workerId: worker.workerId,
    leaseExpiresAtMs: worker.leaseExpiresAtMs,
    granted,
  });
};

/** Removes the worker; what it holds goes back to pending uncharged. */
export const deregisterWorker: Handler<"DeregisterWorker"> = (ctx, command) => {
  const worker = workerOr(ctx.state, command.workerId);
  if (isRejected(worker)) return worker;
  const releasedCount = removeWorker(ctx.state, worker, ctx.nowMs);
  return ok("DeregisterWorker", { workerId: worker.workerId, releasedCount });
};
