// Proves what buildApp adds around the routes: every error is problem+json (a bug in the node
// is a 500 internal_error that hides its message), the per-request callback sees route pattern,
// method, status and duration, and the app never listens by itself.
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { RequestSample } from "../../src/api/index.js";
import { CoordinatorError } from "../../src/errors.js";
import { FakeService } from "./fake-service.js";
import { buildTestApp, expectProblem, inject, ok } from "./harness.js";

let app: FastifyInstance;

afterEach(async () => {
  await app.close();
});

describe("buildApp", () => {
  it("does not listen", async () => {
    app = buildTestApp({ service: new FakeService() });
    await app.ready();
    expect(app.server.listening).toBe(false);
  });

  it("reports every request with its route pattern, method, status and duration", async () => {
    const samples: RequestSample[] = [];
    app = buildTestApp({
      service: new FakeService(),
      onRequestDone: (sample) => samples.push(sample),
    });
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    await inject(app, "getWorker", { params: { workerId: "w1" } });
    await inject(app, "getWorker", { params: { workerId: "nobody" } });
    await app.inject({ method: "GET", url: "/v1/nowhere" });
    expect(
      samples.map(({ route, method, statusCode }) => `${method} ${route} ${statusCode}`),
    ).toEqual([
      "POST /v1/workers 200",
      "GET /v1/workers/:workerId 200",
      "GET /v1/workers/:workerId 404",
      "GET unmatched 404",
    ]);
    for (const sample of samples) expect(sample.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("turns a bug into a 500 internal_error without leaking its message", async () => {
    const service = new FakeService();
    service.propose = async () => {
      throw new TypeError("secret internals");
    };
    app = buildTestApp({ service });
    const response = await inject(app, "registerWorker", { body: { workerId: "w1" } });
    const problem = expectProblem(response, 500, "internal_error");
    expect(problem.detail).not.toMatch(/secret/);
  });

  it("maps the node's typed errors to their codes, with Retry-After only when retrying helps later", async () => {
    const service = new FakeService();
    app = buildTestApp({ service });
    const cases = [
      ["uncommitted_tail_full", 503, "1"],
      ["leadership_transfer_in_progress", 503, "1"],
      ["proposal_dropped", 503, "1"],
      ["node_stopping", 503, "1"],
      ["proposal_timeout", 504, undefined],
      ["invalid_request", 400, undefined],
    ] as const;
    for (const [code, status, retryAfter] of cases) {
      service.propose = async () => {
        throw new CoordinatorError(code, `because ${code}`);
      };
      const response = await inject(app, "registerWorker", { body: { workerId: "w1" } });
      expect(expectProblem(response, status, code).detail).toBe(`because ${code}`);
      expect(response.headers["retry-after"], code).toBe(retryAfter);
    }
  });

  it("a state-machine back_pressure rejection is 429 with Retry-After", async () => {
    const service = new FakeService();
    app = buildTestApp({ service });
    await ok(app, "createPlan", {
      body: { planId: "log", minId: 0, openEnded: true, partitionSize: 1 },
    });
    await ok(app, "registerWorker", { body: { workerId: "planner" } });
    const first = await ok(app, "appendPartitions", {
      params: { planId: "log" },
      body: { workerId: "planner", upToId: 999 },
    });
    const response = await inject(app, "appendPartitions", {
      params: { planId: "log" },
      body: { workerId: "planner", fencingToken: first.plannerToken, upToId: 1_999 },
    });
    expectProblem(response, 429, "back_pressure");
    expect(response.headers["retry-after"]).toBe("1");
  });
});
