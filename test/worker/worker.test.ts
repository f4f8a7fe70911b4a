// Proves createWorker end to end against an in-memory cluster (a real state machine) on a fake
// clock: the window processes partitions in parallel, checkpoints reach the cluster, the
// breaker stops and resumes acquiring, a drain stops acquiring, finishes what it can within its
// deadline, releases the rest uncharged and deregisters, a lease that cannot be proven aborts
// the partition's signal and nothing is reported on it again, a partition taken away is
// aborted, an expired worker registers again, and a grant whose answer was lost is released.
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { pause } from "../../src/worker/clock.js";
import type { WorkerEventName, WorkerEvents } from "../../src/worker/events.js";
import type { PartitionTask, Processor } from "../../src/worker/processor.js";
import { PartitionError } from "../../src/worker/processor.js";
import { createWorker } from "../../src/worker/worker.js";
import type { WorkerOptions } from "../../src/worker/worker.js";
import { FakeClock, settle } from "./fake-clock.js";
import { MemoryCluster } from "./memory-cluster.js";

const EVENTS: WorkerEventName[] = [
  "registered",
  "acquired",
  "progress",
  "completed",
  "failed",
  "released",
  "lease-lost",
  "breaker-state",
  "draining",
  "stopped",
];

type Seen = { [E in WorkerEventName]: WorkerEvents[E][] };

function setup(processor: Processor, options: Partial<WorkerOptions> = {}) {
  const clock = new FakeClock();
  const cluster = new MemoryCluster(clock);
  const worker = createWorker({
    client: cluster.client(),
    processor,
    clock,
    random: () => 0.5,
    workerId: "w1",
    windowSize: 4,
    ...options,
  });
  const seen = Object.fromEntries(EVENTS.map((name) => [name, []])) as unknown as Seen;
  for (const name of EVENTS) {
    worker.on(name, (payload) => (seen[name] as unknown[]).push(payload));
  }
  return { clock, cluster, worker, seen };
}

/** A processor whose every partition takes `durationMs` of fake time. */
function sleepy(clock: FakeClock, durationMs: number, log: PartitionTask[] = []): Processor {
  return {
    async process(task) {
      log.push(task);
      await pause(clock, durationMs, task.signal);
      if (task.signal.aborted) throw task.signal.reason;
      return { processedCount: task.maxId - task.minId + 1 };
    },
  };
}

describe("the task window", () => {
  it("processes windowSize partitions in parallel, not one after the other", async () => {
    let active = 0;
    let peak = 0;
    const clock0 = { clock: null as FakeClock | null };
    const { clock, cluster, worker, seen } = setup({
      async process(task) {
        active++;
        peak = Math.max(peak, active);
        await pause(clock0.clock!, 1_000);
        active--;
        return { processedCount: task.maxId - task.minId + 1 };
      },
    });
    clock0.clock = clock;
    cluster.createPlan("plan", 1, 800, 100, { options: { colour: "blue" } });
    await worker.start();
    await settle();
    expect(active).toBe(4);
    await clock.advance(1_000);
    // Completions wait out the SDK's coalescing window before the next wave starts.
    await clock.until(() => cluster.plan("plan").status === "completed", 1_100, 1);
    expect(peak).toBe(4);
    expect(seen.completed).toHaveLength(8);
    expect(worker.stats().completed).toBe(8);
    await worker.stop();
    expect(seen.stopped).toEqual([{ completedCount: 8, failedCount: 0 }]);
  });

  it("hands the processor the grant, the plan's options and a working checkpoint", async () => {
    const tasks: PartitionTask[] = [];
    const holder = { clock: null as FakeClock | null };
    const { clock, cluster, worker, seen } = setup(
      {
        async process(task) {
          tasks.push(task);
          task.checkpoint(task.minId + 49, 50);
          await pause(holder.clock!, 500);
          return { processedCount: 100 };
        },
      },
      { windowSize: 1 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 100, 100, { options: { colour: "blue" } });
    await worker.start();
    await clock.advance(100);
    expect(cluster.partition("plan", 0).checkpointId).toBe(50);
    await clock.advance(500);
    const [task] = tasks;
    expect(task).toMatchObject({ planId: "plan", partitionId: 0, minId: 1, maxId: 100 });
    expect(task!.options).toEqual({ colour: "blue" });
    expect(task!.fencingToken).toBe(cluster.partition("plan", 0).fencingToken);
    expect(seen.progress).toMatchObject([{ checkpointId: 50, processedCount: 50 }]);
    expect(cluster.partition("plan", 0)).toMatchObject({
      status: "completed",
      processedCount: 100,
    });
    await worker.stop();
  });

  it("long-polls: an idle worker sends one acquire per wait, not a stream", async () => {
    const { clock, cluster, worker } = setup(sleepy(new FakeClock(), 0), { acquireWaitMs: 10_000 });
    await worker.start();
    await clock.advance(30_000);
    expect(cluster.callsOf("acquire").length).toBeLessThanOrEqual(4);
    await worker.stop();
  });
});

describe("failures and the circuit breaker", () => {
  it("reports a failure as retryable unless the processor says otherwise", async () => {
    const { clock, cluster, worker, seen } = setup(
      {
        async process(task) {
          throw new PartitionError(`bad row in ${task.partitionId}`, { retryable: false });
        },
      },
      { windowSize: 1 },
    );
    cluster.createPlan("plan", 1, 100, 100);
    await worker.start();
    await clock.advance(100);
    expect(seen.failed).toMatchObject([{ error: "bad row in 0", retryable: false }]);
    expect(cluster.partition("plan", 0).status).toBe("failed");
    await worker.stop();
  });

  it("stops acquiring while open, probes when half-open, resumes when a probe succeeds", async () => {
    let healthy = false;
    const { clock, cluster, worker, seen } = setup(
      {
        async process(task) {
          if (!healthy) throw new Error("database down");
          return { processedCount: task.maxId - task.minId + 1 };
        },
      },
      {
        windowSize: 1,
        circuitBreaker: { consecutiveFailuresMax: 3, openMs: 30_000, halfOpenProbesMax: 1 },
      },
    );
    cluster.createPlan("plan", 1, 2_000, 100, { maxAttempts: 10 });
    await worker.start();
    await clock.until(() => worker.stats().breaker === "open");
    expect(seen.failed).toHaveLength(3);
    const acquiresWhenOpened = cluster.callsOf("acquire").length;
    await clock.advance(29_000);
    expect(cluster.callsOf("acquire").length).toBe(acquiresWhenOpened);
    expect(seen.acquired).toHaveLength(3);
    healthy = true;
    await clock.advance(1_100);
    expect(seen["breaker-state"].map((e) => e.state)).toEqual(["open", "half-open", "closed"]);
    await clock.until(() => cluster.plan("plan").status === "completed");
    await worker.stop();
  });
});

describe("drain", () => {
  it("finishes running partitions within the deadline, acquires nothing more, deregisters", async () => {
    const holder = { clock: null as FakeClock | null };
    const tasks: PartitionTask[] = [];
    const { clock, cluster, worker, seen } = setup(
      {
        process: (task) => sleepy(holder.clock!, 2_000, tasks).process(task),
      },
      { drainTimeoutMs: 5_000 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 1_000, 100);
    await worker.start();
    await clock.advance(100);
    expect(tasks).toHaveLength(4);
    const stopped = worker.stop();
    await clock.advance(2_500);
    await stopped;
    expect(tasks).toHaveLength(4);
    expect(seen.completed).toHaveLength(4);
    expect(seen.draining).toEqual([{ runningCount: 4 }]);
    expect(cluster.worker("w1")).toBeUndefined();
    expect(cluster.plan("plan").counts).toMatchObject({ completed: 4, pending: 6, claimed: 0 });
    expect(worker.stats().phase).toBe("stopped");
  });

  it("aborts what outlives the deadline and releases it uncharged", async () => {
    const holder = { clock: null as FakeClock | null };
    const signals: AbortSignal[] = [];
    const { clock, cluster, worker, seen } = setup(
      {
        async process(task) {
          signals.push(task.signal);
          await pause(holder.clock!, 60_000, task.signal);
          throw task.signal.reason;
        },
      },
      { drainTimeoutMs: 3_000 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 1_000, 100);
    await worker.start();
    await clock.advance(100);
    const stopped = worker.stop();
    await clock.advance(2_999);
    expect(signals.every((signal) => !signal.aborted)).toBe(true);
    await clock.advance(1);
    await stopped;
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true, true, true]);
    expect(seen.released.map((e) => e.reason)).toEqual(["drain", "drain", "drain", "drain"]);
    const counts = cluster.plan("plan").counts;
    expect(counts).toMatchObject({ pending: 10, claimed: 0, running: 0, failed: 0 });
    expect(cluster.partition("plan", 0).attempts).toBe(0);
    expect(cluster.worker("w1")).toBeUndefined();
  });
});

describe("lease loss", () => {
  it("aborts the signal when no renewal is acknowledged in time and never reports again", async () => {
    const holder = { clock: null as FakeClock | null };
    const signals: AbortSignal[] = [];
    const { clock, cluster, worker, seen } = setup(
      {
        async process(task) {
          signals.push(task.signal);
          task.checkpoint(task.minId, 1);
          await pause(holder.clock!, 20_000, task.signal);
          // A careless processor carries on after the abort: the SDK must not report for it.
          task.checkpoint(task.maxId, 100);
          return { processedCount: 100 };
        },
      },
      { windowSize: 1, leaseTtlMs: 10_000, leaseSafetyMarginMs: 2_000 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 100, 100);
    await worker.start();
    await clock.advance(100);
    const acquiredAtMs = clock.now();
    const firstToken = cluster.partition("plan", 0).fencingToken;
    // Heartbeats still renew the lease in the cluster; only their answers are late.
    cluster.hold("heartbeat", { afterApply: true });
    cluster.hold("acquire");
    await clock.until(() => seen["lease-lost"].length > 0, 20_000, 50);
    expect(clock.now() - acquiredAtMs).toBeLessThanOrEqual(8_100);
    expect(signals[0]!.aborted).toBe(true);
    expect(seen["lease-lost"]).toMatchObject([{ planId: "plan", reason: "lease-unproven" }]);
    await clock.advance(500);
    const reportsUnder = (token: number) =>
      [
        ...cluster.callsOf("reportProgress").map((call) => call.args[2]),
        ...cluster
          .callsOf("completePartitions")
          .flatMap((call) => (call.args[1] as { items: unknown[] }).items),
      ].filter((report) => (report as { fencingToken: number }).fencingToken === token);
    expect(reportsUnder(firstToken)).toHaveLength(1);
    cluster.releaseAll();
    await clock.until(() => cluster.plan("plan").status === "completed", 60_000);
    expect(reportsUnder(firstToken)).toHaveLength(1);
    expect(seen.released).toMatchObject([
      { partitionId: 0, fencingToken: firstToken, reason: "not-running" },
    ]);
    expect(cluster.partition("plan", 0).fencingToken).toBeGreaterThan(firstToken);
    await worker.stop();
  });

  it("aborts a partition the cluster no longer lists as held", async () => {
    const holder = { clock: null as FakeClock | null };
    const { clock, cluster, worker, seen } = setup(
      {
        process: (task) => sleepy(holder.clock!, 30_000).process(task),
      },
      { windowSize: 1 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 100, 100);
    await worker.start();
    await clock.advance(100);
    const { fencingToken } = cluster.partition("plan", 0);
    cluster.service.applyNow({
      type: "ReleasePartition",
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken,
    });
    await clock.advance(2_500);
    expect(seen["lease-lost"]).toMatchObject([{ partitionId: 0, reason: "not-held" }]);
    await clock.until(() => cluster.plan("plan").status === "completed", 60_000);
    expect(cluster.callsOf("completePartitions")).toHaveLength(1);
    await worker.stop();
  });

  it("registers again when the cluster expired the worker, and carries on", async () => {
    const holder = { clock: null as FakeClock | null };
    const { clock, cluster, worker, seen } = setup(
      { process: (task) => sleepy(holder.clock!, 1_000).process(task) },
      { windowSize: 1 },
    );
    holder.clock = clock;
    await worker.start();
    cluster.hold("heartbeat");
    cluster.hold("acquire");
    await clock.advance(25_000);
    cluster.expireLeases();
    expect(cluster.worker("w1")?.status).toBe("expired");
    cluster.createPlan("plan", 1, 300, 100);
    cluster.releaseAll();
    await clock.until(() => cluster.plan("plan").status === "completed", 60_000);
    // Once when the acquire found the lease lapsed, again when the cluster had expired it.
    expect(seen.registered.length).toBeGreaterThanOrEqual(2);
    await worker.stop();
  });

  it("releases a grant whose acquire answer was lost", async () => {
    const holder = { clock: null as FakeClock | null };
    const { clock, cluster, worker, seen } = setup(
      { process: (task) => sleepy(holder.clock!, 1_000).process(task) },
      { windowSize: 1 },
    );
    holder.clock = clock;
    cluster.createPlan("plan", 1, 100, 100);
    cluster.loseAnswerOf("acquire");
    await worker.start();
    await clock.until(() => cluster.plan("plan").status === "completed", 60_000);
    expect(seen.released).toMatchObject([{ partitionId: 0, reason: "not-running" }]);
    expect(seen.completed).toHaveLength(1);
    await worker.stop();
  });
});

describe("lifecycle", () => {
  it("start twice is a caller mistake; stop is idempotent; stop before start is a no-op", async () => {
    const { clock, worker } = setup(sleepy(new FakeClock(), 0));
    await worker.start();
    await expect(worker.start()).rejects.toBeInstanceOf(CoordinatorError);
    const first = worker.stop();
    const second = worker.stop();
    await clock.advance(10);
    await Promise.all([first, second]);
    const idle = setup(sleepy(new FakeClock(), 0)).worker;
    await idle.stop();
    expect(idle.stats().phase).toBe("stopped");
  });

  it("refuses settings that cannot work", () => {
    const processor = sleepy(new FakeClock(), 0);
    expect(() => createWorker({ processor })).toThrow(/endpoints or a client/);
    expect(() =>
      createWorker({
        processor,
        endpoints: ["http://127.0.0.1:1"],
        leaseTtlMs: 3_000,
        heartbeatIntervalMs: 2_000,
      }),
    ).toThrow(/below leaseTtlMs/);
    expect(() =>
      createWorker({ processor, endpoints: ["http://127.0.0.1:1"], windowSize: 0 }),
    ).toThrow(/windowSize/);
  });
});
