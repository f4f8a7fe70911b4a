/**
 * The processor module the chaos workers run (`elk-coordinator worker --processor
 * chaos/processor.ts`): it "processes" a partition by writing its rows, a batch at a time, to
 * the harness's fencing store (./resource.ts) under the partition's fencing token, and stops at
 * once when the store refuses a write (a newer holder exists) or the SDK aborts the task (the
 * lease was lost). It ignores earlier holders' checkpoints on purpose: the final holder writes
 * every row, so the checker can demand each row exactly once under the final token.
 *
 * The store's URL comes from {@link RESOURCE_URL_ENV}; the pace (rows per batch, pause before
 * each batch) from the plan's options, see {@link ChaosPlanOptions}.
 */
import { PartitionError, type PartitionTask, type Processor } from "../src/worker/processor.js";
import { fencingBroken } from "./broken-switch.js";
import { RESOURCE_WRITE_PATH, type ResourceWrite, type WriteAnswer } from "./resource.js";

/** The variable that tells the worker processes where the fencing store listens. */
export const RESOURCE_URL_ENV = "ELK_CHAOS_RESOURCE_URL";

/** The `options` of a chaos plan. */
export interface ChaosPlanOptions {
  readonly batchRows: number;
  readonly batchDelayMs: number;
}

/** One write to the store may take this long before the task fails (and is retried). */
const WRITE_TIMEOUT_MS = 5_000;

/** Writes every row of the partition to the fencing store. */
export const processor: Processor = {
  async process(task) {
    const url = process.env[RESOURCE_URL_ENV];
    if (url === undefined)
      throw new PartitionError(`${RESOURCE_URL_ENV} is not set`, { retryable: false });
    const { batchRows, batchDelayMs } = paceOf(task.options);
    const obeysAbort = !fencingBroken();
    for (let firstId = task.minId; firstId <= task.maxId; firstId += batchRows) {
      await pause(batchDelayMs, obeysAbort ? task.signal : undefined);
      if (obeysAbort) task.signal.throwIfAborted();
      const lastId = Math.min(task.maxId, firstId + batchRows - 1);
      const answer = await send(url, writeOf(task, firstId, lastId));
      if (!answer.accepted) {
        throw new Error(`fenced: token ${task.fencingToken} < ${answer.highestToken}`);
      }
    }
    return { processedCount: task.maxId - task.minId + 1 };
  },
};

function writeOf(task: PartitionTask, firstId: number, lastId: number): ResourceWrite {
  const { planId, partitionId, fencingToken, workerId } = task;
  return { planId, partitionId, fencingToken, firstId, lastId, workerId };
}

function paceOf(options: unknown): ChaosPlanOptions {
  const o = (typeof options === "object" && options !== null ? options : {}) as Record<
    string,
    unknown
  >;
  const count = (value: unknown, fallback: number) =>
    typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
  return {
    batchRows: Math.max(1, count(o.batchRows, 10)),
    batchDelayMs: count(o.batchDelayMs, 20),
  };
}

async function send(url: string, write: ResourceWrite): Promise<WriteAnswer> {
  const response = await fetch(`${url}${RESOURCE_WRITE_PATH}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(write),
    signal: AbortSignal.timeout(WRITE_TIMEOUT_MS),
  });
  if (response.status !== 200 && response.status !== 409) {
    throw new Error(`the fencing store answered ${response.status}`);
  }
  return (await response.json()) as WriteAnswer;
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}
