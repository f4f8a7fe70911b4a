/**
 * The running worker behind `createWorker` (worker.ts has the public surface and the module
 * comment): registration, the acquire loop, the held-list bookkeeping after each heartbeat,
 * lease-loss handling, and the drain.
 */
import { workerCompletionBatchMax, workerCompletionCoalesceMs } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import { ATTR, inSpan } from "../tracing/api.js";
import type { BreakerState, CircuitBreakerOptions } from "./circuit-breaker.js";
import { PartitionCircuitBreaker } from "./circuit-breaker.js";
import { CompletionBatcher } from "./completion-batcher.js";
import type { WorkerClock } from "./clock.js";
import { backoffMs, pause } from "./clock.js";
import { WorkerEventBus } from "./events.js";
import type { LeaseLossReason } from "./events.js";
import { HeldReconciler } from "./held-reconciler.js";
import type { HeartbeatAnswer } from "./lease-keeper.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { PartitionReporter } from "./partition-reporter.js";
import { PartitionAbortedError, refOf, runPartition } from "./partition-runner.js";
import type { RunEnd, RunnerContext, RunningPartition } from "./partition-runner.js";
import { PlanOptionsCache } from "./plan-options.js";
import { PlannerHost } from "./planner-host.js";
import type { PartitionPlanner, Processor } from "./processor.js";
import { WorkerSessions } from "./sessions.js";
import { TaskWindow } from "./task-window.js";
import type { WorkerLogger, WorkerPhase, WorkerSettings, WorkerStats } from "./worker-settings.js";
import { partitionKey } from "./worker-client.js";
import type { HeldPartition, PartitionGrant, WorkerClient } from "./worker-client.js";

/** What a runtime is built from. */
export interface RuntimeDeps {
  readonly settings: WorkerSettings;
  readonly client: WorkerClient;
  readonly processor: Processor;
  readonly planner: PartitionPlanner | undefined;
  readonly breakerOptions: Partial<CircuitBreakerOptions>;
  readonly clock: WorkerClock;
  readonly random: () => number;
  readonly logger: WorkerLogger | undefined;
}

/** Codes that say the cluster no longer knows this worker as live: register again. */
function isWorkerGone(error: unknown): boolean {
  return (
    error instanceof CoordinatorError &&
    (error.code === "lease_expired" || error.code === "not_found")
  );
}

/** See worker.ts. */
export class WorkerRuntime {
  readonly events: WorkerEventBus;
  private readonly settings: WorkerSettings;
  private readonly client: WorkerClient;
  private readonly clock: WorkerClock;
  private readonly sessions: WorkerSessions;
  private readonly breaker: PartitionCircuitBreaker;
  private readonly keeper: LeaseKeeper;
  private readonly completions: CompletionBatcher;
  private readonly window: TaskWindow<RunningPartition>;
  private readonly reconciler = new HeldReconciler();
  private readonly runner: RunnerContext;
  private readonly plannerHost: PlannerHost | null;
  /** Aborted when the worker stops for good (heartbeats end). */
  private readonly lifetime = new AbortController();
  /** Aborted when the drain begins (acquiring and planning end). */
  private readonly intake = new AbortController();
  private phase: WorkerPhase = "created";
  private loops: Promise<void>[] = [];
  private grantCount = 0;
  private registrations = 0;
  private counts = { completed: 0, failed: 0 };
  private reregistering: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: RuntimeDeps) {
    const { settings, client, clock } = deps;
    this.settings = settings;
    this.client = client;
    this.clock = clock;
    this.events = new WorkerEventBus((event, error) =>
      deps.logger?.error({ event, err: error }, "a worker event listener threw"),
    );
    this.sessions = new WorkerSessions(settings.workerId, () => clock.now());
    this.breaker = new PartitionCircuitBreaker(deps.breakerOptions, clock, (state, previous) =>
      this.onBreakerState(state, previous),
    );
    this.window = new TaskWindow(settings.windowSize);
    this.keeper = this.createKeeper();
    this.completions = new CompletionBatcher({
      client,
      workerId: settings.workerId,
      clock,
      nextSession: () => this.sessions.next("done"),
      leaseProven: () => this.keeper.proven(),
      backoff: async (attempt) => void (await this.backoff(attempt, this.lifetime.signal)),
      coalesceMs: workerCompletionCoalesceMs,
      batchMax: workerCompletionBatchMax,
    });
    this.runner = {
      workerId: settings.workerId,
      processor: deps.processor,
      clock,
      breaker: this.breaker,
      events: this.events,
      planOptions: new PlanOptionsCache(client),
      onCallFailed: (operation, error) => this.callFailed(operation, error),
      onEnd: (running, end) => this.onRunEnd(running, end),
    };
    this.plannerHost =
      deps.planner === undefined
        ? null
        : new PlannerHost({
            client,
            planner: deps.planner,
            workerId: settings.workerId,
            namespace: settings.namespace,
            sessions: this.sessions,
            clock,
            events: this.events,
            onCallFailed: (operation, error) => this.callFailed(operation, error),
          });
  }

  /** See Worker.start. */
  async start(): Promise<void> {
    if (this.phase !== "created") {
      throw new CoordinatorError("invalid_request", `the worker is ${this.phase}`);
    }
    this.phase = "running";
    await this.registerUntilDone();
    if (this.lifetime.signal.aborted) return;
    this.loops = [this.keeper.run(this.lifetime.signal), this.acquireLoop()];
    if (this.plannerHost !== null) this.loops.push(this.plannerHost.run(this.intake.signal));
  }

  /** See Worker.stop. */
  stop(drainTimeoutMs: number): Promise<void> {
    this.stopping ??= this.drain(drainTimeoutMs);
    return this.stopping;
  }

  stats(): WorkerStats {
    return {
      workerId: this.settings.workerId,
      phase: this.phase,
      running: this.window.size,
      completed: this.counts.completed,
      failed: this.counts.failed,
      breaker: this.breaker.state(),
      leaseProvenUntilMs: this.keeper.provenUntil(),
    };
  }

  private createKeeper(): LeaseKeeper {
    const { settings, client, clock } = this.deps;
    return new LeaseKeeper({
      client,
      workerId: settings.workerId,
      sessions: this.sessions,
      clock,
      leaseTtlMs: settings.leaseTtlMs,
      safetyMarginMs: settings.leaseSafetyMarginMs,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      draining: () => this.phase === "draining",
      mark: () => ({ grants: this.grantCount, registrations: this.registrations }),
      onHeartbeat: (answer) => this.onHeartbeat(answer),
      onHeartbeatFailed: async (error, mark) => {
        if (isWorkerGone(error)) await this.reregister(mark.registrations);
        else this.callFailed("heartbeat", error);
      },
      onUnproven: () => this.loseAll("lease-unproven"),
    });
  }

  // ── registration ─────────────────────────────────────────────────────────────────────────

  private async register(): Promise<void> {
    const { settings } = this;
    const sentAtMs = this.clock.now();
    const answer = await this.client.registerWorker(
      {
        workerId: settings.workerId,
        namespace: settings.namespace,
        meta: { ...settings.meta },
        windowSize: settings.windowSize,
        leaseTtlMs: settings.leaseTtlMs,
      },
      { session: this.sessions.next("reg"), signal: this.lifetime.signal },
    );
    this.keeper.renewed(sentAtMs);
    this.registrations++;
    this.events.emit("registered", {
      workerId: settings.workerId,
      leaseExpiresAtMs: answer.leaseExpiresAtMs,
    });
  }

  /** Registers, retrying what may pass, until registered or stopped. */
  private async registerUntilDone(): Promise<void> {
    for (let attempt = 1; !this.lifetime.signal.aborted; attempt++) {
      try {
        await this.register();
        return;
      } catch (error) {
        if (this.lifetime.signal.aborted) return;
        if (error instanceof CoordinatorError && !error.spec.retryable) throw error;
        this.callFailed("register", error);
      }
      await this.backoff(attempt, this.lifetime.signal);
    }
  }

  /**
   * The cluster forgot or expired the worker: give up what it runs and register again — once,
   * however many calls sent under registration number `seen` find out, and never once a drain
   * has begun (a deregistered worker is "not found" too).
   */
  private reregister(seen: number): Promise<void> {
    if (seen !== this.registrations || this.phase !== "running") {
      return this.reregistering ?? Promise.resolve();
    }
    this.reregistering ??= (async () => {
      this.loseAll("worker-expired");
      try {
        await this.registerUntilDone();
      } catch (error) {
        this.callFailed("register", error);
      } finally {
        this.reregistering = null;
      }
    })();
    return this.reregistering;
  }

  // ── acquiring ────────────────────────────────────────────────────────────────────────────

  private async acquireLoop(): Promise<void> {
    const signal = this.intake.signal;
    let failures = 0;
    while (!signal.aborted) {
      const max = Math.min(this.window.free(), this.breaker.admits(), this.settings.acquireMax);
      if (max <= 0) {
        await this.window.whenChanged(this.clock, this.untilBreakerReopensMs(), signal);
        continue;
      }
      const outcome = await this.acquireOnce(max, signal);
      if (outcome === "stop") return;
      failures = outcome === "failed" ? failures + 1 : 0;
      if (failures > 0) await this.backoff(failures, signal);
    }
  }

  private async acquireOnce(max: number, signal: AbortSignal): Promise<"ok" | "failed" | "stop"> {
    const sentAtMs = this.clock.now();
    const registration = this.registrations;
    this.reconciler.acquireStarted();
    try {
      // A root span: the partitions granted are processed in its trace (docs/OBSERVABILITY.md).
      const attributes = { [ATTR.workerId]: this.settings.workerId };
      await inSpan("acquire", { root: true, attributes }, async (span) => {
        const answer = await this.client.acquire(
          this.settings.workerId,
          { max, waitMs: this.settings.acquireWaitMs },
          { session: this.sessions.next("acq"), signal },
        );
        span.setAttribute(ATTR.granted, answer.granted.length);
        this.keeper.renewed(sentAtMs);
        this.startGrants(answer.granted);
      });
      return "ok";
    } catch (error) {
      if (signal.aborted) return "stop";
      if (isWorkerGone(error)) {
        await this.reregister(registration);
        return "ok";
      }
      if (error instanceof CoordinatorError && error.code === "invalid_state") return "stop";
      this.callFailed("acquire", error);
      return "failed";
    } finally {
      this.reconciler.acquireSettled();
    }
  }

  private untilBreakerReopensMs(): number {
    const reopensAtMs = this.breaker.reopensAtMs();
    if (reopensAtMs === null) return this.settings.acquireWaitMs;
    return Math.max(0, reopensAtMs - this.clock.now());
  }

  private startGrants(grants: readonly PartitionGrant[]): void {
    const room = Math.min(this.window.free(), this.breaker.admits());
    grants.forEach((grant, index) => {
      this.grantCount++;
      if (index < room && this.phase === "running") this.startPartition(grant);
      else void this.releaseUnstarted(grant, this.phase === "running" ? "breaker" : "drain");
    });
  }

  private startPartition(grant: PartitionGrant): void {
    const key = partitionKey(grant.planId, grant.partitionId);
    const running: RunningPartition = {
      key,
      grant,
      grantNo: this.grantCount,
      receivedAtMs: this.clock.now(),
      controller: new AbortController(),
      reporter: this.reporterOf(grant, grant),
      ticket: this.breaker.started(),
      lostReason: null,
      drained: false,
    };
    this.events.emit("acquired", {
      ...refOf(running),
      minId: grant.minId,
      maxId: grant.maxId,
      processedCount: grant.processedCount,
    });
    this.window.run(key, running, () => runPartition(this.runner, running));
  }

  private reporterOf(grant: HeldPartition, range: PartitionGrant | null): PartitionReporter {
    const key = partitionKey(grant.planId, grant.partitionId);
    return new PartitionReporter({
      client: this.client,
      workerId: this.settings.workerId,
      partition: grant,
      range,
      sequencer: this.sessions.forPartition(grant.planId, grant.partitionId),
      completions: this.completions,
      leaseProven: () => this.keeper.proven(),
      backoff: async (attempt) => {
        await this.backoff(attempt, this.lifetime.signal);
      },
      onProgress: (checkpointId, processedCount) => {
        const { planId, partitionId, fencingToken } = grant;
        this.events.emit("progress", {
          planId,
          partitionId,
          fencingToken,
          checkpointId,
          processedCount,
        });
      },
      onRefused: () => {
        const running = this.window.get(key);
        if (running?.grant.fencingToken === grant.fencingToken) this.lose(running, "refused");
      },
      onCallFailed: (operation, error) => this.callFailed(operation, error),
    });
  }

  /** Hands back a partition the worker holds but will not run. */
  private async releaseUnstarted(
    held: HeldPartition,
    reason: "drain" | "breaker" | "not-running",
  ): Promise<void> {
    const { planId, partitionId, fencingToken } = held;
    const result = await this.reporterOf(held, null).finish({ kind: "release" });
    if (result === "accepted") {
      this.events.emit("released", { planId, partitionId, fencingToken, reason });
    }
  }

  // ── held-list bookkeeping and lease loss ─────────────────────────────────────────────────

  private onHeartbeat({ answer, mark }: HeartbeatAnswer): void {
    this.events.emit("heartbeat", {
      leaseExpiresAtMs: answer.leaseExpiresAtMs,
      heldCount: answer.held.length,
    });
    const verdict = this.reconciler.reconcile(answer.held, this.window.values(), mark.grants);
    for (const running of verdict.lost) this.lose(running, "not-held");
    for (const held of verdict.orphans) void this.releaseUnstarted(held, "not-running");
  }

  private lose(running: RunningPartition, reason: LeaseLossReason): void {
    if (running.lostReason !== null) return;
    running.lostReason = reason;
    running.reporter.silence();
    running.controller.abort(new PartitionAbortedError(reason));
    this.events.emit("lease-lost", { ...refOf(running), reason });
  }

  private loseAll(reason: LeaseLossReason): void {
    for (const running of this.window.values()) this.lose(running, reason);
  }

  private onRunEnd(running: RunningPartition, end: RunEnd): void {
    if (end === "completed") this.counts.completed++;
    if (end === "failed") this.counts.failed++;
    if (end === "lost" || end === "dropped") this.reconciler.retire(running.key, running.grant);
  }

  private onBreakerState(state: BreakerState, previous: BreakerState): void {
    this.events.emit("breaker-state", { state, previous });
    this.window.poke();
  }

  // ── drain ────────────────────────────────────────────────────────────────────────────────

  private async drain(drainTimeoutMs: number): Promise<void> {
    if (this.phase === "created" || this.phase === "stopped") {
      this.phase = "stopped";
      this.lifetime.abort();
      return;
    }
    this.phase = "draining";
    this.events.emit("draining", { runningCount: this.window.size });
    this.intake.abort();
    this.keeper.beatNow();
    if (!(await this.window.whenEmpty(this.clock, drainTimeoutMs))) {
      for (const running of this.window.values()) {
        running.drained = true;
        running.controller.abort(new PartitionAbortedError("drain"));
      }
      await this.window.whenEmpty(this.clock, this.settings.abortSettleMs);
    }
    await this.deregister();
    this.lifetime.abort();
    this.keeper.stop();
    await Promise.all(this.loops);
    this.phase = "stopped";
    this.events.emit("stopped", {
      completedCount: this.counts.completed,
      failedCount: this.counts.failed,
    });
  }

  private async deregister(): Promise<void> {
    try {
      await this.client.deregisterWorker(this.settings.workerId, {
        session: this.sessions.next("reg"),
      });
    } catch (error) {
      this.callFailed("deregister", error);
    }
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────

  private backoff(attempt: number, signal: AbortSignal): Promise<boolean> {
    const { backoffMsMin, backoffMsMax } = this.settings;
    const delayMs = backoffMs(attempt, backoffMsMin, backoffMsMax, this.deps.random);
    return pause(this.clock, delayMs, signal);
  }

  private callFailed(operation: string, error: unknown): void {
    const code = error instanceof CoordinatorError ? error.code : "transport";
    const message = error instanceof Error ? error.message : String(error);
    this.events.emit("call-failed", { operation, code, message });
    this.deps.logger?.warn({ operation, code, err: message }, "a call to the cluster failed");
  }
}
