/**
 * Handlers of the commands that move leases by time rather than by a worker: ExpireLeases and
 * LeaderChanged (docs/state-machine.md). Leases end only through ExpireLeases, which the leader
 * proposes when `nextLeaseExpiryAtMs` of its applied state is due; so every node expires the same
 * workers at the same log index, whatever its own clock says.
 */
import { assert } from "../util/assert.js";
import type { WorkerId } from "../util/ids.js";
import type { Handler } from "./handler-context.js";
import { ok } from "./handler-context.js";
import { reject } from "./results.js";
import { expireWorker } from "./worker-lifecycle.js";

/**
 * Expires every worker whose lease ended at or before the command's time, in order of lease end
 * (then worker id). Always `ok`, possibly expiring nobody.
 */
export const expireLeases: Handler<"ExpireLeases"> = (ctx) => {
  const { state, nowMs } = ctx;
  const expiredWorkerIds: WorkerId[] = [];
  let releasedCount = 0;
  let failedCount = 0;
  for (;;) {
    const next = state.leases.peek();
    if (next === undefined || next.leaseExpiresAtMs > nowMs) break;
    const outcome = expireWorker(state, next, nowMs);
    expiredWorkerIds.push(next.workerId);
    releasedCount += outcome.releasedCount;
    failedCount += outcome.failedCount;
  }
  return ok("ExpireLeases", { expiredWorkerIds, releasedCount, failedCount });
};

/**
 * A new leader's first command. Every worker not yet expired — even one whose lease ran out
 * while no leader could take its heartbeats — gets a lease ending no earlier than
 * `now + graceMs`, and every partition it holds a progress deadline no earlier than that. A term
 * older than one already announced is a `conflict` (a stale leader's late proposal).
 */
export const leaderChanged: Handler<"LeaderChanged"> = (ctx, command) => {
  const { state, nowMs } = ctx;
  if (command.term < state.leaderTerm) {
    return reject("conflict", `term ${command.term} is older than ${state.leaderTerm}`);
  }
  state.leaderTerm = command.term;
  const floorMs = nowMs + command.graceMs;
  let extendedCount = 0;
  // Each worker's new lease depends on that worker alone, so the visiting order does not matter.
  for (const worker of state.workers.values()) {
    if (worker.status === "expired") continue;
    for (const ref of worker.held) {
      const deadlines = ref.plan.parts.deadlineAtMs;
      deadlines[ref.index] = Math.max(deadlines[ref.index] ?? 0, floorMs);
    }
    if (worker.leaseExpiresAtMs >= floorMs) continue;
    worker.leaseExpiresAtMs = floorMs;
    state.leaseChanged(worker);
    extendedCount++;
  }
  assert(state.leases.size + state.expiredCount === state.workers.size, "lease heap complete");
  return ok("LeaderChanged", { term: command.term, extendedCount });
};
