// Test helper (not a test): a stand-in for a worker as its metrics see it — an event bus a test
// emits on by hand and settable stats.
import { WorkerEventBus } from "../../src/worker/events.js";
import type { WorkerStats } from "../../src/worker/worker.js";

export class FakeWorker {
  readonly workerId = "w1";
  readonly bus = new WorkerEventBus((event, error) => {
    throw new Error(`listener of ${event} threw: ${String(error)}`);
  });
  current: WorkerStats = {
    workerId: this.workerId,
    phase: "running",
    running: 0,
    completed: 0,
    failed: 0,
    breaker: "closed",
    leaseProvenUntilMs: 0,
  };
  readonly on = this.bus.on.bind(this.bus);

  stats(): WorkerStats {
    return this.current;
  }

  /** Changes some of the stats. */
  set(change: Partial<WorkerStats>): void {
    this.current = { ...this.current, ...change };
  }
}
