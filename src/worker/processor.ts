/**
 * The user's side of the worker SDK, the seed's contract in TypeScript form (README
 * "Worker SDK"): a {@link Processor} processes one partition (an inclusive id range) at a time per
 * window slot; a {@link PartitionPlanner} keeps an open-ended plan supplied with partitions.
 * The seed's Go `Process(ctx, minID, maxID, options) (int64, error)` becomes `process(task)`:
 * the context is `task.signal`, the count is `{ processedCount }`, the error is a rejection.
 */

/** One partition handed to a processor. */
export interface PartitionTask {
  /** The worker processing it (e.g. to record who wrote what). */
  readonly workerId: string;
  readonly planId: string;
  readonly partitionId: number;
  /** First id of the partition. */
  readonly minId: number;
  /** Last id of the partition (inclusive). */
  readonly maxId: number;
  /**
   * The grant's fencing token (the Raft log index of the grant; docs/state-machine.md). It
   * strictly increases per partition: fence downstream writes with it, e.g.
   * `UPDATE … WHERE id BETWEEN ? AND ? AND (fence IS NULL OR fence <= ?)`, so a holder that
   * lost the partition cannot overwrite its successor's work.
   */
  readonly fencingToken: number;
  /** Where an earlier holder stopped (its last reported checkpoint): resume after it; null from the start. */
  readonly checkpointId: number | null;
  /** The partition's cumulative count reported so far (by earlier holders). */
  readonly processedCount: number;
  /** Failed attempts before this one. */
  readonly attempts: number;
  /** The plan's `options` (JSON given when the plan was created). */
  readonly options: unknown;
  /**
   * Aborted when the worker can no longer prove it holds the partition (its lease), or when a
   * drain runs out of time: stop writing at once. After a lease loss nothing is reported on
   * the partition again, whatever `process` returns.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress: every id up to `lastId` is durably processed, `processedCount` is the
   * partition's cumulative count. Never waits; at most one report per partition is in flight
   * and the latest value wins (earlier unsent ones are dropped).
   * @throws CoordinatorError invalid_request when `lastId` is outside the partition, or either
   *   value is not a non-negative safe integer or moves back
   */
  checkpoint(lastId: number, processedCount: number): void;
}

/** What a processed partition reports. */
export interface ProcessResult {
  /** The partition's cumulative count of processed items (including an earlier holder's). */
  readonly processedCount: number;
}

/** Processes partitions (the seed's `Processor`). */
export interface Processor {
  /**
   * Processes `task.minId..task.maxId`. Resolving completes the partition; rejecting fails it
   * (retried with backoff up to the plan's `maxAttempts`, unless the error is a
   * {@link PartitionError} with `retryable: false`).
   */
  process(task: PartitionTask): Promise<ProcessResult>;
}

/**
 * Supplies an open-ended plan with partitions (the seed's `PartitionPlaner`). A worker created
 * with a planner takes the planner role of its namespace's open-ended plans through the state
 * machine (AppendPartitions, docs/state-machine.md), so one planner acts per plan at a time.
 */
export interface PartitionPlanner {
  /** Ids per partition for the next appends. */
  partitionSize(): Promise<number>;
  /**
   * The largest id that exists now in `startId..startId + rangeSize - 1`; `startId - 1` (or
   * less) when none exists yet; `null` when the source will never grow beyond `startId - 1`
   * (the plan is then closed).
   */
  nextMaxId(startId: number, rangeSize: number): Promise<number | null>;
}

/**
 * A processor failure that says whether a retry can help. Any other error thrown by a
 * processor counts as retryable.
 */
export class PartitionError extends Error {
  override readonly name = "PartitionError";
  readonly retryable: boolean;

  constructor(message: string, options: { readonly retryable: boolean; readonly cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** Whether a processor's rejection `error` may be retried. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof PartitionError) || error.retryable;
}
