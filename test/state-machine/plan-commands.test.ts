// Proves the plan commands: CreatePlan cuts the range (the last partition takes the remainder),
// applies defaults, is idempotent for a client-chosen id and refuses a reuse with other
// parameters; Pause/Resume/Cancel move through their states with the documented rejections;
// RetryFailed brings failed partitions back; a plan completes exactly when all is done.
import { describe, expect, it } from "vitest";
import { maxAttemptsDefault, partitionLeaseTtlMs } from "../../src/constants.js";
import { getPartition, getPlan, listPartitions } from "../../src/state-machine/index.js";
import { Driver, setup } from "./driver.js";

describe("CreatePlan", () => {
  const create = {
    type: "CreatePlan",
    planId: "x",
    minId: 0,
    maxId: 99,
    partitionSize: 10,
  } as const;

  it("cuts minId..maxId into partitionSize pieces, the last one taking the remainder", () => {
    const driver = new Driver();
    const result = driver.ok({
      type: "CreatePlan",
      planId: "x",
      minId: 5,
      maxId: 29,
      partitionSize: 7,
    });
    expect(result).toMatchObject({
      planId: "x",
      partitionCount: 4,
      created: true,
      duplicate: false,
    });
    const ranges = listPartitions(driver.state, { planId: "x" }).items.map((p) => [
      p.minId,
      p.maxId,
    ]);
    expect(ranges).toEqual([
      [5, 11],
      [12, 18],
      [19, 25],
      [26, 29],
    ]);
  });

  it("fills in the documented defaults", () => {
    const driver = new Driver();
    driver.ok({ type: "CreatePlan", planId: "x", minId: 0, maxId: 0, partitionSize: 1 });
    expect(getPlan(driver.state, "x")).toMatchObject({
      namespace: "default",
      name: "x",
      priority: 0,
      maxAttempts: maxAttemptsDefault,
      partitionLeaseTtlMs,
      options: {},
      status: "active",
      closed: true,
      createdAtMs: driver.nowMs,
      counts: { pending: 1, claimed: 0, running: 0, completed: 0, failed: 0 },
    });
  });

  it("names a plan without an id after its log index", () => {
    const driver = new Driver();
    driver.run({ type: "Heartbeat", workerId: "nobody" });
    const result = driver.ok({ type: "CreatePlan", minId: 0, maxId: 9, partitionSize: 5 });
    expect(result.planId).toBe("p2");
  });

  it("is idempotent for the same planId and parameters, options compared canonically", () => {
    const driver = new Driver();
    driver.ok({ ...create, options: { a: 1, b: [2, { c: 3, d: 4 }] } });
    const again = driver.ok({ ...create, options: { b: [2, { d: 4, c: 3 }], a: 1 } });
    expect(again).toMatchObject({ planId: "x", partitionCount: 10, created: false });
    const withDefaultsSpelledOut = driver.ok({
      ...create,
      options: { a: 1, b: [2, { c: 3, d: 4 }] },
      priority: 0,
    });
    expect(withDefaultsSpelledOut.created).toBe(false);
  });

  it("refuses the same planId with other parameters (conflict)", () => {
    const driver = new Driver();
    driver.ok(create);
    driver.rejects({ ...create, maxId: 100 }, "conflict");
    driver.rejects({ ...create, options: { a: 1 } }, "conflict");
    driver.rejects({ ...create, namespace: "other" }, "conflict");
  });

  it("keeps options as frozen JSON", () => {
    const driver = new Driver();
    const options = { batch: { size: 5 } };
    driver.ok({ type: "CreatePlan", planId: "x", minId: 0, maxId: 9, partitionSize: 5, options });
    options.batch.size = 6;
    const stored = getPlan(driver.state, "x")?.options as { batch: { size: number } };
    expect(stored.batch.size).toBe(5);
    expect(Object.isFrozen(stored.batch)).toBe(true);
  });
});

describe("PausePlan, ResumePlan, CancelPlan", () => {
  it("pause stops grants, resume restarts them; repeating either is invalid_state", () => {
    const driver = setup(3, ["w1"]);
    driver.ok({ type: "PausePlan", planId: "plan" });
    driver.rejects({ type: "PausePlan", planId: "plan" }, "invalid_state");
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted).toEqual([]);
    driver.ok({ type: "ResumePlan", planId: "plan" });
    driver.rejects({ type: "ResumePlan", planId: "plan" }, "invalid_state");
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted).toHaveLength(
      2,
    );
  });

  it("a paused plan still accepts work in flight", () => {
    const driver = setup(1, ["w1"]);
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    driver.ok({ type: "PausePlan", planId: "plan" });
    const done = driver.ok({
      type: "CompletePartition",
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken: grant!.fencingToken,
    });
    expect(done.planStatus).toBe("completed");
  });

  it("cancel takes held partitions back uncharged and is final", () => {
    const driver = setup(3, ["w1"]);
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    const cancelled = driver.ok({ type: "CancelPlan", planId: "plan" });
    expect(cancelled).toMatchObject({ planStatus: "cancelled", releasedCount: 1 });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "pending",
      workerId: null,
      attempts: 0,
      expiries: 0,
    });
    const report = {
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken: grant!.fencingToken,
    };
    driver.rejects({ type: "CompletePartition", ...report }, "not_holder");
    for (const type of ["PausePlan", "ResumePlan", "CancelPlan", "RetryFailed"]) {
      driver.rejects({ type, planId: "plan" }, "plan_not_active");
    }
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 3 }).granted).toEqual([]);
  });

  it("unknown plans are not_found", () => {
    const driver = new Driver();
    for (const type of ["PausePlan", "ResumePlan", "CancelPlan", "RetryFailed"]) {
      driver.rejects({ type, planId: "ghost" }, "not_found");
    }
  });
});

describe("RetryFailed", () => {
  function withFailures() {
    const driver = setup(3, ["w1"]);
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 3 }).granted;
    for (const grant of grants.slice(0, 2)) {
      const fail = {
        type: "FailPartition",
        planId: "plan",
        partitionId: grant.partitionId,
        workerId: "w1",
        fencingToken: grant.fencingToken,
        error: "bad row",
        retryable: false,
      } as const;
      expect(driver.ok(fail).partitionStatus).toBe("failed");
    }
    return driver;
  }

  it("moves every failed partition back to pending with counters reset", () => {
    const driver = withFailures();
    expect(driver.ok({ type: "RetryFailed", planId: "plan" }).retriedCount).toBe(2);
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "pending",
      attempts: 0,
      lastError: null,
      workerId: null,
    });
    expect(getPlan(driver.state, "plan")?.counts).toMatchObject({
      pending: 2,
      claimed: 1,
      failed: 0,
    });
    expect(
      driver
        .ok({ type: "AcquirePartitions", workerId: "w1", max: 3 })
        .granted.map((g) => g.partitionId),
    ).toEqual([0, 1]);
  });

  it("moves only the listed ones, each of which must exist and be failed", () => {
    const driver = withFailures();
    driver.rejects({ type: "RetryFailed", planId: "plan", partitionIds: [7] }, "not_found");
    driver.rejects({ type: "RetryFailed", planId: "plan", partitionIds: [1, 2] }, "invalid_state");
    expect(driver.ok({ type: "RetryFailed", planId: "plan", partitionIds: [1] }).retriedCount).toBe(
      1,
    );
    expect(getPartition(driver.state, "plan", 0)?.status).toBe("failed");
  });

  it("failed partitions keep a plan from completing until retried and completed", () => {
    const driver = setup(2, ["w1"]);
    const [a, b] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted;
    const report = (g: typeof a) => ({
      planId: "plan",
      partitionId: g!.partitionId,
      workerId: "w1",
      fencingToken: g!.fencingToken,
    });
    driver.ok({ type: "FailPartition", ...report(a), error: "x", retryable: false });
    expect(driver.ok({ type: "CompletePartition", ...report(b) }).planStatus).toBe("active");
    driver.ok({ type: "RetryFailed", planId: "plan" });
    const [again] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    expect(driver.ok({ type: "CompletePartition", ...report(again) }).planStatus).toBe("completed");
    driver.rejects({ type: "RetryFailed", planId: "plan" }, "plan_not_active");
  });
});
