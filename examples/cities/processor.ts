/**
 * The demo's processor module, loaded by every worker process
 * (`elk-coordinator worker --processor examples/cities/processor.ts`). For each partition it
 * computes each city's geohash (precision 7) and normalized name and writes them back into the
 * SQLite database named by the plan's options — fenced, in one transaction per chunk, with a
 * checkpoint after each chunk (city-db.ts explains the fencing and the audit).
 */
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from "node:timers/promises";
import { PartitionError } from "../../src/index.js";
import type { PartitionTask, Processor } from "../../src/index.js";
import { FencedWriter, openCityDatabase } from "./city-db.js";

/** The plan's `options`. */
export interface CitiesOptions {
  /** Absolute path of the database. */
  readonly db: string;
  /** Rows per transaction (and per checkpoint). */
  readonly chunkRows: number;
  /**
   * For the integration test only: after each chunk of these partitions the processor sleeps
   * `stallMs` between two transactions — a known moment to freeze (SIGSTOP) or kill the worker
   * mid-partition — and, like a careless processor, does not look at its abort signal, so a
   * late write is attempted and the fence must refuse it.
   */
  readonly stalls?: readonly { readonly partitionId: number; readonly stallMs: number }[];
}

/** One writer per database file per process. */
const writers = new Map<string, FencedWriter>();

function writerFor(file: string): FencedWriter {
  let writer = writers.get(file);
  if (writer === undefined) {
    writer = new FencedWriter(openCityDatabase(file));
    writers.set(file, writer);
  }
  return writer;
}

function optionsOf(task: PartitionTask): CitiesOptions {
  const options = task.options as Partial<CitiesOptions> | null;
  if (typeof options?.db !== "string" || !Number.isSafeInteger(options.chunkRows)) {
    throw new PartitionError("the plan's options need { db, chunkRows }", { retryable: false });
  }
  return options as CitiesOptions;
}

/** The demo processor. */
export const processor: Processor = {
  async process(task) {
    const options = optionsOf(task);
    const writer = writerFor(options.db);
    const { minId, maxId, fencingToken, workerId } = task;
    const last = writer.claim(minId, maxId, fencingToken, workerId);
    if (last === null) {
      throw new PartitionError(`ids ${minId}..${maxId} were claimed under a newer token`, {
        retryable: true,
      });
    }
    const stalled = options.stalls?.find((stall) => stall.partitionId === task.partitionId);
    for (let next = last + 1; next <= maxId;) {
      if (task.signal.aborted && stalled === undefined) throw task.signal.reason;
      const upTo = Math.min(next + options.chunkRows - 1, maxId);
      const written = writer.writeChunk(next, upTo, fencingToken, workerId);
      if (written.refused > 0) {
        throw new PartitionError(`the fence refused ${written.refused} rows: a newer holder`, {
          retryable: true,
        });
      }
      task.checkpoint(upTo, upTo - minId + 1);
      next = upTo + 1;
      if (stalled !== undefined) await sleep(stalled.stallMs);
      await yieldToEventLoop();
    }
    return { processedCount: maxId - minId + 1 };
  },
};
