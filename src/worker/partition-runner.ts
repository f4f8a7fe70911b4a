/**
 * One granted partition from start to end: hand it to the processor with its abort signal and
 * checkpoint function, then report what came of it — complete, fail (retryable unless the
 * processor said otherwise) or, when a drain cut it short, release — and tell the circuit
 * breaker. A partition the processor finished although a drain had aborted it is still
 * completed. A partition whose lease was lost is never reported on again: its reporter is
 * silenced the moment the loss is known, whatever the processor does afterwards.
 */
import { errorMessageBytesMax } from "../constants.js";
import { ATTR, inSpan } from "../tracing/api.js";
import type { PartitionCircuitBreaker, BreakerTicket } from "./circuit-breaker.js";
import type { LeaseLossReason, WorkerEventBus } from "./events.js";
import type { PlanOptionsCache } from "./plan-options.js";
import { isRetryable } from "./processor.js";
import type { PartitionTask, Processor, ProcessResult } from "./processor.js";
import type { PartitionOutcome, PartitionReporter } from "./partition-reporter.js";
import type { PartitionGrant } from "./worker-client.js";
import type { WorkerClock } from "./clock.js";

/** Why a running partition's signal was aborted. */
export class PartitionAbortedError extends Error {
  override readonly name = "PartitionAbortedError";

  constructor(readonly reason: LeaseLossReason | "drain") {
    super(
      reason === "drain"
        ? "the worker is draining and the partition ran out of time"
        : `the partition's lease was lost (${reason})`,
    );
  }
}

/** A partition in the task window. */
export interface RunningPartition {
  readonly key: string;
  readonly grant: PartitionGrant;
  /** Grants the worker had received when this one arrived, this one included. */
  readonly grantNo: number;
  readonly receivedAtMs: number;
  readonly controller: AbortController;
  readonly reporter: PartitionReporter;
  readonly ticket: BreakerTicket;
  /** Set once the lease is lost; nothing is reported after. */
  lostReason: LeaseLossReason | null;
  /** Set when a drain aborted it: it is released, uncharged. */
  drained: boolean;
}

/** How a partition's run ended, for the worker's counters and its held-list bookkeeping. */
export type RunEnd = "completed" | "failed" | "released" | "lost" | "dropped";

/** What a run works with. */
export interface RunnerContext {
  readonly workerId: string;
  readonly processor: Processor;
  readonly clock: WorkerClock;
  readonly breaker: PartitionCircuitBreaker;
  readonly events: WorkerEventBus;
  readonly planOptions: PlanOptionsCache;
  /** Reading the plan's options failed (the partition is released, uncharged). */
  readonly onCallFailed: (operation: string, error: unknown) => void;
  readonly onEnd: (running: RunningPartition, end: RunEnd) => void;
}

type Processed =
  | { readonly ok: true; readonly result: ProcessResult }
  | { readonly ok: false; readonly error: unknown };

/**
 * Runs `running` to its end inside a `process` span (plan, partition, fencing token; its
 * checkpoint and final report are child spans, docs/OBSERVABILITY.md); never rejects.
 */
export function runPartition(ctx: RunnerContext, running: RunningPartition): Promise<void> {
  const { planId, partitionId, fencingToken } = running.grant;
  const attributes = {
    [ATTR.workerId]: ctx.workerId,
    [ATTR.planId]: planId,
    [ATTR.partitionId]: partitionId,
    [ATTR.fencingToken]: fencingToken,
  };
  return inSpan("process", { attributes }, async (span) => {
    const end = await runToEnd(ctx, running);
    span.setAttribute(ATTR.outcome, end);
    ctx.onEnd(running, end);
  });
}

async function runToEnd(ctx: RunnerContext, running: RunningPartition): Promise<RunEnd> {
  const startedAtMs = ctx.clock.now();
  let options: unknown;
  try {
    options = await ctx.planOptions.get(running.grant.planId);
  } catch (error) {
    ctx.onCallFailed("plan-options", error);
    return endWith(running, { kind: "release" }, "released");
  }
  const processed = await process(ctx.processor, taskOf(ctx.workerId, running, options));
  const durationMs = ctx.clock.now() - startedAtMs;
  if (running.lostReason !== null) return "lost";
  if (running.drained && !processed.ok) {
    const end = await endWith(running, { kind: "release" }, "released");
    if (end === "released") ctx.events.emit("released", { ...refOf(running), reason: "drain" });
    return end;
  }
  return processed.ok
    ? completed(ctx, running, processed.result, durationMs)
    : failed(ctx, running, processed.error, durationMs);
}

async function completed(
  ctx: RunnerContext,
  running: RunningPartition,
  result: ProcessResult,
  durationMs: number,
): Promise<RunEnd> {
  const { processedCount } = result;
  if (!Number.isSafeInteger(processedCount) || processedCount < running.grant.processedCount) {
    const error = new Error(
      `the processor returned processedCount ${String(processedCount)}, ` +
        `not an integer >= ${running.grant.processedCount}`,
    );
    return failed(ctx, running, error, durationMs);
  }
  ctx.breaker.succeeded(running.ticket);
  const end = await endWith(running, { kind: "complete", processedCount }, "completed");
  if (end === "completed") {
    ctx.events.emit("completed", { ...refOf(running), processedCount, durationMs });
  }
  return end;
}

async function failed(
  ctx: RunnerContext,
  running: RunningPartition,
  error: unknown,
  durationMs: number,
): Promise<RunEnd> {
  ctx.breaker.failed(running.ticket);
  // A UTF-16 code unit takes at most 3 bytes in UTF-8: the message fits the cluster's bound.
  const message = (error instanceof Error ? error.message : String(error)).slice(
    0,
    Math.floor(errorMessageBytesMax / 3),
  );
  const retryable = isRetryable(error);
  ctx.events.emit("failed", { ...refOf(running), error: message, retryable, durationMs });
  return endWith(running, { kind: "fail", error: message, retryable }, "failed");
}

/** Sends the final report; `end` when the cluster accepted it. */
async function endWith(
  running: RunningPartition,
  outcome: PartitionOutcome,
  end: RunEnd,
): Promise<RunEnd> {
  const report = await running.reporter.finish(outcome);
  if (report === "accepted") return end;
  return report === "refused" ? "lost" : "dropped";
}

/** Calls the processor, turning a synchronous throw into a failure too. */
async function process(processor: Processor, task: PartitionTask): Promise<Processed> {
  try {
    return { ok: true, result: await processor.process(task) };
  } catch (error) {
    return { ok: false, error };
  }
}

function taskOf(workerId: string, running: RunningPartition, options: unknown): PartitionTask {
  const { grant, reporter, controller } = running;
  return {
    workerId,
    planId: grant.planId,
    partitionId: grant.partitionId,
    minId: grant.minId,
    maxId: grant.maxId,
    fencingToken: grant.fencingToken,
    checkpointId: grant.checkpointId,
    processedCount: grant.processedCount,
    attempts: grant.attempts,
    options,
    signal: controller.signal,
    checkpoint: (lastId, processedCount) => reporter.checkpoint(lastId, processedCount),
  };
}

/** The event fields naming `running`'s partition. */
export function refOf(running: RunningPartition): {
  planId: string;
  partitionId: number;
  fencingToken: number;
} {
  const { planId, partitionId, fencingToken } = running.grant;
  return { planId, partitionId, fencingToken };
}
