// Proves the fenced partition commands (docs/state-machine.md): progress, complete, fail and
// release are accepted only from the current holder, within its lease, under the current token —
// every rejection path with its status — plus retry backoff and attempts, and PreemptPartition's
// conditions (expired holder or stalled progress) and outcomes.
import { describe, expect, it } from "vitest";
import {
  leaseExpiriesFreeMax,
  partitionLeaseTtlMs,
  retryBackoffMsBase,
  workerLeaseTtlMs,
} from "../../src/constants.js";
import { getPartition, getPlan, getWorker, retryBackoffMs } from "../../src/state-machine/index.js";
import { Driver, reportOn, setup } from "./driver.js";

/** A driver where w1 holds partition 0 (and w2 is idle); returns the report fields. */
function held(windowSize = 4) {
  const driver = setup(3, ["w1", "w2"], windowSize);
  const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
  return { driver, report: reportOn(grant, "w1") };
}

const REPORTS = [
  { type: "ReportProgress", checkpointId: 3, processedCount: 4 },
  { type: "CompletePartition" },
  { type: "FailPartition", error: "boom", retryable: true },
  { type: "ReleasePartition" },
] as const;

describe.each(REPORTS)("$type rejections", (extra) => {
  it("unknown plan, partition or worker: not_found", () => {
    const { driver, report } = held();
    driver.rejects({ ...report, ...extra, planId: "ghost" }, "not_found");
    driver.rejects({ ...report, ...extra, partitionId: 3 }, "not_found");
    driver.rejects({ ...report, ...extra, workerId: "ghost" }, "not_found");
  });

  it("the worker's lease ran out: lease_expired", () => {
    const { driver, report } = held();
    driver.advance(workerLeaseTtlMs);
    driver.rejects({ ...report, ...extra }, "lease_expired");
  });

  it("the plan is cancelled: not_holder (cancelling released it), never plan_not_active", () => {
    const { driver, report } = held();
    driver.ok({ type: "CancelPlan", planId: "plan" });
    const refused = driver.rejects({ ...report, ...extra }, "not_holder");
    expect(refused.detail).toContain("the plan is cancelled");
  });

  it("another worker, or nobody, holds it: not_holder", () => {
    const { driver, report } = held();
    driver.rejects({ ...report, ...extra, workerId: "w2" }, "not_holder");
    driver.rejects({ ...report, ...extra, partitionId: 1 }, "not_holder");
  });

  it("an older token after a re-grant to the same worker: stale_fencing_token", () => {
    const { driver, report } = held();
    driver.ok({ type: "ReleasePartition", ...report });
    const [again] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    expect(again!.partitionId).toBe(0);
    driver.rejects({ ...report, ...extra }, "stale_fencing_token");
    driver.rejects(
      { ...report, ...extra, fencingToken: again!.fencingToken + 1 },
      "stale_fencing_token",
    );
  });
});

describe("ReportProgress", () => {
  it("marks the partition running, records the checkpoint and moves the progress deadline", () => {
    const { driver, report } = held();
    driver.advance(100);
    const result = driver.ok({
      type: "ReportProgress",
      ...report,
      checkpointId: 3,
      processedCount: 4,
    });
    expect(result.progressDeadlineAtMs).toBe(driver.nowMs + partitionLeaseTtlMs);
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "running",
      checkpointId: 3,
      processedCount: 4,
      updatedAtMs: driver.nowMs,
    });
    expect(getPlan(driver.state, "plan")).toMatchObject({
      processedCount: 4,
      counts: { running: 1, claimed: 0 },
    });
  });

  it("refuses a checkpoint outside the partition (invalid_request) or going back (conflict)", () => {
    const { driver, report } = held();
    driver.rejects(
      { type: "ReportProgress", ...report, checkpointId: 10, processedCount: 1 },
      "invalid_request",
    );
    driver.ok({ type: "ReportProgress", ...report, checkpointId: 5, processedCount: 6 });
    driver.rejects(
      { type: "ReportProgress", ...report, checkpointId: 4, processedCount: 6 },
      "conflict",
    );
    driver.rejects(
      { type: "ReportProgress", ...report, checkpointId: 6, processedCount: 5 },
      "conflict",
    );
    // Both wrong: invalid_request comes first in ApplyStatus precedence.
    driver.rejects(
      { type: "ReportProgress", ...report, checkpointId: 10, processedCount: 5 },
      "invalid_request",
    );
  });
});

describe("CompletePartition", () => {
  it("completes under the current token, records the final count, frees the window", () => {
    const { driver, report } = held(1);
    const done = driver.ok({ type: "CompletePartition", ...report, processedCount: 10 });
    expect(done).toMatchObject({ planId: "plan", partitionId: 0, planStatus: "active" });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "completed",
      workerId: "w1",
      checkpointId: 9,
      processedCount: 10,
      leaseExpiresAtMs: null,
      progressDeadlineAtMs: null,
    });
    expect(getPlan(driver.state, "plan")).toMatchObject({ progress: 1 / 3, processedCount: 10 });
    expect(driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted).toHaveLength(
      1,
    );
    driver.rejects({ type: "CompletePartition", ...report }, "not_holder");
  });

  it("a stale holder's completion is not_holder whether or not the plan has completed since", () => {
    const { driver, report } = held();
    // Both leases end, partition 0 goes back to pending, and both workers register again.
    driver.advance(workerLeaseTtlMs);
    driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
    for (const workerId of ["w1", "w2"]) driver.ok({ type: "RegisterWorker", workerId });
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 3 }).granted;
    expect(grants.map((g) => g.partitionId).sort()).toEqual([0, 1, 2]);
    const stale = { type: "CompletePartition", ...report };
    expect(driver.rejects(stale, "not_holder").detail).not.toContain("the plan is");
    for (const grant of grants) driver.ok({ type: "CompletePartition", ...reportOn(grant, "w2") });
    expect(getPlan(driver.state, "plan")?.status).toBe("completed");
    expect(driver.rejects(stale, "not_holder").detail).toContain("the plan is completed");
  });

  it("refuses a final count below what was reported (conflict)", () => {
    const { driver, report } = held();
    driver.ok({ type: "ReportProgress", ...report, checkpointId: 5, processedCount: 6 });
    driver.rejects({ type: "CompletePartition", ...report, processedCount: 5 }, "conflict");
  });
});

describe("FailPartition", () => {
  it("retryable failures back off exponentially until maxAttempts, then fail for good", () => {
    const driver = new Driver();
    driver.ok({ type: "RegisterWorker", workerId: "w1" });
    driver.ok({
      type: "CreatePlan",
      planId: "x",
      minId: 0,
      maxId: 0,
      partitionSize: 1,
      maxAttempts: 3,
    });
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
      const result = driver.ok({
        type: "FailPartition",
        planId: "x",
        partitionId: 0,
        workerId: "w1",
        fencingToken: grant!.fencingToken,
        error: `try ${attempt}`,
        retryable: true,
      });
      expect(result.attempts).toBe(attempt);
      if (attempt < 3) {
        expect(result).toMatchObject({
          partitionStatus: "pending",
          notBeforeMs: driver.nowMs + retryBackoffMs(attempt),
        });
        driver.advance(retryBackoffMs(attempt));
      } else {
        expect(result).toMatchObject({ partitionStatus: "failed", notBeforeMs: null });
      }
    }
    expect(retryBackoffMs(2)).toBe(2 * retryBackoffMsBase);
    expect(getPartition(driver.state, "x", 0)).toMatchObject({
      status: "failed",
      workerId: "w1",
      lastError: "try 3",
      attempts: 3,
    });
  });

  it("a non-retryable failure fails at once", () => {
    const { driver, report } = held();
    expect(
      driver.ok({ type: "FailPartition", ...report, error: "corrupt", retryable: false }),
    ).toMatchObject({ partitionStatus: "failed", attempts: 1 });
  });
});

describe("ReleasePartition", () => {
  it("hands the partition back uncharged, grantable at once", () => {
    const { driver, report } = held();
    driver.ok({ type: "ReleasePartition", ...report });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "pending",
      workerId: null,
      attempts: 0,
      notBeforeMs: null,
    });
    expect(getWorker(driver.state, "w1")?.held).toEqual([]);
  });
});

describe("PreemptPartition", () => {
  const preempt = {
    type: "PreemptPartition",
    planId: "plan",
    partitionId: 0,
    byWorkerId: "w2",
  } as const;

  /** Lets the progress deadline pass while both workers keep their leases by heartbeats. */
  function stall(driver: Driver) {
    for (let waitedMs = 0; waitedMs < partitionLeaseTtlMs; waitedMs += workerLeaseTtlMs / 2) {
      driver.advance(workerLeaseTtlMs / 2);
      driver.ok({ type: "Heartbeat", workerId: "w1" });
      driver.ok({ type: "Heartbeat", workerId: "w2" });
    }
  }

  it("refuses while the holder is live and within its progress deadline (conflict)", () => {
    const { driver } = held();
    driver.rejects(preempt, "conflict");
  });

  it("takes a partition whose progress stalled, with a new token; the old holder is fenced out", () => {
    const { driver, report } = held();
    stall(driver);
    const result = driver.ok(preempt);
    expect(result).toMatchObject({
      previousWorkerId: "w1",
      grant: { planId: "plan", partitionId: 0, fencingToken: driver.index },
    });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "claimed",
      workerId: "w2",
      expiries: 1,
      attempts: 0,
    });
    expect(getWorker(driver.state, "w1")?.held).toEqual([]);
    driver.rejects({ type: "CompletePartition", ...report }, "not_holder");
  });

  it("takes a partition whose holder's lease ran out before ExpireLeases did", () => {
    const { driver } = held();
    driver.advance(workerLeaseTtlMs);
    driver.ok({ type: "Heartbeat", workerId: "w2" }, { at: driver.nowMs - 1 });
    expect(driver.ok(preempt).previousWorkerId).toBe("w1");
  });

  it("charges expiries past the free ones, and fails the partition when they exhaust its attempts", () => {
    const driver = new Driver();
    driver.ok({
      type: "CreatePlan",
      planId: "plan",
      minId: 0,
      maxId: 0,
      partitionSize: 1,
      maxAttempts: 1,
    });
    driver.ok({ type: "RegisterWorker", workerId: "w1" });
    driver.ok({ type: "RegisterWorker", workerId: "w2" });
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    for (let expiries = 1; expiries <= leaseExpiriesFreeMax; expiries++) {
      stall(driver);
      const byWorkerId = expiries % 2 === 1 ? "w2" : "w1";
      expect(driver.ok({ ...preempt, byWorkerId }).grant?.fencingToken).toBe(driver.index);
      expect(getPartition(driver.state, "plan", 0)).toMatchObject({ expiries, attempts: 0 });
    }
    stall(driver);
    const byWorkerId = leaseExpiriesFreeMax % 2 === 0 ? "w2" : "w1";
    expect(driver.ok({ ...preempt, byWorkerId }).grant).toBeNull();
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "failed",
      attempts: 1,
      expiries: leaseExpiriesFreeMax + 1,
      lastError: `lease lost ${leaseExpiriesFreeMax + 1} times`,
    });
  });

  it("rejections: not_found, lease_expired, plan_not_active, invalid_state, conflict", () => {
    const { driver } = held(2);
    driver.rejects({ ...preempt, planId: "ghost" }, "not_found");
    driver.rejects({ ...preempt, partitionId: 9 }, "not_found");
    driver.rejects({ ...preempt, byWorkerId: "ghost" }, "not_found");
    driver.ok({ type: "RegisterWorker", workerId: "etl", namespace: "etl" });
    driver.rejects({ ...preempt, byWorkerId: "etl" }, "not_found");
    driver.rejects({ ...preempt, partitionId: 1 }, "invalid_state");
    driver.rejects({ ...preempt, byWorkerId: "w1" }, "conflict");
    stall(driver);
    driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 2 });
    driver.rejects(preempt, "invalid_state");
    driver.ok({ type: "Heartbeat", workerId: "w2", draining: true });
    driver.rejects(preempt, "invalid_state");
    driver.ok({ type: "PausePlan", planId: "plan" });
    driver.rejects(preempt, "plan_not_active");
    driver.advance(workerLeaseTtlMs);
    driver.rejects(preempt, "lease_expired");
  });
});
