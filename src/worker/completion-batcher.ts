/**
 * Coalesces a worker's partition completions into CompletePartitions commands (docs/API.md
 * "Complete many, and acquire the next"): a completion waits `coalesceMs` for others, or goes at
 * once when `batchMax` are waiting, and the lot costs one request and one Raft entry.
 *
 * Fencing stays per partition: every item carries its own token and gets its own answer, which
 * settles that item's promise alone (a refused item rejects with the code the single endpoint
 * would have answered). One batch is in flight at a time, on the worker's `done` session
 * channel, because the state machine keeps one outstanding seq per client id; completions
 * arriving meanwhile form the next batch. A batch whose call fails for a reason that may pass is
 * sent again with the SAME session (exactly-once: a batch applied before the failure answers
 * with its remembered results), for as long as the worker can prove its lease.
 */
import { trace, type Link } from "@opentelemetry/api";
import { CoordinatorError } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import type { BodyOf } from "../protocol/index.js";
import type { ROUTES } from "../protocol/index.js";
import { inSpan, tracingActive } from "../tracing/api.js";
import type { TimerHandle, WorkerClock } from "./clock.js";
import type { ClientSession } from "./sequencer.js";
import type { WorkerClient } from "./worker-client.js";

/** One completion: the partition, its token and its final count. */
export type CompletionItem = BodyOf<(typeof ROUTES)["completePartitions"]>["items"][number];

/** What a batcher works with. */
export interface CompletionBatcherDeps {
  readonly client: Pick<WorkerClient, "completePartitions">;
  readonly workerId: string;
  readonly clock: WorkerClock;
  /** The next session of the worker's completion channel. */
  readonly nextSession: () => ClientSession;
  /** Whether the worker can still prove its lease (lease-keeper.ts). */
  readonly leaseProven: () => boolean;
  /** Waits before another try of a batch (`attempt` is 1-based). */
  readonly backoff: (attempt: number) => Promise<void>;
  readonly coalesceMs: number;
  readonly batchMax: number;
}

interface Waiter {
  readonly item: CompletionItem;
  /** The span that asked for this completion, linked from the batch's span (when tracing). */
  readonly link: Link | null;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** Gathers completions into batches; see the module comment. */
export class CompletionBatcher {
  private waiting: Waiter[] = [];
  private timer: TimerHandle | null = null;
  private inFlight = false;

  constructor(private readonly deps: CompletionBatcherDeps) {}

  /**
   * Completes `item` in the next batch.
   * @throws CoordinatorError with the item's own code when the cluster refused it; the batch's
   *   error when the whole call failed and was not (or no longer) worth another try
   */
  complete(item: CompletionItem): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const active = trace.getActiveSpan();
      const link = active === undefined ? null : { context: active.spanContext() };
      this.waiting.push({ item, link, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.inFlight) return;
    if (this.waiting.length >= this.deps.batchMax) {
      this.flush();
      return;
    }
    this.timer ??= this.deps.clock.setTimeout(() => this.flush(), this.deps.coalesceMs);
  }

  private flush(): void {
    if (this.timer !== null) this.deps.clock.clearTimeout(this.timer);
    this.timer = null;
    const batch = this.waiting.splice(0, this.deps.batchMax);
    if (batch.length === 0) return;
    this.inFlight = true;
    void this.traced(batch).finally(() => {
      this.inFlight = false;
      // What gathered while the batch was out has waited long enough.
      if (this.waiting.length > 0) this.flush();
    });
  }

  /**
   * {@link send} inside a span `complete batch` linked to every completion it carries, as the
   * node's group commit links its proposals (docs/OBSERVABILITY.md); plain when not tracing.
   */
  private traced(batch: readonly Waiter[]): Promise<void> {
    if (!tracingActive()) return this.send(batch);
    const links = batch.flatMap((w) => (w.link === null ? [] : [w.link]));
    const attributes = { "elk.batch.size": batch.length };
    return inSpan("complete batch", { links, attributes }, () => this.send(batch));
  }

  private async send(batch: readonly Waiter[]): Promise<void> {
    const session = this.deps.nextSession();
    const items = batch.map((w) => w.item);
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.deps.client.completePartitions(
          this.deps.workerId,
          { items },
          { session },
        );
        answer.results.forEach((result, i) => {
          const waiter = batch[i];
          if (result.status === "ok") waiter?.resolve();
          else waiter?.reject(refusal(result.status, result.detail));
        });
        return;
      } catch (error) {
        const mayPass = !(error instanceof CoordinatorError) || error.spec.retryable;
        if (!mayPass || !this.deps.leaseProven()) {
          for (const waiter of batch) waiter.reject(error);
          return;
        }
      }
      await this.deps.backoff(attempt);
    }
  }
}

function refusal(status: string, detail: string | undefined): CoordinatorError {
  return new CoordinatorError(status as ErrorCode, detail ?? `refused: ${status}`);
}
