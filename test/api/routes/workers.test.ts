// Proves the worker endpoints: register, heartbeat (draining), acquire without waiting,
// deregister, listing and one worker; exactly-once through X-Elk-Client-Id/Seq (a retried seq
// answers the first result, an older seq is refused, a seq reused on another endpoint conflicts).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { fails, inject, makeApp, ok } from "../harness.js";
import type { FakeService } from "../fake-service.js";

let app: FastifyInstance;
let service: FakeService;

beforeEach(async () => {
  ({ app, service } = makeApp());
});

afterEach(async () => {
  await app.close();
});

describe("worker lifecycle", () => {
  it("register, heartbeat, acquire, drain, deregister", async () => {
    const registered = await ok(app, "registerWorker", {
      body: {
        workerId: "w1",
        namespace: "etl",
        meta: { host: "h1", pid: 42, canary: false },
        windowSize: 2,
        leaseTtlMs: 4_000,
      },
    });
    expect(registered).toMatchObject({ workerId: "w1", releasedCount: 0, duplicate: false });
    await ok(app, "createPlan", {
      body: { planId: "p", namespace: "etl", minId: 0, maxId: 99, partitionSize: 10 },
    });
    const acquired = await ok(app, "acquire", {
      params: { workerId: "w1" },
      body: { max: 5, namespace: "etl" },
    });
    expect(acquired.granted.map((g) => g.partitionId)).toEqual([0, 1]);
    expect(acquired.granted[0]).toMatchObject({
      planId: "p",
      minId: 0,
      maxId: 9,
      checkpointId: null,
      attempts: 0,
    });
    const beat = await ok(app, "heartbeat", {
      params: { workerId: "w1" },
      body: { draining: true },
    });
    expect(beat).toMatchObject({
      workerStatus: "draining",
      held: [
        { planId: "p", partitionId: 0 },
        { planId: "p", partitionId: 1 },
      ],
    });
    await fails(
      app,
      "acquire",
      { params: { workerId: "w1" }, body: { max: 1 } },
      409,
      "invalid_state",
    );
    const shown = await ok(app, "getWorker", { params: { workerId: "w1" } });
    expect(shown).toMatchObject({
      namespace: "etl",
      meta: { host: "h1", pid: 42, canary: false },
      windowSize: 2,
      status: "draining",
    });
    const gone = await ok(app, "deregisterWorker", { params: { workerId: "w1" } });
    expect(gone).toEqual({ workerId: "w1", releasedCount: 2, duplicate: false });
    await fails(app, "getWorker", { params: { workerId: "w1" } }, 404, "not_found");
    await fails(app, "heartbeat", { params: { workerId: "w1" } }, 404, "not_found");
  });

  it("lists workers by namespace and status with a cursor", async () => {
    for (const workerId of ["a", "b", "c"]) await ok(app, "registerWorker", { body: { workerId } });
    await ok(app, "registerWorker", { body: { workerId: "z", namespace: "other" } });
    await ok(app, "heartbeat", { params: { workerId: "b" }, body: { draining: true } });
    const page = await ok(app, "listWorkers", { query: { limit: 2 } });
    expect(page.items.map((w) => w.workerId)).toEqual(["a", "b"]);
    const next = await ok(app, "listWorkers", { query: { cursor: page.nextCursor! } });
    expect(next.items.map((w) => w.workerId)).toEqual(["c", "z"]);
    const draining = await ok(app, "listWorkers", { query: { status: "draining" } });
    expect(draining.items.map((w) => w.workerId)).toEqual(["b"]);
    const other = await ok(app, "listWorkers", { query: { namespace: "other" } });
    expect(other.items.map((w) => w.workerId)).toEqual(["z"]);
  });

  it("acquire in another namespace than the worker's is 400 invalid_request", async () => {
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    await fails(
      app,
      "acquire",
      { params: { workerId: "w1" }, body: { max: 1, namespace: "etl" } },
      400,
      "invalid_request",
    );
  });
});

describe("exactly-once client sessions", () => {
  const session = (seq: number) => ({
    "x-elk-client-id": "w1/heartbeat",
    "x-elk-client-seq": String(seq),
  });

  it("a retried seq answers the first result without applying again; an older seq is refused", async () => {
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    await ok(app, "createPlan", { body: { planId: "p", minId: 0, maxId: 99, partitionSize: 10 } });
    const acquire = (seq: number) =>
      ok(app, "acquire", { params: { workerId: "w1" }, body: { max: 1 }, headers: session(seq) });
    const first = await acquire(7);
    const retry = await acquire(7);
    expect(retry).toEqual({ ...first, duplicate: true });
    expect((await ok(app, "getWorker", { params: { workerId: "w1" } })).held).toHaveLength(1);
    expect((await acquire(8)).granted[0]?.partitionId).toBe(1);
    await fails(
      app,
      "acquire",
      { params: { workerId: "w1" }, body: { max: 1 }, headers: session(7) },
      400,
      "invalid_request",
    );
    // The hashed session id, not the raw header, reached the state machine.
    expect(service.state.sessions.sorted().map((s) => s.clientId)).toEqual([
      expect.stringMatching(/^h\./),
    ]);
  });

  it("a seq reused on another endpoint is a conflict, not someone else's answer", async () => {
    await ok(app, "registerWorker", { body: { workerId: "w1" }, headers: session(1) });
    const problem = await fails(
      app,
      "heartbeat",
      { params: { workerId: "w1" }, headers: session(1) },
      409,
      "conflict",
    );
    expect(problem.detail).toMatch(/RegisterWorker/);
  });

  it("refuses malformed, half or mixed session headers with 400", async () => {
    const bad = [
      { "x-elk-client-id": "c1" },
      { "x-elk-client-seq": "1" },
      { "x-elk-client-id": "c1", "x-elk-client-seq": "-1" },
      { "x-elk-client-id": "c1", "x-elk-client-seq": "1.5" },
      { "x-elk-client-id": "c1", "x-elk-client-seq": "99999999999999999" },
      { "x-elk-client-id": "has space", "x-elk-client-seq": "1" },
      { "x-elk-client-id": "c1", "x-elk-client-seq": "1", "idempotency-key": "k" },
      { "idempotency-key": "x".repeat(256) },
    ];
    for (const headers of bad) {
      const response = await inject(app, "registerWorker", { body: { workerId: "w1" }, headers });
      expect(response.statusCode, JSON.stringify(headers)).toBe(400);
    }
    expect(service.proposals).toHaveLength(0);
  });
});
