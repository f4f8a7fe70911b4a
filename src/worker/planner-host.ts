/**
 * Hosts a {@link PartitionPlanner} in a worker: keeps the open-ended plans of the worker's
 * namespace supplied with partitions. Which worker plans a plan is decided by the state machine,
 * not by a side channel (AppendPartitions, docs/state-machine.md): the first append without a
 * token takes the planner role if it is free (or its holder's lease ended), later appends
 * present the returned planner token, and a refusal (`not_holder`, `stale_fencing_token`) means
 * another worker plans it now. So at most one planner acts per plan at a time.
 *
 * Each round (every `pollIntervalMs`) reads the active plans; a plan with fewer pending
 * partitions than the low-water mark gets up to `appendPartitionsMax` more, cut at the planner's
 * `partitionSize()` from the plan's `nextId` up to what `nextMaxId()` says exists; `null` from
 * `nextMaxId()` closes the plan (`final: true`).
 */
import {
  plannerAppendPartitionsMax,
  plannerPendingLowWaterPartitions,
  plannerPollIntervalMs,
  queryPageRowsMax,
} from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import type { WorkerClock } from "./clock.js";
import { pause } from "./clock.js";
import type { WorkerEventBus } from "./events.js";
import type { PartitionPlanner } from "./processor.js";
import type { WorkerSessions } from "./sessions.js";
import type { WorkerClient } from "./worker-client.js";

type PlanRow = ResponseOf<(typeof ROUTES)["listPlans"]>["items"][number];

/** What a planner host works with. */
export interface PlannerHostDeps {
  readonly client: WorkerClient;
  readonly planner: PartitionPlanner;
  readonly workerId: string;
  readonly namespace: string;
  readonly sessions: WorkerSessions;
  readonly clock: WorkerClock;
  readonly events: WorkerEventBus;
  readonly onCallFailed: (operation: string, error: unknown) => void;
  readonly pollIntervalMs?: number;
  readonly pendingLowWaterPartitions?: number;
  readonly appendPartitionsMax?: number;
}

/** See the module comment. */
export class PlannerHost {
  /** The planner token of each plan this worker plans. */
  private readonly tokens = new Map<string, number>();

  constructor(private readonly deps: PlannerHostDeps) {}

  /** The plans this worker holds the planner role of, as far as it knows. */
  plans(): string[] {
    return [...this.tokens.keys()];
  }

  /** Supplies plans every poll interval until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = this.deps.pollIntervalMs ?? plannerPollIntervalMs;
    while (!signal.aborted) {
      try {
        await this.round();
      } catch (error) {
        if (!signal.aborted) this.deps.onCallFailed("planner", error);
      }
      await pause(this.deps.clock, intervalMs, signal);
    }
  }

  /** One round: every open-ended active plan of the namespace below the low-water mark is supplied. */
  async round(): Promise<void> {
    let cursor: string | undefined;
    do {
      const page = await this.deps.client.listPlans({
        namespace: this.deps.namespace,
        status: "active",
        limit: queryPageRowsMax,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const plan of page.items) {
        if (plan.openEnded && !plan.closed) await this.supply(plan);
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
  }

  private async supply(plan: PlanRow): Promise<void> {
    const lowWater = this.deps.pendingLowWaterPartitions ?? plannerPendingLowWaterPartitions;
    if (plan.counts.pending >= lowWater) return;
    const body = await this.nextAppend(plan);
    if (body === null) return;
    const token = this.tokens.get(plan.planId);
    try {
      const answer = await this.deps.client.appendPartitions(
        plan.planId,
        {
          workerId: this.deps.workerId,
          ...body,
          ...(token === undefined ? {} : { fencingToken: token }),
        },
        { session: this.deps.sessions.next(`plan/${plan.planId}`) },
      );
      if (answer.closed) this.tokens.delete(plan.planId);
      else this.tokens.set(plan.planId, answer.plannerToken);
      const { appendedCount, nextId, closed } = answer;
      this.deps.events.emit("planned", { planId: plan.planId, appendedCount, nextId, closed });
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      if (error.code === "not_holder" || error.code === "stale_fencing_token") {
        this.tokens.delete(plan.planId);
      } else if (error.code !== "back_pressure" && error.code !== "conflict") {
        throw error;
      }
    }
  }

  /** What to append to `plan` now, or null when its source has nothing new. */
  private async nextAppend(
    plan: PlanRow,
  ): Promise<{ ranges: { minId: number; maxId: number }[] } | { final: true } | null> {
    const { planner } = this.deps;
    const size = await planner.partitionSize();
    if (!Number.isSafeInteger(size) || size < 1) {
      throw new CoordinatorError("invalid_request", `partitionSize() answered ${size}`);
    }
    const count = this.deps.appendPartitionsMax ?? plannerAppendPartitionsMax;
    const lastWanted = plan.nextId + size * count - 1;
    const maxId = await planner.nextMaxId(plan.nextId, size * count);
    if (maxId === null) return { final: true };
    if (!Number.isSafeInteger(maxId)) {
      throw new CoordinatorError("invalid_request", `nextMaxId() answered ${maxId}`);
    }
    const upTo = Math.min(maxId, lastWanted);
    if (upTo < plan.nextId) return null;
    const ranges: { minId: number; maxId: number }[] = [];
    for (let minId = plan.nextId; minId <= upTo; minId += size) {
      ranges.push({ minId, maxId: Math.min(minId + size - 1, upTo) });
    }
    return { ranges };
  }
}
