/**
 * The transitions of a worker that touch what it holds: expiring it (its lease ran out) and
 * removing it (deregistered, or forgotten long after expiring).
 *
 *   (new) ──RegisterWorker──▶ active ──Heartbeat{draining}──▶ draining
 *                               │  ▲                            │
 *              ExpireLeases ────┤  └──────RegisterWorker────────┤
 *                               ▼                               ▼
 *                            expired ◀──────ExpireLeases────────┘
 *   any ──DeregisterWorker──▶ (gone)
 *
 * An expired worker holds nothing, plans nothing, and is out of the lease heap. At most
 * `constants.expiredWorkersMax` expired workers are remembered (for operators); beyond that the
 * one whose lease ended first (ties: smaller worker id) is forgotten.
 */
import { expiredWorkersMax } from "../constants.js";
import { assert } from "../util/assert.js";
import { endPlannerRole } from "./plan-commands.js";
import { expire, release } from "./partition-lifecycle.js";
import { FAILED } from "./partition-table.js";
import type { CoordinatorState, WorkerRecord } from "./state.js";

/** What happened to the partitions of an expired worker. */
export interface ExpiryOutcome {
  readonly releasedCount: number;
  readonly failedCount: number;
}

/**
 * Expires `worker` at `nowMs`: each partition it holds counts an expiry (partition-lifecycle.ts)
 * and goes back to pending or fails; its planner roles end.
 */
export function expireWorker(
  state: CoordinatorState,
  worker: WorkerRecord,
  nowMs: number,
): ExpiryOutcome {
  assert(worker.status !== "expired", "a worker expires once");
  let failedCount = 0;
  const held = [...worker.held];
  for (const ref of held) {
    if (expire(state, ref.plan, ref.index, nowMs) === FAILED) failedCount++;
  }
  endPlannerRoles(state, worker);
  state.leases.removeAt(worker.heapPosition);
  worker.status = "expired";
  state.expiredCount++;
  forgetExpiredBeyondBound(state);
  return { releasedCount: held.length - failedCount, failedCount };
}

/** Removes `worker` for good: what it holds goes back to pending uncharged. */
export function removeWorker(state: CoordinatorState, worker: WorkerRecord, nowMs: number): number {
  const held = [...worker.held];
  for (const ref of held) release(state, ref.plan, ref.index, nowMs);
  endPlannerRoles(state, worker);
  if (worker.status === "expired") state.expiredCount--;
  else state.leases.removeAt(worker.heapPosition);
  state.workers.delete(worker.workerId);
  return held.length;
}

function endPlannerRoles(state: CoordinatorState, worker: WorkerRecord): void {
  for (const planId of [...worker.plannerOf]) {
    const plan = state.plans.get(planId);
    assert(plan !== undefined, "a planner role names an existing plan");
    endPlannerRole(state, plan);
  }
  assert(worker.plannerOf.size === 0, "every planner role ended");
}

/** Forgets expired workers beyond the bound, longest-expired first. */
function forgetExpiredBeyondBound(state: CoordinatorState): void {
  if (state.expiredCount <= expiredWorkersMax) return;
  const expired = [...state.workers.values()].filter((w) => w.status === "expired");
  expired.sort(
    (a, b) => a.leaseExpiresAtMs - b.leaseExpiresAtMs || (a.workerId < b.workerId ? -1 : 1),
  );
  for (const worker of expired.slice(0, expired.length - expiredWorkersMax)) {
    removeWorker(state, worker, state.nowMs);
  }
}
