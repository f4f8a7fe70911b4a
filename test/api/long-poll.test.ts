// Proves the long-poll acquire: it answers as soon as work appears (or a retry backoff ends),
// and after waitMs when none does; each request proposes exactly one AcquirePartitions however
// many unrelated commands apply meanwhile (no proposal storm, even with many waiting workers);
// a request that would be rejected is not kept waiting; closing the app ends waiting polls.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { expectProblem, inject, makeApp, ok } from "./harness.js";
import type { FakeService } from "./fake-service.js";

let app: FastifyInstance;
let service: FakeService;

beforeEach(async () => {
  ({ app, service } = makeApp());
  await ok(app, "registerWorker", { body: { workerId: "w1", windowSize: 4 } });
});

afterEach(async () => {
  await app.close();
});

const acquire = (workerId: string, waitMs: number, max = 2) =>
  inject(app, "acquire", { params: { workerId }, body: { max, waitMs } });

/** Resolves once `condition` holds (polled), failing after `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("long-poll acquire", () => {
  it("returns early when work appears, having proposed once", async () => {
    const started = Date.now();
    const pending = acquire("w1", 10_000);
    await until(() => service.reads.length >= 1); // it checked, and waits
    for (let i = 0; i < 10; i++) service.applyNow({ type: "Heartbeat", workerId: "w1" });
    expect(service.count("AcquirePartitions")).toBe(0);
    service.applyNow({ type: "CreatePlan", planId: "p", minId: 0, maxId: 99, partitionSize: 10 });
    const response = await pending;
    expect(response.statusCode).toBe(200);
    expect(response.json().granted).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(service.count("AcquirePartitions")).toBe(1);
  });

  it("answers empty-handed after waitMs when nothing is grantable, still one proposal", async () => {
    const started = Date.now();
    const pending = acquire("w1", 300);
    let applied = 0;
    const noise = setInterval(() => {
      service.applyNow({ type: "Heartbeat", workerId: "w1" });
      applied++;
    }, 10);
    const response = await pending;
    clearInterval(noise);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ workerId: "w1", granted: [] });
    expect(service.count("AcquirePartitions")).toBe(1);
    expect(applied, "unrelated applies woke it meanwhile").toBeGreaterThan(3);
  });

  it("wakes when a retry backoff ends, with no apply to wake it", async () => {
    service.applyNow({ type: "CreatePlan", planId: "p", minId: 0, maxId: 9, partitionSize: 10 });
    const [grant] = (await ok(app, "acquire", { params: { workerId: "w1" }, body: { max: 1 } }))
      .granted;
    const failed = await ok(app, "failPartition", {
      params: { planId: "p", partitionId: 0 },
      body: { workerId: "w1", fencingToken: grant!.fencingToken, error: "flaky", retryable: true },
    });
    const response = await acquire("w1", 5_000);
    expect(Date.now()).toBeGreaterThanOrEqual(failed.notBeforeMs!);
    expect(response.json().granted.map((g: { partitionId: number }) => g.partitionId)).toEqual([0]);
    expect(service.count("AcquirePartitions")).toBe(2);
  });

  it("twenty waiting workers and one new plan: one proposal per request, five grants", async () => {
    const workers = Array.from({ length: 20 }, (_, i) => `w${i + 10}`);
    for (const workerId of workers) await ok(app, "registerWorker", { body: { workerId } });
    const polls = workers.map((workerId) => acquire(workerId, 10_000, 1));
    await until(() => service.reads.length >= 20);
    for (let i = 0; i < 20; i++) service.applyNow({ type: "Heartbeat", workerId: "w1" });
    expect(service.count("AcquirePartitions")).toBe(0);
    service.applyNow({ type: "CreatePlan", planId: "p", minId: 0, maxId: 49, partitionSize: 10 });
    const answers = await Promise.all(polls);
    const granted = answers.flatMap((answer) => answer.json().granted);
    expect(granted).toHaveLength(5);
    expect(service.count("AcquirePartitions")).toBe(20);
  });

  it("does not keep a request that the state machine rejects waiting", async () => {
    await ok(app, "heartbeat", { params: { workerId: "w1" }, body: { draining: true } });
    const started = Date.now();
    expectProblem(await acquire("w1", 10_000), 409, "invalid_state");
    expectProblem(await acquire("nobody", 10_000), 404, "not_found");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("closing the app ends waiting polls without proposing", async () => {
    const pending = acquire("w1", 10_000);
    await until(() => service.reads.length >= 1);
    const started = Date.now();
    await app.close();
    expectProblem(await pending, 503, "node_stopping");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(service.count("AcquirePartitions")).toBe(0);
  });
});
