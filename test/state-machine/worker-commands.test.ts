// Proves the worker commands: registration and re-registration (live, lapsed, expired, other
// namespace), heartbeats that renew leases and report holdings, acquisition in priority / age /
// partition-id order within the worker's namespace and window with retry backoff respected, and
// deregistration that hands everything back uncharged.
import { describe, expect, it } from "vitest";
import { retryBackoffMsBase, windowSizeDefault, workerLeaseTtlMs } from "../../src/constants.js";
import { getPartition, getWorker, nextLeaseExpiryAtMs } from "../../src/state-machine/index.js";
import { Driver, reportOn, setup } from "./driver.js";

const plan = (planId: string, extra: object = {}) =>
  ({ type: "CreatePlan", planId, minId: 0, maxId: 29, partitionSize: 10, ...extra }) as const;

describe("RegisterWorker", () => {
  it("registers with defaults and a lease of leaseTtlMs", () => {
    const driver = new Driver();
    const result = driver.ok({
      type: "RegisterWorker",
      workerId: "w1",
      meta: { host: "h1", pid: 7 },
    });
    expect(result).toMatchObject({
      workerId: "w1",
      leaseExpiresAtMs: driver.nowMs + workerLeaseTtlMs,
      releasedCount: 0,
    });
    expect(getWorker(driver.state, "w1")).toMatchObject({
      namespace: "default",
      meta: { host: "h1", pid: 7 },
      windowSize: windowSizeDefault,
      leaseTtlMs: workerLeaseTtlMs,
      registeredAtMs: driver.nowMs,
      status: "active",
      held: [],
    });
    expect(nextLeaseExpiryAtMs(driver.state)).toBe(driver.nowMs + workerLeaseTtlMs);
  });

  it("re-registering a live worker keeps its partitions and updates its settings", () => {
    const driver = setup(2, ["w1"]);
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    driver.advance(1_000);
    const again = driver.ok({
      type: "RegisterWorker",
      workerId: "w1",
      windowSize: 9,
      leaseTtlMs: 20_000,
    });
    expect(again.releasedCount).toBe(0);
    expect(getWorker(driver.state, "w1")).toMatchObject({
      windowSize: 9,
      leaseTtlMs: 20_000,
      held: [{ partitionId: 0 }],
    });
    expect(again.leaseExpiresAtMs).toBe(driver.nowMs + 20_000);
  });

  it("refuses a live worker moving to another namespace (conflict)", () => {
    const driver = setup(1, ["w1"]);
    driver.rejects({ type: "RegisterWorker", workerId: "w1", namespace: "etl" }, "conflict");
  });

  it("a worker whose lease ran out loses its partitions (an expiry) and starts afresh", () => {
    const driver = setup(2, ["w1"]);
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 });
    driver.advance(workerLeaseTtlMs);
    const again = driver.ok({ type: "RegisterWorker", workerId: "w1", namespace: "etl" });
    expect(again.releasedCount).toBe(2);
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({ status: "pending", expiries: 1 });
    expect(getWorker(driver.state, "w1")).toMatchObject({
      namespace: "etl",
      status: "active",
      held: [],
      registeredAtMs: driver.nowMs,
    });
  });

  it("an expired worker registers again from nothing", () => {
    const driver = setup(1, ["w1"]);
    driver.advance(workerLeaseTtlMs);
    driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
    expect(getWorker(driver.state, "w1")?.status).toBe("expired");
    expect(driver.ok({ type: "RegisterWorker", workerId: "w1" }).releasedCount).toBe(0);
    expect(getWorker(driver.state, "w1")?.status).toBe("active");
  });
});

describe("Heartbeat", () => {
  it("renews the lease (never shortening it) and lists what the worker holds", () => {
    const driver = setup(3, ["w1"]);
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted;
    driver.advance(4_000);
    const beat = driver.ok({ type: "Heartbeat", workerId: "w1" });
    expect(beat.leaseExpiresAtMs).toBe(driver.nowMs + workerLeaseTtlMs);
    expect(beat.held).toEqual(
      grants.map(({ planId, partitionId, fencingToken }) => ({
        planId,
        partitionId,
        fencingToken,
      })),
    );
    expect(getPartition(driver.state, "plan", 0)?.leaseExpiresAtMs).toBe(beat.leaseExpiresAtMs);
    const late = driver.ok({ type: "Heartbeat", workerId: "w1" }, { at: driver.nowMs - 3_000 });
    expect(late.leaseExpiresAtMs).toBe(beat.leaseExpiresAtMs);
  });

  it("after the lease ran out the worker may no longer act (lease_expired), even before ExpireLeases", () => {
    const driver = setup(1, ["w1"]);
    driver.advance(workerLeaseTtlMs);
    driver.rejects({ type: "Heartbeat", workerId: "w1" }, "lease_expired");
    driver.rejects({ type: "AcquirePartitions", workerId: "w1", max: 1 }, "lease_expired");
  });

  it("draining keeps what is held but acquires nothing more", () => {
    const driver = setup(3, ["w1"]);
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    expect(driver.ok({ type: "Heartbeat", workerId: "w1", draining: true })).toMatchObject({
      workerStatus: "draining",
      held: [{ partitionId: 0 }],
    });
    driver.rejects({ type: "AcquirePartitions", workerId: "w1", max: 1 }, "invalid_state");
    expect(driver.ok({ type: "Heartbeat", workerId: "w1" }).workerStatus).toBe("draining");
  });

  it("unknown workers are not_found", () => {
    new Driver().rejects({ type: "Heartbeat", workerId: "ghost" }, "not_found");
  });
});

describe("AcquirePartitions", () => {
  it("grants by plan priority (high first), then plan age, then partition id", () => {
    const driver = new Driver();
    driver.ok(plan("old"));
    driver.ok(plan("young"));
    driver.ok(plan("urgent", { priority: 5 }));
    driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 9 });
    const granted = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 7 }).granted;
    expect(granted.map((g) => `${g.planId}/${g.partitionId}`)).toEqual([
      "urgent/0",
      "urgent/1",
      "urgent/2",
      "old/0",
      "old/1",
      "old/2",
      "young/0",
    ]);
    expect(new Set(granted.map((g) => g.fencingToken))).toEqual(new Set([driver.index]));
    expect(granted[3]).toEqual({
      planId: "old",
      partitionId: 0,
      minId: 0,
      maxId: 9,
      fencingToken: driver.index,
      checkpointId: null,
      processedCount: 0,
      attempts: 0,
    });
  });

  it("grants at most the free window and renews the lease", () => {
    const driver = setup(9, ["w1"], 3);
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted).toHaveLength(
      2,
    );
    driver.advance(500);
    const second = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 5 });
    expect(second.granted).toHaveLength(1);
    expect(second.leaseExpiresAtMs).toBe(driver.nowMs + workerLeaseTtlMs);
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 5 }).granted).toEqual([]);
  });

  it("grants only plans of the worker's namespace; a different namespace argument is invalid_request", () => {
    const driver = new Driver();
    driver.ok(plan("etl-plan", { namespace: "etl" }));
    driver.ok(plan("default-plan"));
    driver.ok({ type: "RegisterWorker", workerId: "w1", namespace: "etl" });
    const granted = driver.ok({
      type: "AcquirePartitions",
      workerId: "w1",
      max: 4,
      namespace: "etl",
    }).granted;
    expect(granted.map((g) => g.planId)).toEqual(["etl-plan", "etl-plan", "etl-plan"]);
    driver.rejects(
      { type: "AcquirePartitions", workerId: "w1", max: 1, namespace: "default" },
      "invalid_request",
    );
  });

  it("waits out a retry backoff, then grants the lowest partition id first", () => {
    const driver = setup(2, ["w1"]);
    const [first] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    const failed = driver.ok({
      type: "FailPartition",
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken: first!.fencingToken,
      error: "timeout",
      retryable: true,
    });
    expect(failed).toMatchObject({
      partitionStatus: "pending",
      attempts: 1,
      notBeforeMs: driver.nowMs + retryBackoffMsBase,
    });
    expect(
      driver
        .ok({ type: "AcquirePartitions", workerId: "w1", max: 1 })
        .granted.map((g) => g.partitionId),
    ).toEqual([1]);
    driver.advance(retryBackoffMsBase - 1);
    driver.ok({ type: "RegisterWorker", workerId: "w2" });
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 1 }).granted).toEqual([]);
    driver.advance(1);
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 1 }).granted).toEqual([
      expect.objectContaining({ partitionId: 0, attempts: 1, fencingToken: driver.index }),
    ]);
  });

  it("a re-granted partition resumes from its checkpoint with a new token", () => {
    const driver = setup(1, ["w1", "w2"]);
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    const report = reportOn(grant, "w1");
    driver.ok({ type: "ReportProgress", ...report, checkpointId: 4, processedCount: 5 });
    driver.ok({ type: "ReleasePartition", ...report });
    const [again] = driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 1 }).granted;
    expect(again).toMatchObject({ checkpointId: 4, processedCount: 5, attempts: 0 });
    expect(again!.fencingToken).toBeGreaterThan(grant!.fencingToken);
  });
});

describe("DeregisterWorker", () => {
  it("removes the worker and hands its partitions back uncharged", () => {
    const driver = setup(3, ["w1"]);
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 });
    expect(driver.ok({ type: "DeregisterWorker", workerId: "w1" }).releasedCount).toBe(2);
    expect(getWorker(driver.state, "w1")).toBeUndefined();
    expect(getPartition(driver.state, "plan", 1)).toMatchObject({
      status: "pending",
      workerId: null,
      attempts: 0,
      expiries: 0,
    });
    expect(nextLeaseExpiryAtMs(driver.state)).toBeNull();
    driver.rejects({ type: "DeregisterWorker", workerId: "w1" }, "not_found");
  });

  it("a partition the worker completed keeps naming it", () => {
    const driver = setup(2, ["w1"]);
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    driver.ok({
      type: "CompletePartition",
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken: grant!.fencingToken,
    });
    driver.ok({ type: "DeregisterWorker", workerId: "w1" });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "completed",
      workerId: "w1",
    });
  });
});
