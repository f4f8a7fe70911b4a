/**
 * The reports a worker makes on one granted partition — progress, then complete, fail or
 * release — sent one at a time on the partition's own client session (one outstanding seq per
 * client id, sessions.ts), each under the grant's fencing token.
 *
 * Progress is coalesced: at most one report is in flight and only the latest checkpoint waits
 * behind it, so a processor may checkpoint as often as it likes. A final report retries with the
 * SAME seq (exactly-once) for as long as the worker can prove its lease; once it cannot, or once
 * the reporter is silenced after a lease loss, nothing more is sent.
 */
import { CoordinatorError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { ATTR, inSpan } from "../tracing/api.js";
import type { CompletionBatcher } from "./completion-batcher.js";
import type { HeldPartition, PartitionGrant, WorkerClient } from "./worker-client.js";
import type { Sequencer } from "./sequencer.js";

/** How a partition ends, as reported to the cluster. */
export type PartitionOutcome =
  | { readonly kind: "complete"; readonly processedCount: number }
  | { readonly kind: "fail"; readonly error: string; readonly retryable: boolean }
  | { readonly kind: "release" };

/** What became of a final report. */
export type ReportResult =
  /** The cluster applied it. */
  | "accepted"
  /** The cluster refused it: the worker no longer holds the partition under this token. */
  | "refused"
  /** Not sent (or given up): the reporter was silenced or the lease could not be proven. */
  | "dropped";

/** Codes after which the partition is no longer ours to report on. */
const LOST: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "stale_fencing_token",
  "not_holder",
  "lease_expired",
  "not_found",
  "plan_not_active",
]);

/** What a reporter works with. */
export interface ReporterDeps {
  readonly client: WorkerClient;
  readonly workerId: string;
  /** The partition and the token its reports carry. */
  readonly partition: HeldPartition;
  /** Its range and what earlier holders reported, for checking checkpoints; null: none allowed. */
  readonly range: Pick<
    PartitionGrant,
    "minId" | "maxId" | "checkpointId" | "processedCount"
  > | null;
  readonly sequencer: Sequencer;
  /**
   * Where completions go, batched with the worker's others (completion-batcher.ts, its own
   * session and retries); without it a completion is one call on the partition's session.
   */
  readonly completions?: CompletionBatcher;
  /** Whether the worker can still prove its lease (lease-keeper.ts). */
  readonly leaseProven: () => boolean;
  /** Waits before another try of a final report (`attempt` is 1-based). */
  readonly backoff: (attempt: number) => Promise<void>;
  /** A checkpoint was accepted. */
  readonly onProgress: (checkpointId: number, processedCount: number) => void;
  /** The cluster refused a report: the partition is lost. */
  readonly onRefused: (error: CoordinatorError) => void;
  /** A call failed for a reason that may pass. */
  readonly onCallFailed: (operation: string, error: unknown) => void;
}

interface Checkpoint {
  readonly checkpointId: number;
  readonly processedCount: number;
}

/** The reports on one partition grant; see the module comment. */
export class PartitionReporter {
  private chain: Promise<unknown> = Promise.resolve();
  private waiting: Checkpoint | null = null;
  private progressQueued = false;
  private silenced = false;
  private floor: { lastId: number; processedCount: number };

  constructor(private readonly deps: ReporterDeps) {
    const { range } = deps;
    this.floor = {
      lastId: range === null ? 0 : (range.checkpointId ?? range.minId - 1),
      processedCount: range?.processedCount ?? 0,
    };
  }

  /**
   * Queues a checkpoint (see PartitionTask.checkpoint).
   * @throws CoordinatorError invalid_request for a value outside the partition or moving back
   */
  checkpoint(lastId: number, processedCount: number): void {
    const { range } = this.deps;
    if (range === null) throw new CoordinatorError("invalid_request", "no checkpoints here");
    if (!Number.isSafeInteger(lastId) || lastId < range.minId || lastId > range.maxId) {
      throw new CoordinatorError(
        "invalid_request",
        `checkpoint ${lastId} is outside partition ${range.minId}..${range.maxId}`,
      );
    }
    if (!Number.isSafeInteger(processedCount) || processedCount < 0) {
      throw new CoordinatorError("invalid_request", "processedCount must be a safe integer >= 0");
    }
    if (lastId < this.floor.lastId || processedCount < this.floor.processedCount) {
      throw new CoordinatorError("invalid_request", "a checkpoint never moves back");
    }
    this.floor = { lastId, processedCount };
    if (this.silenced) return;
    this.waiting = { checkpointId: lastId, processedCount };
    if (this.progressQueued) return;
    this.progressQueued = true;
    this.chain = this.chain.then(() => this.sendProgress());
  }

  /** Sends the final report after any progress in flight; resolves with what became of it. */
  finish(outcome: PartitionOutcome): Promise<ReportResult> {
    const done = this.chain.then(() => this.sendFinal(outcome));
    this.chain = done;
    return done;
  }

  /** After a lease loss: drop what waits and send nothing more. */
  silence(): void {
    this.silenced = true;
    this.waiting = null;
  }

  private async sendProgress(): Promise<void> {
    this.progressQueued = false;
    const checkpoint = this.waiting;
    this.waiting = null;
    if (checkpoint === null || this.silenced || !this.deps.leaseProven()) return;
    const { client, partition, workerId } = this.deps;
    const attributes = {
      [ATTR.checkpointId]: checkpoint.checkpointId,
      [ATTR.processedCount]: checkpoint.processedCount,
    };
    try {
      await inSpan("checkpoint", { attributes }, () =>
        client.reportProgress(
          partition.planId,
          partition.partitionId,
          { workerId, fencingToken: partition.fencingToken, ...checkpoint },
          { session: this.deps.sequencer.next() },
        ),
      );
      this.deps.onProgress(checkpoint.checkpointId, checkpoint.processedCount);
    } catch (error) {
      if (isLost(error)) this.deps.onRefused(error);
      else this.deps.onCallFailed("progress", error);
    }
  }

  private async sendFinal(outcome: PartitionOutcome): Promise<ReportResult> {
    const session = this.deps.sequencer.next();
    for (let attempt = 1; !this.silenced && this.deps.leaseProven(); attempt++) {
      try {
        await inSpan(outcome.kind, { attributes: { [ATTR.attempt]: attempt } }, () =>
          this.send(outcome, session),
        );
        return "accepted";
      } catch (error) {
        if (isLost(error)) {
          this.deps.onRefused(error);
          return "refused";
        }
        this.deps.onCallFailed(outcome.kind, error);
        if (error instanceof CoordinatorError && !error.spec.retryable) return "dropped";
      }
      await this.deps.backoff(attempt);
    }
    return "dropped";
  }

  private async send(
    outcome: PartitionOutcome,
    session: ReturnType<Sequencer["next"]>,
  ): Promise<void> {
    const { client, partition, workerId } = this.deps;
    const holder = { workerId, fencingToken: partition.fencingToken };
    const { planId, partitionId } = partition;
    if (outcome.kind === "complete" && this.deps.completions !== undefined) {
      const { fencingToken } = partition;
      const { processedCount } = outcome;
      await this.deps.completions.complete({ planId, partitionId, fencingToken, processedCount });
    } else if (outcome.kind === "complete") {
      const body = { ...holder, processedCount: outcome.processedCount };
      await client.completePartition(planId, partitionId, body, { session });
    } else if (outcome.kind === "fail") {
      const body = { ...holder, error: outcome.error, retryable: outcome.retryable };
      await client.failPartition(planId, partitionId, body, { session });
    } else {
      await client.releasePartition(planId, partitionId, holder, { session });
    }
  }
}

/** Whether `error` says the partition is no longer the worker's under its token. */
export function isLost(error: unknown): error is CoordinatorError {
  return error instanceof CoordinatorError && LOST.has(error.code);
}
