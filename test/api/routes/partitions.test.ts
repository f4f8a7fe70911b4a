// Proves the partition endpoints: the listing filtered by plan/status/worker with a cursor, one
// partition, and progress/complete/fail/release/preempt under the fencing token — a stale token
// or a non-holder is refused with its own code, never applied.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { fails, makeApp, ok } from "../harness.js";

let app: FastifyInstance;
let nowMs = 1_700_000_000_000;

beforeEach(async () => {
  ({ app } = makeApp({ clock: () => nowMs }, { clock: () => nowMs }));
  await ok(app, "createPlan", { body: { planId: "p", minId: 0, maxId: 49, partitionSize: 10 } });
  await ok(app, "registerWorker", { body: { workerId: "w1", leaseTtlMs: 5_000 } });
  await ok(app, "registerWorker", { body: { workerId: "w2" } });
});

afterEach(async () => {
  await app.close();
});

async function grab(workerId: string, max = 1) {
  return (await ok(app, "acquire", { params: { workerId }, body: { max } })).granted;
}

describe("GET /v1/partitions", () => {
  it("filters by plan, status and worker, and pages with a cursor", async () => {
    await grab("w1", 2);
    const all = await ok(app, "listPartitions", { query: { planId: "p", limit: 3 } });
    expect(all.items.map((p) => p.partitionId)).toEqual([0, 1, 2]);
    expect(all.nextCursor).toBe("p:2");
    const rest = await ok(app, "listPartitions", {
      query: { planId: "p", cursor: all.nextCursor! },
    });
    expect(rest.items.map((p) => p.partitionId)).toEqual([3, 4]);
    const held = await ok(app, "listPartitions", { query: { workerId: "w1", status: "claimed" } });
    expect(held.items.map((p) => [p.partitionId, p.workerId])).toEqual([
      [0, "w1"],
      [1, "w1"],
    ]);
    expect(held.items[0]).toMatchObject({ status: "claimed", checkpointId: null, lastError: null });
    await fails(
      app,
      "listPartitions",
      { query: { cursor: "not a cursor" } },
      400,
      "invalid_request",
    );
  });

  it("shows one partition, 404 for an unknown one", async () => {
    const one = await ok(app, "getPartition", { params: { planId: "p", partitionId: 4 } });
    expect(one).toMatchObject({
      planId: "p",
      partitionId: 4,
      minId: 40,
      maxId: 49,
      status: "pending",
    });
    await fails(app, "getPartition", { params: { planId: "p", partitionId: 5 } }, 404, "not_found");
    await fails(app, "getPartition", { params: { planId: "q", partitionId: 0 } }, 404, "not_found");
  });
});

describe("reports under the fencing token", () => {
  it("progress then complete by the holder", async () => {
    const [grant] = await grab("w1");
    const params = { planId: "p", partitionId: grant!.partitionId };
    const holder = { workerId: "w1", fencingToken: grant!.fencingToken };
    const progress = await ok(app, "reportProgress", {
      params,
      body: { ...holder, checkpointId: 4, processedCount: 5 },
    });
    expect(progress).toMatchObject({ ...params, duplicate: false });
    expect(progress.progressDeadlineAtMs).toBeGreaterThan(nowMs);
    const running = await ok(app, "getPartition", { params });
    expect(running).toMatchObject({ status: "running", checkpointId: 4, processedCount: 5 });
    const done = await ok(app, "completePartition", {
      params,
      body: { ...holder, processedCount: 10 },
    });
    expect(done).toEqual({ ...params, planStatus: "active", duplicate: false });
  });

  it("refuses a stale token, a non-holder, and a report on an unknown plan, each with its code", async () => {
    const [grant] = await grab("w1");
    const params = { planId: "p", partitionId: grant!.partitionId };
    await fails(
      app,
      "completePartition",
      { params, body: { workerId: "w1", fencingToken: grant!.fencingToken + 100 } },
      409,
      "stale_fencing_token",
    );
    await fails(
      app,
      "releasePartition",
      { params, body: { workerId: "w2", fencingToken: grant!.fencingToken } },
      409,
      "not_holder",
    );
    await fails(
      app,
      "reportProgress",
      {
        params: { planId: "nope", partitionId: 0 },
        body: { workerId: "w1", fencingToken: 1, checkpointId: 0, processedCount: 0 },
      },
      404,
      "not_found",
    );
  });

  it("fail (retryable → pending with backoff) and release (uncharged)", async () => {
    const [a, b] = await grab("w1", 2);
    const failed = await ok(app, "failPartition", {
      params: { planId: "p", partitionId: a!.partitionId },
      body: { workerId: "w1", fencingToken: a!.fencingToken, error: "timeout", retryable: true },
    });
    expect(failed).toMatchObject({ partitionStatus: "pending", attempts: 1 });
    expect(failed.notBeforeMs).toBeGreaterThan(nowMs);
    const released = await ok(app, "releasePartition", {
      params: { planId: "p", partitionId: b!.partitionId },
      body: { workerId: "w1", fencingToken: b!.fencingToken },
    });
    expect(released).toEqual({ planId: "p", partitionId: b!.partitionId, duplicate: false });
    const view = await ok(app, "getPartition", {
      params: { planId: "p", partitionId: a!.partitionId },
    });
    expect(view).toMatchObject({ status: "pending", lastError: "timeout", attempts: 1 });
  });

  it("preempt takes a partition from a holder whose lease ran out, with a new token", async () => {
    const [grant] = await grab("w1");
    const params = { planId: "p", partitionId: grant!.partitionId };
    await fails(app, "preemptPartition", { params, body: { byWorkerId: "w2" } }, 409, "conflict");
    nowMs += 6_000;
    await ok(app, "heartbeat", { params: { workerId: "w2" } });
    const taken = await ok(app, "preemptPartition", { params, body: { byWorkerId: "w2" } });
    expect(taken).toMatchObject({ ...params, previousWorkerId: "w1" });
    expect(taken.grant?.fencingToken).toBeGreaterThan(grant!.fencingToken);
    await fails(
      app,
      "completePartition",
      { params, body: { workerId: "w1", fencingToken: grant!.fencingToken } },
      409,
      "lease_expired",
    );
  });
});
