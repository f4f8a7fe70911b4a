// Proves open-ended plans: one planner at a time (a fenced planner role taken by the first
// append, kept by its holder, taken over only when its lease ended), contiguous appends that
// tile the plan, back-pressure at the pending bound, and completion only after the plan closes.
import { describe, expect, it } from "vitest";
import {
  pendingPartitionsPerPlanMax,
  partitionsPerAppendMax,
  workerLeaseTtlMs,
} from "../../src/constants.js";
import { getPlan, getWorker, listPartitions } from "../../src/state-machine/index.js";
import { Driver } from "./driver.js";

function openPlan(partitionSize = 10) {
  const driver = new Driver();
  driver.ok({ type: "CreatePlan", planId: "log", minId: 100, openEnded: true, partitionSize });
  driver.ok({ type: "RegisterWorker", workerId: "planner" });
  driver.ok({ type: "RegisterWorker", workerId: "rival" });
  return driver;
}

const append = (extra: object) =>
  ({ type: "AppendPartitions", planId: "log", workerId: "planner", ...extra }) as const;

describe("AppendPartitions", () => {
  it("an open-ended plan starts empty at minId", () => {
    const driver = openPlan();
    expect(getPlan(driver.state, "log")).toMatchObject({
      openEnded: true,
      closed: false,
      maxId: null,
      nextId: 100,
      partitionCount: 0,
      progress: 0,
    });
  });

  it("upToId cuts partitionSize pieces from nextId; ranges append as given", () => {
    const driver = openPlan();
    const first = driver.ok(append({ upToId: 124 }));
    expect(first).toMatchObject({
      firstPartitionId: 0,
      appendedCount: 3,
      nextId: 125,
      closed: false,
      plannerToken: driver.index,
    });
    const second = driver.ok(
      append({
        fencingToken: first.plannerToken,
        ranges: [
          { minId: 125, maxId: 125 },
          { minId: 126, maxId: 200 },
        ],
      }),
    );
    expect(second).toMatchObject({
      firstPartitionId: 3,
      appendedCount: 2,
      nextId: 201,
      plannerToken: first.plannerToken,
    });
    const ranges = listPartitions(driver.state, { planId: "log" }).items.map((p) => [
      p.minId,
      p.maxId,
    ]);
    expect(ranges).toEqual([
      [100, 109],
      [110, 119],
      [120, 124],
      [125, 125],
      [126, 200],
    ]);
  });

  it("refuses appends that do not continue at nextId (conflict)", () => {
    const driver = openPlan();
    driver.ok(append({ upToId: 109 }));
    driver.rejects(append({ ranges: [{ minId: 111, maxId: 120 }] }), "conflict");
    driver.rejects(append({ ranges: [{ minId: 105, maxId: 120 }] }), "conflict");
    driver.rejects(append({ upToId: 109 }), "conflict");
  });

  it("one planner at a time: a rival is not_holder while the planner's lease lasts", () => {
    const driver = openPlan();
    const { plannerToken } = driver.ok(append({ upToId: 109 }));
    driver.rejects(append({ workerId: "rival", upToId: 119 }), "not_holder");
    driver.rejects(
      append({ workerId: "rival", fencingToken: plannerToken, upToId: 119 }),
      "not_holder",
    );
    expect(getWorker(driver.state, "planner")?.plannerOf).toEqual(["log"]);
    expect(getPlan(driver.state, "log")?.planner).toEqual({
      workerId: "planner",
      fencingToken: plannerToken,
    });
  });

  it("a rival takes over once the planner's lease ended; the old planner is then fenced out", () => {
    const driver = openPlan();
    const { plannerToken } = driver.ok(append({ upToId: 109 }));
    driver.advance(workerLeaseTtlMs - 1);
    driver.ok({ type: "Heartbeat", workerId: "rival" });
    driver.advance(1);
    const takeover = driver.ok(append({ workerId: "rival", upToId: 119 }));
    expect(takeover.plannerToken).toBe(driver.index);
    expect(getWorker(driver.state, "planner")?.plannerOf).toEqual([]);
    driver.ok({ type: "RegisterWorker", workerId: "planner" });
    driver.rejects(append({ fencingToken: plannerToken, upToId: 129 }), "not_holder");
    driver.rejects(
      append({ workerId: "rival", fencingToken: plannerToken, upToId: 129 }),
      "stale_fencing_token",
    );
  });

  it("the planner role ends when its worker expires or deregisters", () => {
    const driver = openPlan();
    driver.ok(append({ upToId: 109 }));
    driver.ok({ type: "DeregisterWorker", workerId: "planner" });
    expect(getPlan(driver.state, "log")?.planner).toBeNull();
    expect(driver.ok(append({ workerId: "rival", upToId: 119 })).plannerToken).toBe(driver.index);
  });

  it("refuses with back_pressure while the plan holds the maximum of pending partitions", () => {
    const driver = openPlan(1);
    let nextId = 100;
    while ((getPlan(driver.state, "log")?.counts.pending ?? 0) < pendingPartitionsPerPlanMax) {
      nextId = driver.ok(append({ upToId: nextId + partitionsPerAppendMax - 1 })).nextId;
    }
    driver.rejects(append({ upToId: nextId }), "back_pressure");
    expect(driver.ok(append({ final: true })).closed).toBe(true);
    driver.ok({ type: "AcquirePartitions", workerId: "rival", max: 1 });
  });

  it("refuses more than partitionsPerAppendMax partitions in one append (invalid_request)", () => {
    const driver = openPlan(1);
    driver.rejects(append({ upToId: 100 + partitionsPerAppendMax }), "invalid_request");
  });

  it("completes the plan only once it is closed and everything in it is completed", () => {
    const driver = openPlan();
    driver.ok(append({ upToId: 109 }));
    const [grant] = driver.ok({ type: "AcquirePartitions", workerId: "rival", max: 1 }).granted;
    const done = driver.ok({
      type: "CompletePartition",
      planId: "log",
      partitionId: 0,
      workerId: "rival",
      fencingToken: grant!.fencingToken,
    });
    expect(done.planStatus).toBe("active");
    const closed = driver.ok(append({ final: true }));
    expect(closed).toMatchObject({ closed: true, appendedCount: 0, planStatus: "completed" });
    expect(getPlan(driver.state, "log")).toMatchObject({
      status: "completed",
      planner: null,
      progress: 1,
    });
  });

  it("an empty open-ended plan closed at once is completed", () => {
    const driver = openPlan();
    expect(driver.ok(append({ final: true })).planStatus).toBe("completed");
  });

  it("rejections: not_found, lease_expired, not_holder, plan_not_active, invalid_state", () => {
    const driver = openPlan();
    driver.ok({ type: "CreatePlan", planId: "static", minId: 0, maxId: 9, partitionSize: 5 });
    driver.ok({ type: "RegisterWorker", workerId: "etl", namespace: "etl" });
    driver.rejects(append({ planId: "ghost", upToId: 109 }), "not_found");
    driver.rejects(append({ workerId: "ghost", upToId: 109 }), "not_found");
    driver.rejects(append({ workerId: "etl", upToId: 109 }), "not_found");
    driver.rejects(append({ planId: "static", upToId: 19 }), "invalid_state");
    const { plannerToken } = driver.ok(append({ final: true }));
    driver.rejects(append({ upToId: 109 }), "plan_not_active");
    // The planner role ended with the plan: its old token is fenced before the plan's status.
    driver.rejects(append({ upToId: 109, fencingToken: plannerToken }), "not_holder");
    driver.rejects(append({ planId: "static", upToId: 19, fencingToken: 1 }), "not_holder");
    driver.ok({ type: "CreatePlan", planId: "log2", minId: 0, openEnded: true, partitionSize: 1 });
    driver.ok({ type: "CancelPlan", planId: "log2" });
    driver.rejects(append({ planId: "log2", upToId: 9 }), "plan_not_active");
    driver.advance(workerLeaseTtlMs);
    driver.rejects(append({ planId: "static", upToId: 19 }), "lease_expired");
  });
});
