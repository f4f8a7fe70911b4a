/**
 * `createWorker(options)`: the worker SDK (README "Worker SDK"). A worker registers with the
 * cluster, heartbeats (lease-keeper.ts), long-polls for partitions and processes up to
 * `windowSize` of them IN PARALLEL (task-window.ts, partition-runner.ts), checkpoints progress
 * (partition-reporter.ts), aborts a partition whose lease it cannot prove, stops taking work
 * while its circuit breaker is open (circuit-breaker.ts), optionally hosts a planner for
 * open-ended plans (planner-host.ts), and drains on `stop()`: it acquires nothing more, lets
 * running partitions finish within a deadline, releases the rest and deregisters.
 *
 * Held-list bookkeeping: every heartbeat answers what the cluster says the worker holds. A
 * partition the worker runs but does not hold (under its token) is lost and aborted. A partition
 * it holds but does not run — one whose lease it gave up on, one a drain cut short, one whose
 * acquire answer never arrived — is released, so it does not sit idle until the lease ends.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import {
  partitionsPerAcquireMax,
  windowSizeDefault,
  workerAbortSettleMs,
  workerAcquireWaitMs,
  workerDrainTimeoutMs,
  workerErrorBackoffMsMax,
  workerErrorBackoffMsMin,
  workerHeartbeatIntervalMs,
  workerLeaseSafetyMarginMs,
  workerLeaseTtlMs,
} from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { CircuitBreakerOptions } from "./circuit-breaker.js";
import type { WorkerClock } from "./clock.js";
import { systemClock } from "./clock.js";
import { createClient } from "./client.js";
import type { WorkerEventSource } from "./events.js";
import type { PartitionPlanner, Processor } from "./processor.js";
import { WorkerRuntime } from "./worker-runtime.js";
import type { WorkerClient } from "./worker-client.js";
import type { WorkerLogger, WorkerSettings, WorkerStats } from "./worker-settings.js";

export type { WorkerLogger, WorkerPhase, WorkerStats } from "./worker-settings.js";

/** How to build a worker. Durations in ms; defaults from src/constants.ts. */
export interface WorkerOptions {
  /** Base URLs of coordinator nodes (any subset; the worker finds the leader). */
  readonly endpoints?: readonly string[];
  /** A ready client instead of `endpoints` (tests; the caller closes it). */
  readonly client?: WorkerClient;
  readonly processor: Processor;
  /** Keeps the namespace's open-ended plans supplied (the planner role, one per plan). */
  readonly planner?: PartitionPlanner;
  /** Unique per process lifetime (default `<host>-<pid>-<random>`). */
  readonly workerId?: string;
  /** Default "default". */
  readonly namespace?: string;
  /** Flat facts shown to operators (default host, pid). */
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
  /** Partitions processed at once (default 4). */
  readonly windowSize?: number;
  readonly heartbeatIntervalMs?: number;
  /** The worker lease the cluster grants on each renewal (default 10 s). */
  readonly leaseTtlMs?: number;
  /** The lease is trusted until this long before it ends (default 2 s). */
  readonly leaseSafetyMarginMs?: number;
  /** How long one acquire long-polls for work (default 10 s). */
  readonly acquireWaitMs?: number;
  /** On stop(), how long running partitions get to finish (default 30 s). */
  readonly drainTimeoutMs?: number;
  readonly circuitBreaker?: Partial<CircuitBreakerOptions>;
  readonly logger?: WorkerLogger;
  /** Sent as a bearer token when the cluster requires one. */
  readonly apiToken?: string;
  /** The CA (PEM) of a TLS cluster's `https://` endpoints (see ClientOptions.ca). */
  readonly ca?: string;
  /** Time source (default the system clock); tests pass a fake one. */
  readonly clock?: WorkerClock;
  /** Uniform draws in [0, 1) for backoff jitter (default Math.random). */
  readonly random?: () => number;
}

/** A worker; see the module comment. */
export interface Worker extends WorkerEventSource {
  readonly workerId: string;
  /**
   * Registers (retrying with backoff until the cluster answers or stop() is called) and starts
   * heartbeating, acquiring and, with a planner, planning. Resolves once registered.
   * @throws CoordinatorError when the cluster refuses the registration (e.g. `conflict`)
   */
  start(): Promise<void>;
  /**
   * Drains and stops (idempotent): acquires nothing more, lets running partitions finish within
   * `drainTimeoutMs`, aborts and releases the rest, deregisters, closes its own client.
   */
  stop(options?: { readonly drainTimeoutMs?: number }): Promise<void>;
  stats(): WorkerStats;
}

/**
 * Builds a worker (it does nothing until `start()`).
 * @throws CoordinatorError invalid_request when neither `endpoints` nor `client` is given, or a
 *   setting is out of bounds (e.g. a safety margin not below the lease TTL)
 */
export function createWorker(options: WorkerOptions): Worker {
  const settings = settingsOf(options);
  const ownClient = options.client === undefined;
  const client = options.client ?? clientOf(options, settings);
  const runtime = new WorkerRuntime({
    settings,
    client,
    processor: options.processor,
    planner: options.planner,
    breakerOptions: options.circuitBreaker ?? {},
    clock: options.clock ?? systemClock,
    random: options.random ?? Math.random,
    logger: options.logger,
  });
  return {
    workerId: settings.workerId,
    start: () => runtime.start(),
    stop: async (stopOptions) => {
      await runtime.stop(stopOptions?.drainTimeoutMs ?? settings.drainTimeoutMs);
      if (ownClient) await client.close();
    },
    stats: () => runtime.stats(),
    on: (event, listener) => runtime.events.on(event, listener),
  };
}

function clientOf(options: WorkerOptions, settings: WorkerSettings): WorkerClient {
  if (options.endpoints === undefined) {
    throw new CoordinatorError("invalid_request", "a worker needs endpoints or a client");
  }
  return createClient({
    endpoints: options.endpoints,
    ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    // An attempt that hangs (a frozen node) must not eat the lease: fail over well before it.
    requestTimeoutMs: Math.max(1_000, Math.floor(settings.leaseTtlMs / 4)),
  });
}

function settingsOf(options: WorkerOptions): WorkerSettings {
  const settings: WorkerSettings = {
    workerId: options.workerId ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    namespace: options.namespace ?? "default",
    meta: options.meta ?? { host: hostname(), pid: process.pid },
    windowSize: options.windowSize ?? windowSizeDefault,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? workerHeartbeatIntervalMs,
    leaseTtlMs: options.leaseTtlMs ?? workerLeaseTtlMs,
    leaseSafetyMarginMs: options.leaseSafetyMarginMs ?? workerLeaseSafetyMarginMs,
    acquireWaitMs: options.acquireWaitMs ?? workerAcquireWaitMs,
    drainTimeoutMs: options.drainTimeoutMs ?? workerDrainTimeoutMs,
    abortSettleMs: workerAbortSettleMs,
    acquireMax: partitionsPerAcquireMax,
    backoffMsMin: workerErrorBackoffMsMin,
    backoffMsMax: workerErrorBackoffMsMax,
  };
  checkSettings(settings);
  return settings;
}

/** @throws CoordinatorError invalid_request (see {@link createWorker}) */
function checkSettings(settings: WorkerSettings): void {
  const positive: (keyof WorkerSettings)[] = [
    "windowSize",
    "heartbeatIntervalMs",
    "leaseTtlMs",
    "drainTimeoutMs",
  ];
  for (const name of positive) {
    const value = settings[name];
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new CoordinatorError("invalid_request", `${name} must be a positive integer`);
    }
  }
  const { leaseSafetyMarginMs, leaseTtlMs, heartbeatIntervalMs, acquireWaitMs } = settings;
  if (!Number.isSafeInteger(leaseSafetyMarginMs) || leaseSafetyMarginMs < 0) {
    throw new CoordinatorError("invalid_request", "leaseSafetyMarginMs must be >= 0");
  }
  if (heartbeatIntervalMs + leaseSafetyMarginMs >= leaseTtlMs) {
    throw new CoordinatorError(
      "invalid_request",
      "heartbeatIntervalMs + leaseSafetyMarginMs must be below leaseTtlMs",
    );
  }
  if (!Number.isSafeInteger(acquireWaitMs) || acquireWaitMs < 0) {
    throw new CoordinatorError("invalid_request", "acquireWaitMs must be >= 0");
  }
}
