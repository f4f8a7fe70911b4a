/**
 * A synthetic processor with a steady, tunable pace, for the docker-compose stack and the
 * Prometheus end-to-end test: plain JavaScript with no imports of this package, so the Docker
 * image runs it with `node` alone (`elk-coordinator worker --processor
 * examples/steady/processor.js`). Each id "costs" `msPerId` ms (plan option, default 2; a
 * multiple of ten ids at a time), it resumes after an earlier holder's checkpoint, checkpoints
 * every tenth of its partition and stops when its lease is lost (the signal aborts). With the
 * plan option `failEvery: n`, every n-th partition (by id) fails once, retryably, so the error
 * metrics and the retry path have something to show.
 */
import { setTimeout as sleep } from "node:timers/promises";

/** The processor (see the module comment). */
export const processor = {
  async process(task) {
    const options = task.options ?? {};
    const msPerId = typeof options.msPerId === "number" ? options.msPerId : 2;
    const failEvery = typeof options.failEvery === "number" ? options.failEvery : 0;
    if (failEvery > 0 && task.partitionId % failEvery === 0 && task.attempts === 0) {
      throw new Error(`partition ${task.partitionId} fails on its first attempt (failEvery)`);
    }
    const size = task.maxId - task.minId + 1;
    const step = Math.max(10, Math.ceil(size / 10));
    let next = task.checkpointId === null ? task.minId : task.checkpointId + 1;
    let processedCount = task.processedCount;
    while (next <= task.maxId) {
      const last = Math.min(task.maxId, next + step - 1);
      await sleep((last - next + 1) * msPerId, undefined, { signal: task.signal });
      processedCount += last - next + 1;
      task.checkpoint(last, processedCount);
      next = last + 1;
    }
    return { processedCount };
  },
};
