/**
 * The plan workload of a chaos run: plans submitted throughout the run to the chaos namespace,
 * each with a client-chosen planId and an Idempotency-Key, retried across failovers with single
 * attempts (each recorded in the {@link History}, unknown outcomes included) until one is
 * acknowledged or the submission's deadline passes. Acknowledged plans are what the checker
 * later demands to exist, complete and gap-free.
 */
import type { Prng } from "../src/util/prng.js";
import type { CoordinatorClient } from "../src/worker/client.js";
import { CHAOS_NAMESPACE } from "./cluster.js";
import type { History } from "./history.js";
import { sleep } from "./nemesis.js";
import type { ChaosPlanOptions } from "./processor.js";

/** A plan the cluster acknowledged. */
export interface SubmittedPlan {
  readonly planId: string;
  readonly minId: number;
  readonly maxId: number;
  readonly partitionSize: number;
}

/** A submission is retried for at most this long. */
const SUBMIT_DEADLINE_MS = 30_000;
const SUBMIT_RETRY_MS = 200;
/** A submission still retrying when the run's time is up gets this much longer. */
const SUBMIT_OVERRUN_MS = 5_000;
/** Time between two submissions (drawn in this range). */
const SUBMIT_GAP_MS_MIN = 500;
const SUBMIT_GAP_MS_MAX = 2_000;
/** Every plan's rows are written in batches of this many, this far apart. */
const PLAN_OPTIONS: ChaosPlanOptions = { batchRows: 10, batchDelayMs: 40 };

/** Submits plans until told to stop. */
export class PlanWorkload {
  readonly acknowledged: SubmittedPlan[] = [];
  /** Submissions that were never acknowledged (unknown or refused to the end). */
  readonly unacknowledged: string[] = [];

  constructor(
    private readonly client: CoordinatorClient,
    private readonly history: History,
    private readonly prng: Prng,
    private readonly tag: string,
    private readonly nowMs: () => number,
  ) {}

  /** Submits a plan every 0.5–2 s (enough to keep the workers busy) until `untilMs` (run time) or the abort. */
  async run(untilMs: number, signal: AbortSignal): Promise<void> {
    for (let k = 0; this.nowMs() < untilMs && !signal.aborted; k += 1) {
      const partitions = 8 + this.prng.nextInt(17);
      const partitionSize = 40 + this.prng.nextInt(61);
      const minId = 1 + this.prng.nextInt(1_000);
      const plan: SubmittedPlan = {
        planId: `chaos-${this.tag}-${k}`,
        minId,
        maxId: minId + partitions * partitionSize - 1 - this.prng.nextInt(partitionSize),
        partitionSize,
      };
      if (await this.submit(plan, untilMs, signal)) this.acknowledged.push(plan);
      else this.unacknowledged.push(plan.planId);
      const gap = SUBMIT_GAP_MS_MIN + this.prng.nextInt(SUBMIT_GAP_MS_MAX - SUBMIT_GAP_MS_MIN);
      await sleep(gap, signal);
    }
  }

  /** Retries until acknowledged, refused, or `SUBMIT_DEADLINE_MS` passed (≤ 5 s past `untilMs`). */
  private async submit(plan: SubmittedPlan, untilMs: number, signal: AbortSignal) {
    const deadline = Math.min(this.nowMs() + SUBMIT_DEADLINE_MS, untilMs + SUBMIT_OVERRUN_MS);
    const body = {
      planId: plan.planId,
      namespace: CHAOS_NAMESPACE,
      minId: plan.minId,
      maxId: plan.maxId,
      partitionSize: plan.partitionSize,
      maxAttempts: 50,
      options: PLAN_OPTIONS,
    };
    while (this.nowMs() < deadline && !signal.aborted) {
      const outcome = await this.history.record("planner", "createPlan", plan.planId, body, () =>
        this.client.createPlan(body, { idempotencyKey: plan.planId, retryDeadlineMs: 0 }),
      );
      if (outcome.kind === "ok") return true;
      if (outcome.kind === "rejected") return false;
      await sleep(SUBMIT_RETRY_MS, signal);
    }
    return false;
  }
}
