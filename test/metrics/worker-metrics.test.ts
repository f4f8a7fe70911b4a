// Proves the worker metrics follow the worker's events and stats under the seed's names, every
// series labelled with the worker's namespace and id: the
// heartbeat timestamp and errors, node_info, the window, partitions in flight, completions with
// the items THIS worker processed, errors by type, both durations, and the breaker's state and
// trips.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { attachWorkerMetrics } from "../../src/metrics/index.js";
import type { WorkerStats } from "../../src/worker/worker.js";
import { FakeWorker } from "./fake-worker.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const worker = new FakeWorker();
  const clock = { wallMs: 1_700_000_000_000, monoMs: 0 };
  attachWorkerMetrics(registry, worker, {
    windowSize: 4,
    namespace: "batch",
    wallClockMs: () => clock.wallMs,
    monotonicMs: () => clock.monoMs,
  });
  return {
    registry,
    bus: worker.bus,
    clock,
    setStats: (change: Partial<WorkerStats>) => worker.set(change),
  };
}

const ref = (partitionId: number, fencingToken = 10) => ({
  planId: "p",
  partitionId,
  fencingToken,
});

describe("worker metrics", () => {
  it("exports node_info, the window, and the heartbeat timestamp and errors", async () => {
    const { registry, bus, clock } = setup();
    const w1 = { namespace: "batch", worker_id: "w1" };
    const info = await seriesOf(registry, `${P}node_info`);
    expect(Object.keys(info)).toEqual([
      expect.stringMatching(
        /^namespace=batch,node_version=v\d+\.\d+\.\d+,os_type=\w+,version=\d+\.\d+\.\d+,worker_id=w1$/,
      ),
    ]);
    expect(Object.values(info)).toEqual([1]);
    expect(await valueOf(registry, `${P}node_task_window_size`, w1)).toBe(4);
    bus.emit("registered", { workerId: "w1", leaseExpiresAtMs: 0 });
    clock.wallMs += 2_000;
    bus.emit("heartbeat", { leaseExpiresAtMs: 0, heldCount: 0 });
    expect(await valueOf(registry, `${P}node_heartbeat_timestamp_seconds`, w1)).toBe(1_700_000_002);
    bus.emit("call-failed", { operation: "heartbeat", code: "no_leader", message: "x" });
    bus.emit("call-failed", { operation: "acquire", code: "no_leader", message: "x" });
    expect(await valueOf(registry, `${P}node_heartbeat_errors_total`, w1)).toBe(1);
  });

  it("counts partitions from grant to end, items beyond what earlier holders did, and errors", async () => {
    const { registry, bus, clock, setStats } = setup();
    const w1 = { namespace: "batch", worker_id: "w1" };
    bus.emit("acquired", { ...ref(1), minId: 0, maxId: 99, processedCount: 40 });
    bus.emit("acquired", { ...ref(2), minId: 100, maxId: 199, processedCount: 0 });
    bus.emit("acquired", { ...ref(3), minId: 200, maxId: 299, processedCount: 0 });
    bus.emit("acquired", { ...ref(4), minId: 300, maxId: 399, processedCount: 0 });
    setStats({ running: 4 });
    expect(await valueOf(registry, `${P}node_tasks_active_processing`, w1)).toBe(4);
    expect(await valueOf(registry, `${P}node_task_queue_active_tasks`, w1)).toBe(4);
    clock.monoMs += 3_000;
    bus.emit("completed", { ...ref(1), processedCount: 100, durationMs: 2_000 });
    bus.emit("failed", { ...ref(2), error: "boom", retryable: true, durationMs: 50 });
    bus.emit("lease-lost", { ...ref(3), reason: "not-held" });
    bus.emit("released", { ...ref(4), reason: "drain" });
    expect(await valueOf(registry, `${P}node_tasks_active_processing`, w1)).toBe(0);
    expect(await valueOf(registry, `${P}node_tasks_processed_total`, w1)).toBe(1);
    expect(await valueOf(registry, `${P}node_tasks_processed_items_total`, w1)).toBe(60);
    expect(await seriesOf(registry, `${P}node_tasks_errors_total`)).toEqual({
      "error_type=retryable,namespace=batch,worker_id=w1": 1,
      "error_type=fatal,namespace=batch,worker_id=w1": 0,
      "error_type=lease_lost,namespace=batch,worker_id=w1": 1,
    });
    const processing = await seriesOf(registry, `${P}node_task_processing_duration_seconds`);
    expect(processing["le=2.5,namespace=batch,worker_id=w1"]).toBe(0);
    expect(processing["le=5,namespace=batch,worker_id=w1"]).toBe(2);
    const processor = await seriesOf(registry, `${P}node_task_processor_duration_seconds`);
    expect(processor["le=0.05,namespace=batch,worker_id=w1"]).toBe(1);
    expect(processor["le=2.5,namespace=batch,worker_id=w1"]).toBe(2);
  });

  it("reports the breaker's state and counts its trips", async () => {
    const { registry, bus, setStats } = setup();
    const labels = { namespace: "batch", worker_id: "w1", breaker_name: "partitions" };
    expect(await valueOf(registry, `${P}node_circuit_breaker_state`, labels)).toBe(0);
    setStats({ breaker: "open" });
    bus.emit("breaker-state", { state: "open", previous: "closed" });
    expect(await valueOf(registry, `${P}node_circuit_breaker_state`, labels)).toBe(1);
    setStats({ breaker: "half-open" });
    bus.emit("breaker-state", { state: "half-open", previous: "open" });
    expect(await valueOf(registry, `${P}node_circuit_breaker_state`, labels)).toBe(2);
    bus.emit("breaker-state", { state: "open", previous: "half-open" });
    expect(await valueOf(registry, `${P}node_circuit_breaker_tripped_total`, labels)).toBe(2);
  });
});
