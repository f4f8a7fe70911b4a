// Proves the queries: plan summaries (counts by status, processed count, progress), partition
// lists filtered by plan/status/worker with a cursor that stays stable while the state changes,
// plan and worker pages, gaps exact at both ends, and typed errors for bad paging arguments.
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import {
  getPartition,
  getPlan,
  grantableAtMs,
  listPartitions,
  listPlans,
  listWorkers,
  planGaps,
} from "../../src/state-machine/index.js";
import type { PartitionView } from "../../src/state-machine/index.js";
import { Driver, reportOn, setup } from "./driver.js";

/** Completes the listed partitions of plan "plan" through worker w1. */
function complete(driver: Driver, partitionIds: readonly number[]) {
  for (const partitionId of partitionIds) {
    driver.ok({ type: "RetryFailed", planId: "plan" });
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1_000 }).granted;
    for (const grant of grants) {
      const report = {
        planId: "plan",
        partitionId: grant.partitionId,
        workerId: "w1",
        fencingToken: grant.fencingToken,
      };
      if (grant.partitionId === partitionId)
        driver.ok({ type: "CompletePartition", ...report, processedCount: 3 });
      else driver.ok({ type: "ReleasePartition", ...report });
    }
  }
}

describe("plan summary", () => {
  it("counts partitions by status and reports processed count and progress by ids", () => {
    const driver = new Driver();
    driver.ok({ type: "CreatePlan", planId: "plan", minId: 0, maxId: 24, partitionSize: 10 });
    driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 9 });
    complete(driver, [2]);
    const [a, b] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 }).granted;
    driver.ok({
      type: "ReportProgress",
      planId: "plan",
      partitionId: a!.partitionId,
      workerId: "w1",
      fencingToken: a!.fencingToken,
      checkpointId: 4,
      processedCount: 5,
    });
    expect(b).toBeDefined();
    expect(getPlan(driver.state, "plan")).toMatchObject({
      partitionCount: 3,
      counts: { pending: 0, claimed: 1, running: 1, completed: 1, failed: 0 },
      processedCount: 8,
      progress: 5 / 25,
    });
    expect(getPlan(driver.state, "ghost")).toBeUndefined();
  });
});

describe("listPartitions", () => {
  it("filters by plan, status and worker (holder, or who completed/failed it)", () => {
    const driver = setup(6, ["w1", "w2"], 9);
    driver.ok({ type: "CreatePlan", planId: "other", minId: 0, maxId: 9, partitionSize: 5 });
    const grants = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 3 }).granted;
    driver.ok({
      type: "CompletePartition",
      planId: "plan",
      partitionId: 0,
      workerId: "w1",
      fencingToken: grants[0]!.fencingToken,
    });
    driver.ok({ type: "AcquirePartitions", workerId: "w2", max: 1 });
    const ids = (items: readonly PartitionView[]) =>
      items.map((p) => `${p.planId}:${p.partitionId}`);
    expect(ids(listPartitions(driver.state, { workerId: "w1" }).items)).toEqual([
      "plan:0",
      "plan:1",
      "plan:2",
    ]);
    expect(ids(listPartitions(driver.state, { workerId: "w2" }).items)).toEqual(["plan:3"]);
    expect(ids(listPartitions(driver.state, { status: "claimed", workerId: "w1" }).items)).toEqual([
      "plan:1",
      "plan:2",
    ]);
    expect(ids(listPartitions(driver.state, { status: "pending" }).items)).toEqual([
      "other:0",
      "other:1",
      "plan:4",
      "plan:5",
    ]);
    expect(ids(listPartitions(driver.state, { planId: "other" }).items)).toEqual([
      "other:0",
      "other:1",
    ]);
    expect(listPartitions(driver.state, { workerId: "nobody" }).items).toEqual([]);
    expect(listPartitions(driver.state, { planId: "ghost" }).items).toEqual([]);
  });

  it("pages with a cursor that neither repeats nor skips rows while partitions change status", () => {
    const driver = setup(7, ["w1"], 9);
    driver.ok({ type: "CreatePlan", planId: "a", minId: 0, maxId: 4, partitionSize: 1 });
    const seen: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = listPartitions(driver.state, {
        limit: 3,
        ...(cursor === undefined ? {} : { cursor }),
      });
      seen.push(...page.items.map((p) => `${p.planId}:${p.partitionId}`));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
      driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 });
    }
    const expected = [
      ...["a"].flatMap((id) => [0, 1, 2, 3, 4].map((i) => `${id}:${i}`)),
      ...[0, 1, 2, 3, 4, 5, 6].map((i) => `plan:${i}`),
    ];
    expect(seen).toEqual(expected);
  });

  it("refuses a malformed cursor or limit with a typed invalid_request error", () => {
    const driver = setup(1, []);
    for (const request of [
      { cursor: "nonsense" },
      { cursor: "plan:-1" },
      { limit: 0 },
      { limit: 1_001 },
      { limit: 2.5 },
    ]) {
      expect(() => listPartitions(driver.state, request)).toThrow(CoordinatorError);
      try {
        listPartitions(driver.state, request);
      } catch (error) {
        expect((error as CoordinatorError).code).toBe("invalid_request");
      }
    }
  });

  it("getPartition answers undefined for what does not exist", () => {
    const driver = setup(2, []);
    expect(getPartition(driver.state, "plan", 2)).toBeUndefined();
    expect(getPartition(driver.state, "plan", -1)).toBeUndefined();
    expect(getPartition(driver.state, "ghost", 0)).toBeUndefined();
    expect(getPartition(driver.state, "plan", 1)?.maxId).toBe(19);
  });
});

describe("listPlans and listWorkers", () => {
  it("list by id with filters and a cursor", () => {
    const driver = new Driver();
    for (const planId of ["c", "a", "b"]) {
      driver.ok({
        type: "CreatePlan",
        planId,
        minId: 0,
        maxId: 9,
        partitionSize: 5,
        namespace: planId === "b" ? "etl" : "default",
      });
    }
    driver.ok({ type: "PausePlan", planId: "c" });
    const first = listPlans(driver.state, { limit: 2 });
    expect(first.items.map((p) => p.planId)).toEqual(["a", "b"]);
    expect(
      listPlans(driver.state, { cursor: first.nextCursor ?? "" }).items.map((p) => p.planId),
    ).toEqual(["c"]);
    expect(listPlans(driver.state, { namespace: "default" }).items.map((p) => p.planId)).toEqual([
      "a",
      "c",
    ]);
    expect(listPlans(driver.state, { status: "paused" }).items.map((p) => p.planId)).toEqual(["c"]);
    for (const workerId of ["w3", "w1", "w2"]) driver.ok({ type: "RegisterWorker", workerId });
    driver.ok({ type: "Heartbeat", workerId: "w2", draining: true });
    const workers = listWorkers(driver.state, { limit: 2 });
    expect(workers.items.map((w) => w.workerId)).toEqual(["w1", "w2"]);
    expect(listWorkers(driver.state, { cursor: "w2" }).items.map((w) => w.workerId)).toEqual([
      "w3",
    ]);
    expect(listWorkers(driver.state, { status: "draining" }).items.map((w) => w.workerId)).toEqual([
      "w2",
    ]);
  });
});

describe("planGaps", () => {
  it("is the whole range before anything completes, exact at both ends", () => {
    const driver = new Driver();
    driver.ok({ type: "CreatePlan", planId: "plan", minId: 7, maxId: 93, partitionSize: 10 });
    expect(planGaps(driver.state, "plan")).toEqual({
      gaps: [{ minId: 7, maxId: 93 }],
      nextFromId: null,
    });
  });

  it("lists the ranges not covered by completed partitions, adjacent ones merged", () => {
    const driver = setup(8, ["w1"], 9);
    complete(driver, [0, 3, 4, 7]);
    expect(planGaps(driver.state, "plan")?.gaps).toEqual([
      { minId: 10, maxId: 29 },
      { minId: 50, maxId: 69 },
    ]);
    expect(planGaps(driver.state, "plan", { fromId: 15 })?.gaps).toEqual([
      { minId: 15, maxId: 29 },
      { minId: 50, maxId: 69 },
    ]);
    const page = planGaps(driver.state, "plan", { limit: 1 });
    expect(page).toEqual({ gaps: [{ minId: 10, maxId: 29 }], nextFromId: 30 });
    expect(planGaps(driver.state, "plan", { fromId: 30, limit: 1 })?.gaps).toEqual([
      { minId: 50, maxId: 69 },
    ]);
  });

  it("is empty once every partition completed: the proof that no id was skipped", () => {
    const driver = setup(3, ["w1"], 9);
    complete(driver, [0, 1, 2]);
    expect(planGaps(driver.state, "plan")).toEqual({ gaps: [], nextFromId: null });
    expect(getPlan(driver.state, "plan")?.status).toBe("completed");
    expect(planGaps(driver.state, "ghost")).toBeUndefined();
  });

  it("covers an open-ended plan up to its nextId", () => {
    const driver = new Driver();
    driver.ok({ type: "CreatePlan", planId: "log", minId: 5, openEnded: true, partitionSize: 3 });
    driver.ok({ type: "RegisterWorker", workerId: "p" });
    expect(planGaps(driver.state, "log")?.gaps).toEqual([]);
    driver.ok({
      type: "AppendPartitions",
      planId: "log",
      workerId: "p",
      ranges: [
        { minId: 5, maxId: 5 },
        { minId: 6, maxId: 40 },
      ],
    });
    expect(planGaps(driver.state, "log", { fromId: 20 })?.gaps).toEqual([{ minId: 20, maxId: 40 }]);
  });
});

describe("grantableAtMs", () => {
  it("says when an acquire could be granted: now, after a retry backoff, or not until a change", () => {
    const driver = new Driver();
    driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 1 });
    expect(grantableAtMs(driver.state, "w1"), "nothing pending").toBeNull();
    driver.ok({ type: "CreatePlan", planId: "plan", minId: 0, maxId: 19, partitionSize: 10 });
    expect(grantableAtMs(driver.state, "w1"), "fresh partitions").toBe(0);
    const [a] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    expect(grantableAtMs(driver.state, "w1"), "window full").toBeNull();
    const failed = driver.ok({
      type: "FailPartition",
      ...reportOn(a, "w1"),
      error: "boom",
      retryable: true,
    });
    expect(grantableAtMs(driver.state, "w1"), "a fresh partition is left").toBe(0);
    const [b] = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 }).granted;
    expect(b?.partitionId).toBe(1);
    driver.ok({ type: "CompletePartition", ...reportOn(b, "w1") });
    expect(failed.notBeforeMs).toBeGreaterThan(driver.nowMs);
    expect(grantableAtMs(driver.state, "w1"), "only the failed one, in backoff").toBe(
      failed.notBeforeMs,
    );
    driver.ok({ type: "PausePlan", planId: "plan" });
    expect(grantableAtMs(driver.state, "w1"), "paused plans grant nothing").toBeNull();
  });

  it("answers 0 (propose and let the state machine reject) for unknown, draining or lapsed workers", () => {
    const driver = new Driver();
    expect(grantableAtMs(driver.state, "ghost")).toBe(0);
    driver.ok({ type: "RegisterWorker", workerId: "w1", leaseTtlMs: 1_000 });
    driver.ok({ type: "RegisterWorker", workerId: "w2" });
    driver.ok({ type: "Heartbeat", workerId: "w2", draining: true });
    expect(grantableAtMs(driver.state, "w2")).toBe(0);
    expect(grantableAtMs(driver.state, "w1")).toBeNull();
    driver.advance(2_000).ok({ type: "Heartbeat", workerId: "w2" });
    expect(grantableAtMs(driver.state, "w1"), "lease past due by the replicated clock").toBe(0);
  });
});
