// Proves the plan endpoints against a real state machine: create (201, idempotent by planId and
// by Idempotency-Key), list with filters and cursor, show with counts/progress/rate/ETA, gaps,
// pause/resume/cancel/retry-failed, AppendPartitions, and rejections mapped 1:1 to problems.
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { expectProblem, fails, inject, makeApp, ok } from "../harness.js";
import type { FakeService } from "../fake-service.js";

let app: FastifyInstance;
let service: FakeService;
let nowMs = 1_700_000_000_000;

function setup(): void {
  ({ app, service } = makeApp({ clock: () => nowMs }, { clock: () => nowMs }));
}

afterEach(async () => {
  await app.close();
});

const plan = { minId: 1, maxId: 100, partitionSize: 10 };

describe("POST /v1/plans", () => {
  it("creates a plan (201) and a retry with the same planId returns it (200, created false)", async () => {
    setup();
    const created = await inject(app, "createPlan", { body: { ...plan, planId: "daily" } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      planId: "daily",
      partitionCount: 10,
      created: true,
      duplicate: false,
    });
    const again = await inject(app, "createPlan", { body: { ...plan, planId: "daily" } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ planId: "daily", created: false });
    const different = await fails(
      app,
      "createPlan",
      { body: { ...plan, planId: "daily", maxId: 99 } },
      409,
      "conflict",
    );
    expect(different.detail).toMatch(/daily/);
  });

  it("an Idempotency-Key makes a retried submission return the first result, not a second plan", async () => {
    setup();
    const headers = { "idempotency-key": "9f1c-submit-1" };
    const first = await ok(app, "createPlan", { body: plan, headers });
    const retry = await ok(app, "createPlan", { body: plan, headers });
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(service.state.plans.size).toBe(1);
    const other = await ok(app, "createPlan", {
      body: plan,
      headers: { "idempotency-key": "another" },
    });
    expect(other.planId).not.toBe(first.planId);
  });

  it("passes every field to CreatePlan, options included", async () => {
    setup();
    const body = {
      planId: "full",
      namespace: "etl",
      name: "Full plan",
      minId: 0,
      openEnded: true,
      partitionSize: 5,
      priority: -3,
      maxAttempts: 7,
      options: { table: "cities", nested: [1, { deep: true }] },
      partitionLeaseTtlMs: 5_000,
    };
    await ok(app, "createPlan", { body });
    const shown = await ok(app, "getPlan", { params: { planId: "full" } });
    expect(shown).toMatchObject({
      namespace: "etl",
      name: "Full plan",
      openEnded: true,
      maxId: null,
      closed: false,
      priority: -3,
      maxAttempts: 7,
      options: body.options,
      partitionLeaseTtlMs: 5_000,
    });
  });

  it("maps a state-machine rejection to its problem (reserved planId → 400 invalid_request)", async () => {
    setup();
    const problem = await fails(
      app,
      "createPlan",
      { body: { ...plan, planId: "p12" } },
      400,
      "invalid_request",
    );
    expect(problem.detail).toMatch(/reserved/);
  });
});

describe("GET /v1/plans and /v1/plans/:planId", () => {
  it("lists with namespace and status filters and a cursor", async () => {
    setup();
    for (const planId of ["a", "b", "c"])
      await ok(app, "createPlan", { body: { ...plan, planId } });
    await ok(app, "createPlan", { body: { ...plan, planId: "x", namespace: "other" } });
    await ok(app, "pausePlan", { params: { planId: "b" } });
    const page = await ok(app, "listPlans", { query: { limit: 2 } });
    expect(page.items.map((p) => p.planId)).toEqual(["a", "b"]);
    const next = await ok(app, "listPlans", { query: { limit: 2, cursor: page.nextCursor! } });
    expect(next.items.map((p) => p.planId)).toEqual(["c", "x"]);
    expect(next.nextCursor).toBeNull();
    const paused = await ok(app, "listPlans", { query: { status: "paused" } });
    expect(paused.items.map((p) => p.planId)).toEqual(["b"]);
    const other = await ok(app, "listPlans", {
      query: { namespace: "other", consistency: "stale" },
    });
    expect(other.items.map((p) => p.planId)).toEqual(["x"]);
    expect(service.reads.slice(-2)).toEqual(["linearizable", "stale"]);
  });

  it("shows counts, progress, and a rate and ETA measured over time", async () => {
    setup();
    await ok(app, "createPlan", { body: { ...plan, planId: "r" } });
    await ok(app, "registerWorker", { body: { workerId: "w1", windowSize: 10 } });
    const fresh = await ok(app, "getPlan", { params: { planId: "r" } });
    expect(fresh).toMatchObject({ partitionCount: 10, progress: 0, rate: null, etaSeconds: null });
    expect(fresh.counts).toEqual({ pending: 10, claimed: 0, running: 0, completed: 0, failed: 0 });
    const grants = await ok(app, "acquire", { params: { workerId: "w1" }, body: { max: 4 } });
    nowMs += 2_000;
    for (const grant of grants.granted) {
      await ok(app, "completePartition", {
        params: { planId: "r", partitionId: grant.partitionId },
        body: { workerId: "w1", fencingToken: grant.fencingToken, processedCount: 10 },
      });
    }
    const later = await ok(app, "getPlan", { params: { planId: "r" } });
    expect(later.counts.completed).toBe(4);
    expect(later.processedCount).toBe(40);
    expect(later.progress).toBeCloseTo(0.4);
    // 4 partitions in the 2 s since the previous read: 2/s, 20 items/s; 6 left → 3 s.
    expect(later.rate).toEqual({ partitionsPerSecond: 2, itemsPerSecond: 20, windowSeconds: 2 });
    expect(later.etaSeconds).toBe(3);
  });

  it("answers 404 not_found for an unknown plan", async () => {
    setup();
    await fails(app, "getPlan", { params: { planId: "ghost" } }, 404, "not_found");
    await fails(app, "planGaps", { params: { planId: "ghost" } }, 404, "not_found");
  });
});

describe("GET /v1/plans/:planId/gaps", () => {
  it("lists uncovered ranges, pages them, and says complete once nothing is missing", async () => {
    setup();
    await ok(app, "createPlan", { body: { planId: "g", minId: 0, maxId: 29, partitionSize: 10 } });
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    const { granted } = await ok(app, "acquire", { params: { workerId: "w1" }, body: { max: 3 } });
    const [first, second, third] = granted;
    const complete = async (grant: typeof first) =>
      ok(app, "completePartition", {
        params: { planId: "g", partitionId: grant!.partitionId },
        body: { workerId: "w1", fencingToken: grant!.fencingToken },
      });
    await complete(second);
    expect(await ok(app, "planGaps", { params: { planId: "g" } })).toEqual({
      planId: "g",
      gaps: [
        { minId: 0, maxId: 9 },
        { minId: 20, maxId: 29 },
      ],
      nextFromId: null,
      complete: false,
    });
    const page = await ok(app, "planGaps", { params: { planId: "g" }, query: { limit: 1 } });
    expect(page).toMatchObject({ gaps: [{ minId: 0, maxId: 9 }], nextFromId: 10 });
    await complete(first);
    await complete(third);
    expect(await ok(app, "planGaps", { params: { planId: "g" } })).toEqual({
      planId: "g",
      gaps: [],
      nextFromId: null,
      complete: true,
    });
  });
});

describe("plan actions", () => {
  it("pause, resume, cancel; resuming an active plan is 409 invalid_state; cancelled is final", async () => {
    setup();
    await ok(app, "createPlan", { body: { ...plan, planId: "a" } });
    expect(await ok(app, "pausePlan", { params: { planId: "a" } })).toEqual({
      planId: "a",
      planStatus: "paused",
      releasedCount: 0,
      duplicate: false,
    });
    expect((await ok(app, "resumePlan", { params: { planId: "a" }, body: {} })).planStatus).toBe(
      "active",
    );
    await fails(app, "resumePlan", { params: { planId: "a" } }, 409, "invalid_state");
    expect((await ok(app, "cancelPlan", { params: { planId: "a" } })).planStatus).toBe("cancelled");
    await fails(app, "pausePlan", { params: { planId: "a" } }, 409, "plan_not_active");
    await fails(app, "pausePlan", { params: { planId: "ghost" } }, 404, "not_found");
  });

  it("retry-failed moves failed partitions back to pending", async () => {
    setup();
    await ok(app, "createPlan", { body: { ...plan, planId: "f", maxAttempts: 1 } });
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    const { granted } = await ok(app, "acquire", { params: { workerId: "w1" }, body: { max: 2 } });
    for (const grant of granted) {
      const failed = await ok(app, "failPartition", {
        params: { planId: "f", partitionId: grant.partitionId },
        body: { workerId: "w1", fencingToken: grant.fencingToken, error: "boom", retryable: true },
      });
      expect(failed).toMatchObject({ partitionStatus: "failed", notBeforeMs: null });
    }
    const one = await ok(app, "retryFailed", {
      params: { planId: "f" },
      body: { partitionIds: [0] },
    });
    expect(one).toEqual({ planId: "f", retriedCount: 1, duplicate: false });
    expect((await ok(app, "retryFailed", { params: { planId: "f" } })).retriedCount).toBe(1);
  });

  it("AppendPartitions extends an open-ended plan and hands back the planner token", async () => {
    setup();
    await ok(app, "createPlan", {
      body: { planId: "log", minId: 0, openEnded: true, partitionSize: 10 },
    });
    await ok(app, "registerWorker", { body: { workerId: "planner" } });
    const first = await ok(app, "appendPartitions", {
      params: { planId: "log" },
      body: { workerId: "planner", upToId: 24 },
    });
    expect(first).toMatchObject({
      firstPartitionId: 0,
      appendedCount: 3,
      nextId: 25,
      closed: false,
    });
    const last = await ok(app, "appendPartitions", {
      params: { planId: "log" },
      body: {
        workerId: "planner",
        fencingToken: first.plannerToken,
        ranges: [{ minId: 25, maxId: 30 }],
        final: true,
      },
    });
    expect(last).toMatchObject({ firstPartitionId: 3, appendedCount: 1, nextId: 31, closed: true });
    const stale = await inject(app, "appendPartitions", {
      params: { planId: "log" },
      body: { workerId: "planner", upToId: 40 },
    });
    expectProblem(stale, 409, "invalid_state");
  });
});
