// Proves forwarding: a follower forwards writes to the leader (a real listening app) with the
// same path, query, body and credentials, so idempotency holds across the hop; reads stay local;
// a request a peer already forwarded once is never forwarded again (503 not_leader naming the
// leader, so two nodes that each think the other leads cannot loop) while a hop header a client
// made up is ignored; an unreachable leader is a
// retryable 503 and a forward whose outcome is unknown a 504; no leader is 503 with Retry-After;
// a body nested too deeply to re-serialize is the same 400 on a follower as on the leader.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import type { RequestSample } from "../../src/api/index.js";
import { forwardedByValue, isForwardedByPeer } from "../../src/api/forward.js";
import { FakeService } from "./fake-service.js";
import { TEST_CLUSTER_SECRET, buildTestApp, expectProblem, inject, ok } from "./harness.js";

const TOKEN = "s3cret-token";
const auth = { authorization: `Bearer ${TOKEN}` };
const apps: FastifyInstance[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A listening app over `service`; answers its base URL and the requests it served. */
async function listening(service: FakeService, apiToken?: string) {
  const served: RequestSample[] = [];
  const app = buildTestApp({
    service,
    ...(apiToken === undefined ? {} : { apiToken }),
    onRequestDone: (sample) => served.push(sample),
  });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, served };
}

function follower(leaderId: string, leaderUrl: string, nodeId = "n2"): FakeService {
  return new FakeService({ nodeId, role: "follower", leader: { leaderId, leaderUrl } });
}

function build(service: FakeService, apiToken?: string): FastifyInstance {
  const app = buildTestApp({ service, ...(apiToken === undefined ? {} : { apiToken }) });
  apps.push(app);
  return app;
}

describe("forwarding writes to the leader", () => {
  it("forwards a write with its body, query, token and idempotency key; the answer names the leader", async () => {
    const leaderService = new FakeService({ nodeId: "n1" });
    const leader = await listening(leaderService, TOKEN);
    const followerService = follower("n1", leader.url);
    const app = build(followerService, TOKEN);
    const headers = { ...auth, "idempotency-key": "submit-42" };
    const body = { minId: 0, maxId: 99, partitionSize: 10 };
    const first = await inject(app, "createPlan", { body, headers });
    expect(first.statusCode).toBe(201);
    expect(first.headers["x-elk-leader-url"]).toBe(leader.url);
    const retry = await inject(app, "createPlan", { body, headers });
    expect(retry.json()).toEqual({ ...first.json(), duplicate: true });
    expect(leaderService.count("CreatePlan")).toBe(2);
    expect(leaderService.state.plans.size).toBe(1);
    expect(followerService.proposals, "the follower proposed nothing").toEqual([]);
    const pause = await inject(app, "pausePlan", {
      params: { planId: first.json().planId },
      headers: auth,
    });
    expect(pause.json()).toMatchObject({ planStatus: "paused" });
    expect(leader.served.map((s) => `${s.method} ${s.route} ${s.statusCode}`)).toEqual([
      "POST /v1/plans 201",
      "POST /v1/plans 201",
      "POST /v1/plans/:planId/pause 200",
    ]);
  });

  it("passes the leader's problem through unchanged", async () => {
    const leader = await listening(new FakeService({ nodeId: "n1" }));
    const app = build(follower("n1", leader.url));
    const response = await inject(app, "pausePlan", { params: { planId: "ghost" } });
    expectProblem(response, 404, "not_found");
    expect(response.headers["x-elk-leader-url"]).toBe(leader.url);
  });

  it("forwards when proposing says not_leader even if leader() did not know yet", async () => {
    const leaderService = new FakeService({ nodeId: "n1" });
    const leader = await listening(leaderService);
    const followerService = follower("n1", leader.url);
    const app = build(followerService);
    followerService.leader = () => ({ leaderId: null, leaderUrl: null });
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    expect(followerService.count("RegisterWorker")).toBe(1);
    expect(leaderService.state.workers.has("w1")).toBe(true);
  });

  it("serves reads locally, never forwarding them", async () => {
    const followerService = follower("n1", "http://127.0.0.1:9");
    followerService.applyNow({
      type: "CreatePlan",
      planId: "local",
      minId: 0,
      maxId: 9,
      partitionSize: 5,
    });
    const app = build(followerService);
    const page = await ok(app, "listPlans");
    expect(page.items.map((p) => p.planId)).toEqual(["local"]);
    expect(
      await ok(app, "getPlan", { params: { planId: "local" }, query: { consistency: "stale" } }),
    ).toMatchObject({ partitionCount: 2 });
  });

  it("never forwards twice: two nodes that each name the other as leader answer 503 not_leader", async () => {
    const a = new FakeService({ nodeId: "a", role: "follower" });
    const b = new FakeService({ nodeId: "b", role: "follower" });
    const nodeA = await listening(a);
    const nodeB = await listening(b);
    a.leaderInfo = { leaderId: b.nodeId, leaderUrl: nodeB.url };
    b.leaderInfo = { leaderId: a.nodeId, leaderUrl: nodeA.url };
    const response = await inject(nodeA.app, "registerWorker", { body: { workerId: "w1" } });
    const problem = expectProblem(response, 503, "not_leader");
    expect(problem).toMatchObject({ leaderId: "a", leaderUrl: nodeA.url });
    expect(response.headers["retry-after"]).toBe("1");
    expect(nodeB.served).toHaveLength(1);
    expect(nodeA.served, "a served once: the test's request, never a bounce").toHaveLength(1);
    expect(b.count("RegisterWorker")).toBe(1);
    expect(a.proposals).toEqual([]);
  });

  it("a request a peer forwarded (hop header with a valid proof) is answered 503 not_leader, naming the leader", async () => {
    const app = build(follower("n1", "http://127.0.0.1:9"));
    const hop = forwardedByValue(TEST_CLUSTER_SECRET, "n3", "POST", "/v1/workers");
    const response = await inject(app, "registerWorker", {
      body: { workerId: "w1" },
      headers: { "x-elk-forwarded-by": hop },
    });
    expect(expectProblem(response, 503, "not_leader")).toMatchObject({ leaderId: "n1" });
  });

  it("a hop header a client made up is ignored: writes with and without a body are forwarded", async () => {
    const leaderService = new FakeService({ nodeId: "n1" });
    const leader = await listening(leaderService);
    const app = build(follower("n1", leader.url));
    const planId = (await ok(app, "createPlan", { body: { minId: 0, maxId: 9, partitionSize: 5 } }))
      .planId;
    const pauseUrl = `/v1/plans/${planId}/pause`;
    const forged = [
      "n3",
      "n1",
      `n3 ${"0".repeat(64)}`,
      forwardedByValue("another-cluster-secret-123", "n3", "POST", pauseUrl),
      forwardedByValue(TEST_CLUSTER_SECRET, "n3", "POST", "/v1/plans/other/pause"),
      `${forwardedByValue(TEST_CLUSTER_SECRET, "n3", "POST", pauseUrl)} extra`,
    ];
    for (const header of forged) {
      const headers = { "x-elk-forwarded-by": header };
      const pause = await inject(app, "pausePlan", { params: { planId }, headers });
      expect(pause.statusCode, `${header}: ${pause.body}`).toBe(200);
      expect(pause.headers["x-elk-leader-url"]).toBe(leader.url);
      const resume = await inject(app, "resumePlan", { params: { planId }, headers });
      expect(resume.statusCode, `${header}: ${resume.body}`).toBe(200);
      const worker = await inject(app, "registerWorker", { body: { workerId: "w1" }, headers });
      expect(worker.statusCode, `${header}: ${worker.body}`).toBeLessThan(300);
    }
    expect(leaderService.count("PausePlan")).toBe(forged.length);
  });

  it("an unreachable leader is a retryable 503 not_leader", async () => {
    const closed = await listening(new FakeService());
    const url = closed.url;
    await closed.app.close();
    const app = build(follower("n1", url));
    const response = await inject(app, "registerWorker", { body: { workerId: "w1" } });
    const problem = expectProblem(response, 503, "not_leader");
    expect(problem.detail).toMatch(/cannot reach the leader/);
    expect(response.headers["retry-after"]).toBe("1");
  });

  it("a forward that fails after sending is 504 proposal_timeout (outcome unknown)", async () => {
    const app = buildTestApp({
      service: follower("n1", "http://127.0.0.1:9"),
      forward: async () => {
        throw new Error("socket hang up");
      },
    });
    apps.push(app);
    const response = await inject(app, "registerWorker", { body: { workerId: "w1" } });
    expect(expectProblem(response, 504, "proposal_timeout").detail).toMatch(/hang up/);
    expect(response.headers["retry-after"]).toBeUndefined();
  });

  it("with no leader a write is 503 no_leader with Retry-After; a stale read still works", async () => {
    const app = build(new FakeService({ role: "leaderless" }));
    const response = await inject(app, "registerWorker", { body: { workerId: "w1" } });
    expectProblem(response, 503, "no_leader");
    expect(response.headers["retry-after"]).toBe("1");
    expectProblem(await inject(app, "listWorkers"), 503, "no_leader");
    expect((await ok(app, "listWorkers", { query: { consistency: "stale" } })).items).toEqual([]);
  });
});

describe("bodies a follower cannot forward", () => {
  const nested = (levels: number, open: string, close: string) =>
    `{"minId":0,"maxId":9,"partitionSize":5,"options":${open.repeat(levels)}1${close.repeat(levels)}}`;

  it("options nested thousands deep: 400 invalid_request on the follower as on the leader, never a 500", async () => {
    const leader = await listening(new FakeService({ nodeId: "n1" }));
    const app = build(follower("n1", leader.url));
    for (const levels of [5_000, 100_000]) {
      for (const [open, close] of [
        ["[", "]"],
        ['{"a":', "}"],
      ] as const) {
        const body = nested(levels, open, close);
        for (const node of [app, leader.app]) {
          const response = await node.inject({
            method: "POST",
            url: "/v1/plans",
            headers: { "content-type": "application/json" },
            payload: body,
          });
          expect(expectProblem(response, 400, "invalid_request").detail).toMatch(/nest deeper/);
        }
      }
    }
    expect(leader.served.map((s) => s.statusCode)).toEqual([400, 400, 400, 400]);
  });

  it("options a little too deep are forwarded, and the leader's state machine refuses them", async () => {
    const leader = await listening(new FakeService({ nodeId: "n1" }));
    const app = build(follower("n1", leader.url));
    const response = await app.inject({
      method: "POST",
      url: "/v1/plans",
      headers: { "content-type": "application/json" },
      payload: nested(40, "[", "]"),
    });
    expect(expectProblem(response, 400, "invalid_request").detail).toMatch(/options/);
    expect(response.headers["x-elk-leader-url"]).toBe(leader.url);
  });
});

describe("the hop header's proof", () => {
  const secret = "a-cluster-secret-of-enough-bytes";
  const url = "/v1/plans/p1/pause?x=1";

  it("holds for the node, method and path-and-query it was made for, and for nothing else", () => {
    const value = forwardedByValue(secret, "n2", "POST", url);
    expect(value).toMatch(/^n2 [0-9a-f]{64}$/);
    expect(isForwardedByPeer(secret, value, "POST", url)).toBe(true);
    expect(isForwardedByPeer(secret, value, "post", url), "methods compare upper-cased").toBe(true);
    expect(isForwardedByPeer("another-secret-of-enough-bytes", value, "POST", url)).toBe(false);
    expect(isForwardedByPeer(secret, value, "DELETE", url)).toBe(false);
    expect(isForwardedByPeer(secret, value, "POST", "/v1/plans/p1/pause?x=2")).toBe(false);
    expect(isForwardedByPeer(secret, value.replace(/^n2/, "n3"), "POST", url)).toBe(false);
    expect(isForwardedByPeer(secret, [value], "POST", url), "a repeated header").toBe(false);
    expect(isForwardedByPeer(secret, undefined, "POST", url)).toBe(false);
    for (const bad of ["", "n2", "n2 ", `n2 ${"g".repeat(64)}`, `n2  ${value.slice(3)}`]) {
      expect(isForwardedByPeer(secret, bad, "POST", url), JSON.stringify(bad)).toBe(false);
    }
  });
});
