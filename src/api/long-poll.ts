/**
 * The long-poll acquire (docs/API.md "Workers"): when nothing is grantable, wait — for the applied
 * state to change, or for a partition's retry backoff to end — before proposing, up to min(waitMs,
 * constants.acquireWaitMsMax). Each wake-up first makes a cheap stale local check
 * (`grantableAtMs`), so a request proposes exactly ONE AcquirePartitions: at once when something is
 * grantable (or the state machine must give a rejection), else when something becomes grantable,
 * else at the deadline (which still renews the lease). Waiting workers therefore never turn applies
 * into a storm of empty proposals, and the client's session seq is used once.
 */
import { acquireWaitMsMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { NodeService, ProposeOptions } from "../node/service.js";
import { grantableAtMs } from "../state-machine/index.js";
import type { AcquirePartitions } from "../state-machine/index.js";
import { proposeOk } from "./propose.js";
import type { OkBody } from "./propose.js";

/** What a long poll needs besides the command. */
export interface LongPollOptions {
  /** How long to wait for grantable work, capped at constants.acquireWaitMsMax. */
  readonly waitMs: number;
  readonly session: ProposeOptions;
  /** Local wall clock, ms since the epoch (compared with retry backoff ends). */
  readonly clock: () => number;
  /** Aborted when the client goes away or the app closes: stop waiting, propose nothing. */
  readonly signal: AbortSignal;
}

/**
 * Waits until `command.workerId` could be granted something (or the wait ends), then proposes
 * `command` once.
 * @throws CoordinatorError node_stopping when `signal` aborts the wait; whatever proposing throws
 */
export async function acquireLongPoll(
  service: NodeService,
  command: AcquirePartitions,
  options: LongPollOptions,
): Promise<OkBody<"AcquirePartitions">> {
  const deadlineMs = options.clock() + Math.min(options.waitMs, acquireWaitMsMax);
  await waitUntilGrantable(service, command.workerId, deadlineMs, options);
  return proposeOk(service, command, options.session);
}

async function waitUntilGrantable(
  service: NodeService,
  workerId: string,
  deadlineMs: number,
  { clock, signal }: LongPollOptions,
): Promise<void> {
  for (;;) {
    if (signal.aborted) throw new CoordinatorError("node_stopping", "the long poll was abandoned");
    const sinceIndex = service.appliedIndex();
    const dueAtMs = await service.read((state) => grantableAtMs(state, workerId), "stale");
    const nowMs = clock();
    if ((dueAtMs !== null && dueAtMs <= nowMs) || nowMs >= deadlineMs) return;
    const wakeAtMs = dueAtMs === null ? deadlineMs : Math.min(dueAtMs, deadlineMs);
    try {
      await service.waitForApply(sinceIndex, wakeAtMs - nowMs, signal);
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }
}
