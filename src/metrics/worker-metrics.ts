/**
 * A worker's metrics under the seed's names (README "Monitoring"), every series labelled with
 * its `namespace` and `worker_id`, fed by the worker's events (src/worker/events.ts) and, at scrape time, by its
 * `stats()`. A worker process serves them on `--metrics-listen`; an embedded worker registers
 * them on its node's registry (the labels never clash: node series carry `node_id`).
 *
 * - `node_heartbeat_timestamp_seconds`: wall time of the last acknowledged heartbeat or
 *   registration (`time() - …` is the heartbeat age); `node_heartbeat_errors_total`: failed
 *   heartbeat and registration calls.
 * - `node_task_window_size`: the window; `node_task_queue_active_tasks`: partitions in the
 *   window now; `node_tasks_active_processing`: partitions handed to the processor and not yet
 *   ended (completed, failed, released or lost).
 * - `node_tasks_processed_total` / `…_items_total`: completed partitions and the items this
 *   worker processed in them (what earlier holders had done is not counted again).
 * - `node_tasks_errors_total{error_type}`: `retryable` and `fatal` processor failures, and
 *   `lease_lost` (the worker stopped a partition it no longer held).
 * - `node_task_processing_duration_seconds`: from grant to the cluster's acceptance of the
 *   end; `node_task_processor_duration_seconds`: the processor's own run.
 * - `node_circuit_breaker_state{breaker_name}` (0 closed, 1 open, 2 half-open) and
 *   `node_circuit_breaker_tripped_total`: the worker's one breaker, named "partitions".
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import type { Registry } from "prom-client";
import { metricsTaskBucketsSeconds } from "../constants.js";
import { DEFAULT_NAMESPACE } from "../state-machine/index.js";
import type { PartitionRef, WorkerEventSource, WorkerEvents } from "../worker/events.js";
import type { WorkerStats } from "../worker/worker.js";
import { metricFactory, type MetricFactory } from "./factory.js";
import { packageVersion } from "./registry.js";

/**
 * The labels of every worker series: `namespace` (the plans' namespace the worker serves, as the
 * seed's monitoring design labels every metric; one value per worker, so bounded) and
 * `worker_id`.
 */
const BY_WORKER = ["namespace", "worker_id"] as const;

/** The `breaker_name` of the worker's circuit breaker. */
export const BREAKER_NAME = "partitions";

/** The `error_type` values of `node_tasks_errors_total`. */
export const TASK_ERROR_TYPES = ["retryable", "fatal", "lease_lost"] as const;

const BREAKER_STATE_VALUES: Readonly<Record<WorkerStats["breaker"], number>> = {
  closed: 0,
  open: 1,
  "half-open": 2,
};

/** What the worker metrics read from a worker (src/worker's Worker has it all). */
export interface WorkerMetricsSource extends WorkerEventSource {
  readonly workerId: string;
  stats(): WorkerStats;
}

/** Settings of {@link attachWorkerMetrics}. */
export interface WorkerMetricsOptions {
  /** The worker's window (partitions in parallel). */
  readonly windowSize: number;
  /** The namespace the worker serves, its `namespace` label (default "default"). */
  readonly namespace?: string;
  /** Wall clock, ms since the epoch (default Date.now). */
  readonly wallClockMs?: () => number;
  /** Monotonic clock, ms (default performance.now). */
  readonly monotonicMs?: () => number;
}

interface Started {
  readonly atMs: number;
  readonly processedCount: number;
}

/**
 * Registers the metrics of `worker` on `registry` and subscribes to its events.
 * @returns the function that unsubscribes (the series stay registered)
 */
export function attachWorkerMetrics(
  registry: Registry,
  worker: WorkerMetricsSource,
  options: WorkerMetricsOptions,
): () => void {
  const id = { namespace: options.namespace ?? DEFAULT_NAMESPACE, worker_id: worker.workerId };
  const m = workerMetrics(registry, id, worker);
  const wallClockMs = options.wallClockMs ?? Date.now;
  const monotonicMs = options.monotonicMs ?? (() => performance.now());
  const started = new Map<string, Started>();
  m.info.set(
    { ...id, version: packageVersion(), node_version: process.version, os_type: os.type() },
    1,
  );
  m.windowSize.set(id, options.windowSize);
  m.activeProcessing.set(id, 0);
  const ended = (ref: PartitionRef): Started | undefined => {
    const key = keyOf(ref);
    const start = started.get(key);
    started.delete(key);
    m.activeProcessing.set(id, started.size);
    return start;
  };
  const finished = (event: WorkerEvents["completed"] | WorkerEvents["failed"]) => {
    const start = ended(event);
    if (start !== undefined) m.processingSeconds.observe(id, (monotonicMs() - start.atMs) / 1000);
    m.processorSeconds.observe(id, event.durationMs / 1000);
    return start;
  };
  const beat = () => m.heartbeatAt.set(id, wallClockMs() / 1000);
  const off = [
    worker.on("registered", beat),
    worker.on("heartbeat", beat),
    worker.on("acquired", (event) => {
      started.set(keyOf(event), { atMs: monotonicMs(), processedCount: event.processedCount });
      m.activeProcessing.set(id, started.size);
    }),
    worker.on("completed", (event) => {
      const start = finished(event);
      m.processed.inc(id);
      m.items.inc(id, Math.max(0, event.processedCount - (start?.processedCount ?? 0)));
    }),
    worker.on("failed", (event) => {
      finished(event);
      m.errors.inc({ ...id, error_type: event.retryable ? "retryable" : "fatal" });
    }),
    worker.on("released", (event) => void ended(event)),
    worker.on("lease-lost", (event) => {
      ended(event);
      m.errors.inc({ ...id, error_type: "lease_lost" });
    }),
    worker.on("breaker-state", ({ state }) => {
      if (state === "open") m.tripped.inc({ ...id, breaker_name: BREAKER_NAME });
    }),
    worker.on("call-failed", ({ operation }) => {
      if (operation === "heartbeat" || operation === "register") m.heartbeatErrors.inc(id);
    }),
  ];
  return () => off.forEach((unsubscribe) => unsubscribe());
}

function keyOf(ref: PartitionRef): string {
  return `${ref.planId}\u0000${ref.partitionId}\u0000${ref.fencingToken}`;
}

/** The labels naming one worker: the namespace it serves (bounded: one per worker) and its id. */
type WorkerLabels = { readonly namespace: string; readonly worker_id: string };

function workerMetrics(registry: Registry, id: WorkerLabels, worker: WorkerMetricsSource) {
  const f = metricFactory(registry);
  const breaker = { ...id, breaker_name: BREAKER_NAME };
  const metrics = { ...stateMetrics(f, worker, id, breaker), ...taskMetrics(f) };
  for (const zero of [metrics.heartbeatErrors, metrics.processed, metrics.items]) zero.inc(id, 0);
  metrics.tripped.inc(breaker, 0);
  for (const error_type of TASK_ERROR_TYPES) metrics.errors.inc({ ...id, error_type }, 0);
  return metrics;
}

/** Heartbeats, identity, window and breaker: the worker's state. */
function stateMetrics(
  f: MetricFactory,
  worker: WorkerMetricsSource,
  id: WorkerLabels,
  breaker: WorkerLabels & { readonly breaker_name: string },
) {
  const byWorker = BY_WORKER;
  const byBreaker = [...BY_WORKER, "breaker_name"] as const;
  return {
    heartbeatAt: f.gauge(
      "node_heartbeat_timestamp_seconds",
      "Wall time (Unix seconds) of the worker's last acknowledged heartbeat or registration.",
      byWorker,
    ),
    heartbeatErrors: f.counter(
      "node_heartbeat_errors_total",
      "Heartbeat and registration calls that failed.",
      byWorker,
    ),
    info: f.gauge(
      "node_info",
      "Always 1; the worker's version, Node.js version and OS in labels.",
      [...BY_WORKER, "version", "node_version", "os_type"],
    ),
    windowSize: f.gauge(
      "node_task_window_size",
      "Partitions the worker processes in parallel at most.",
      byWorker,
    ),
    queueActive: f.gauge(
      "node_task_queue_active_tasks",
      "Partitions in the worker's window now.",
      byWorker,
      function () {
        this.set(id, worker.stats().running);
      },
    ),
    activeProcessing: f.gauge(
      "node_tasks_active_processing",
      "Partitions handed to the processor and not yet ended.",
      byWorker,
    ),
    breakerState: f.gauge(
      "node_circuit_breaker_state",
      "The worker's circuit breaker: 0 closed, 1 open, 2 half-open.",
      byBreaker,
      function () {
        this.set(breaker, BREAKER_STATE_VALUES[worker.stats().breaker]);
      },
    ),
    tripped: f.counter(
      "node_circuit_breaker_tripped_total",
      "Times the worker's circuit breaker opened.",
      byBreaker,
    ),
  };
}

/** Partitions processed, items, errors and durations. */
function taskMetrics(f: MetricFactory) {
  const byWorker = BY_WORKER;
  return {
    processed: f.counter(
      "node_tasks_processed_total",
      "Partitions this worker completed (accepted by the cluster).",
      byWorker,
    ),
    items: f.counter(
      "node_tasks_processed_items_total",
      "Items this worker processed in the partitions it completed.",
      byWorker,
    ),
    errors: f.counter(
      "node_tasks_errors_total",
      "Partitions that ended in error: processor failures (retryable, fatal) and lost leases.",
      [...BY_WORKER, "error_type"],
    ),
    processingSeconds: f.histogram(
      "node_task_processing_duration_seconds",
      "From a partition's grant to the cluster's acceptance of its completion or failure.",
      byWorker,
      metricsTaskBucketsSeconds,
    ),
    processorSeconds: f.histogram(
      "node_task_processor_duration_seconds",
      "The processor's own run on one partition.",
      byWorker,
      metricsTaskBucketsSeconds,
    ),
  };
}
