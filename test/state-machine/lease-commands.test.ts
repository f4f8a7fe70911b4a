// Proves lease expiry and leader change: ExpireLeases expires exactly the workers whose lease
// ended, in lease order, returning their partitions under the expiry rule (free expiries, then
// charged ones, then failure — a partition that kills its workers cannot loop); LeaderChanged
// extends every live lease and progress deadline by the grace and refuses an older term;
// nextLeaseExpiryAtMs tells the leader when to propose ExpireLeases; expired workers are bounded.
import { describe, expect, it } from "vitest";
import {
  expiredWorkersMax,
  leaseExpiriesFreeMax,
  retryBackoffMsBase,
  workerLeaseTtlMs,
} from "../../src/constants.js";
import {
  getPartition,
  getWorker,
  listWorkers,
  nextLeaseExpiryAtMs,
  stateClock,
} from "../../src/state-machine/index.js";
import { Driver, setup } from "./driver.js";

describe("ExpireLeases", () => {
  it("expires exactly the workers whose lease ended, by lease end then id, and frees their partitions", () => {
    const driver = setup(4, []);
    driver.ok({ type: "RegisterWorker", workerId: "b", leaseTtlMs: 2_000 });
    driver.ok({ type: "RegisterWorker", workerId: "a", leaseTtlMs: 2_000 });
    driver.ok({ type: "RegisterWorker", workerId: "early", leaseTtlMs: 1_000 });
    driver.ok({ type: "RegisterWorker", workerId: "late", leaseTtlMs: 5_000 });
    driver.ok({ type: "AcquirePartitions", workerId: "a", max: 2 });
    expect(nextLeaseExpiryAtMs(driver.state)).toBe(driver.nowMs + 1_000);
    const result = driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs + 2_000 });
    expect(result).toMatchObject({
      expiredWorkerIds: ["early", "a", "b"],
      releasedCount: 2,
      failedCount: 0,
    });
    expect(getWorker(driver.state, "a")).toMatchObject({ status: "expired", held: [] });
    expect(getPartition(driver.state, "plan", 0)).toMatchObject({
      status: "pending",
      workerId: null,
      expiries: 1,
      attempts: 0,
      notBeforeMs: null,
    });
    expect(nextLeaseExpiryAtMs(driver.state)).toBe(driver.nowMs + 5_000);
    expect(stateClock(driver.state).nowMs).toBe(driver.nowMs + 2_000);
  });

  it("expires nobody while every lease lasts", () => {
    const driver = setup(1, ["w1"]);
    expect(
      driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs + workerLeaseTtlMs - 1 })
        .expiredWorkerIds,
    ).toEqual([]);
    expect(getWorker(driver.state, "w1")?.status).toBe("active");
  });

  it("forgives the first expiries, charges later ones with backoff, and fails the partition at maxAttempts", () => {
    const driver = new Driver();
    driver.ok({
      type: "CreatePlan",
      planId: "poison",
      minId: 0,
      maxId: 0,
      partitionSize: 1,
      maxAttempts: 2,
    });
    const outcomes: unknown[] = [];
    for (let round = 1; round <= leaseExpiriesFreeMax + 2; round++) {
      const workerId = `victim${round}`;
      driver.ok({ type: "RegisterWorker", workerId });
      const granted = driver.ok({ type: "AcquirePartitions", workerId, max: 1 }).granted;
      expect(granted).toHaveLength(1);
      driver.advance(workerLeaseTtlMs);
      const result = driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
      const { status, attempts, expiries, notBeforeMs } = getPartition(driver.state, "poison", 0)!;
      const { releasedCount, failedCount } = result;
      outcomes.push({ releasedCount, failedCount, status, attempts, expiries, notBeforeMs });
      driver.advance(retryBackoffMsBase * 4);
    }
    const free = leaseExpiriesFreeMax;
    expect(outcomes.slice(0, free)).toEqual(
      Array.from({ length: free }, (_, k) =>
        expect.objectContaining({
          status: "pending",
          attempts: 0,
          expiries: k + 1,
          notBeforeMs: null,
          releasedCount: 1,
        }),
      ),
    );
    expect(outcomes[free]).toEqual(
      expect.objectContaining({
        status: "pending",
        attempts: 1,
        expiries: free + 1,
        notBeforeMs: expect.any(Number),
      }),
    );
    expect(outcomes[free + 1]).toEqual(
      expect.objectContaining({
        status: "failed",
        attempts: 2,
        expiries: free + 2,
        failedCount: 1,
        releasedCount: 0,
      }),
    );
    expect(getPartition(driver.state, "poison", 0)?.lastError).toBe(`lease lost ${free + 2} times`);
  });

  it("remembers at most expiredWorkersMax expired workers, forgetting the longest-expired first", () => {
    const driver = new Driver();
    const count = expiredWorkersMax + 2;
    for (let k = 0; k < count; k++) {
      driver.ok({
        type: "RegisterWorker",
        workerId: `w${String(k).padStart(5, "0")}`,
        leaseTtlMs: 1_000 + k,
      });
    }
    driver.advance(1_000 + count);
    driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
    const expired = listWorkers(driver.state, { status: "expired", limit: 1_000 });
    expect(expired.items).toHaveLength(1_000);
    expect(getWorker(driver.state, "w00000")).toBeUndefined();
    expect(getWorker(driver.state, "w00001")).toBeUndefined();
    expect(getWorker(driver.state, "w00002")?.status).toBe("expired");
  });
});

describe("LeaderChanged", () => {
  it("extends every live lease and progress deadline to at least now + graceMs", () => {
    const driver = setup(2, ["w1"]);
    driver.ok({ type: "RegisterWorker", workerId: "long", leaseTtlMs: 600_000 });
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    driver.advance(workerLeaseTtlMs + 500); // the election outlived w1's lease
    const result = driver.ok({
      type: "LeaderChanged",
      term: 3,
      nowMs: driver.nowMs,
      graceMs: 2_000,
    });
    expect(result).toMatchObject({ term: 3, extendedCount: 1 });
    expect(getWorker(driver.state, "w1")?.leaseExpiresAtMs).toBe(driver.nowMs + 2_000);
    expect(getPartition(driver.state, "plan", 0)?.leaseExpiresAtMs).toBe(driver.nowMs + 2_000);
    expect(
      driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs + 1_999 }).expiredWorkerIds,
    ).toEqual([]);
    expect(driver.ok({ type: "Heartbeat", workerId: "w1" }).held).toHaveLength(1);
  });

  it("does not revive expired workers", () => {
    const driver = setup(1, ["w1"]);
    driver.advance(workerLeaseTtlMs);
    driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
    driver.ok({ type: "LeaderChanged", term: 2, nowMs: driver.nowMs, graceMs: 5_000 });
    expect(getWorker(driver.state, "w1")?.status).toBe("expired");
  });

  it("refuses a term older than one already announced (conflict); the same term is accepted", () => {
    const driver = setup(1, ["w1"]);
    driver.ok({ type: "LeaderChanged", term: 5, nowMs: driver.nowMs, graceMs: 0 });
    driver.ok({ type: "LeaderChanged", term: 5, nowMs: driver.nowMs, graceMs: 0 });
    driver.rejects(
      { type: "LeaderChanged", term: 4, nowMs: driver.nowMs, graceMs: 9_000 },
      "conflict",
    );
    expect(stateClock(driver.state).leaderTerm).toBe(5);
  });
});
