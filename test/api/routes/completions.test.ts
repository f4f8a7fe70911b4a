// Proves POST /v1/workers/:workerId/complete: many completions in one request, each fenced and
// answered on its own (a stale token or a non-holder refused for that item alone), the optional
// acquire of the next partitions in the same round trip, and malformed batches refused as 400.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { fails, makeApp, ok } from "../harness.js";

let app: FastifyInstance;
const nowMs = 1_700_000_000_000;

beforeEach(async () => {
  ({ app } = makeApp({ clock: () => nowMs }, { clock: () => nowMs }));
  await ok(app, "createPlan", { body: { planId: "p", minId: 0, maxId: 49, partitionSize: 10 } });
  await ok(app, "registerWorker", { body: { workerId: "w1", windowSize: 3 } });
  await ok(app, "registerWorker", { body: { workerId: "w2" } });
});

afterEach(async () => {
  await app.close();
});

async function grab(workerId: string, max: number) {
  const { granted } = await ok(app, "acquire", { params: { workerId }, body: { max } });
  return granted.map(({ planId, partitionId, fencingToken }) => ({
    planId,
    partitionId,
    fencingToken,
  }));
}

describe("POST /v1/workers/:workerId/complete", () => {
  it("answers each item on its own, in order", async () => {
    const [a, b] = await grab("w1", 2);
    const [other] = await grab("w2", 1);
    const answer = await ok(app, "completePartitions", {
      params: { workerId: "w1" },
      body: {
        items: [
          { ...a!, processedCount: 10 },
          { ...b!, fencingToken: b!.fencingToken + 1 },
          other!,
        ],
      },
    });
    expect(answer).toMatchObject({ workerId: "w1", acquire: null, duplicate: false });
    expect(answer.results.map((r) => r.status)).toEqual([
      "ok",
      "stale_fencing_token",
      "not_holder",
    ]);
    expect(answer.results[0]).toMatchObject({ planId: "p", partitionId: a!.partitionId });
    expect(answer.results[0]!.planStatus).toBe("active");
    expect(answer.results[1]!.detail).toMatch(/token/);
    const done = await ok(app, "getPartition", { params: { planId: "p", partitionId: 0 } });
    expect(done).toMatchObject({ status: "completed", processedCount: 10 });
    const kept = await ok(app, "getPartition", { params: { planId: "p", partitionId: 1 } });
    expect(kept.status).toBe("claimed");
  });

  it("completes and acquires the next partitions in one round trip", async () => {
    const held = await grab("w1", 3);
    const answer = await ok(app, "completePartitions", {
      params: { workerId: "w1" },
      body: { items: held, acquireMax: 3 },
    });
    expect(answer.results.every((r) => r.status === "ok")).toBe(true);
    expect(answer.acquire?.status).toBe("ok");
    expect(answer.acquire?.granted?.map((g) => g.partitionId)).toEqual([3, 4]);
    expect(answer.acquire?.leaseExpiresAtMs).toBeGreaterThan(nowMs);
  });

  it("refuses a malformed batch as invalid_request", async () => {
    const [a] = await grab("w1", 1);
    const params = { workerId: "w1" };
    await fails(app, "completePartitions", { params, body: { items: [] } }, 400, "invalid_request");
    await fails(
      app,
      "completePartitions",
      { params, body: { items: [{ ...a!, fencingToken: 0 }] } },
      400,
      "invalid_request",
    );
    await fails(
      app,
      "completePartitions",
      { params, body: { items: [a!], acquireMax: 0 } },
      400,
      "invalid_request",
    );
  });

  it("refuses an unknown worker's items one by one as not_found", async () => {
    const [a] = await grab("w1", 1);
    const answer = await ok(app, "completePartitions", {
      params: { workerId: "ghost" },
      body: { items: [a!], acquireMax: 1 },
    });
    expect(answer.results[0]!.status).toBe("not_found");
    expect(answer.acquire?.status).toBe("not_found");
  });
});
