// Proves the typed client against real listening apps (FakeService behind each): it finds the
// leader (through forwarded answers, not_leader answers, and dead endpoints), retries what is
// safe with the SAME client seq, never retries a write whose outcome is unknown without one,
// gives up at its deadline, and surfaces problem+json as a CoordinatorError with the same code.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import type { ProposeOptions } from "../../src/node/service.js";
import type { Command } from "../../src/state-machine/index.js";
import { createClient, createSequencer } from "../../src/worker/client.js";
import type { ClientOptions, CoordinatorClient } from "../../src/worker/client.js";
import { FakeService } from "../api/fake-service.js";
import { buildTestApp } from "../api/harness.js";
import type { TestAppDeps } from "../api/harness.js";

const apps: FastifyInstance[] = [];
const clients: CoordinatorClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function serve(
  service: FakeService,
  deps: Omit<TestAppDeps, "service"> = {},
): Promise<string> {
  const app = buildTestApp({ service, ...deps });
  apps.push(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** A URL where nothing listens. */
async function deadUrl(): Promise<string> {
  const app = buildTestApp({ service: new FakeService() });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await app.close();
  return url;
}

function client(options: ClientOptions): CoordinatorClient {
  const made = createClient({ retryDeadlineMs: 2_000, random: () => 0.5, ...options });
  clients.push(made);
  return made;
}

/** Records the session options of every proposal. */
function recordSessions(service: FakeService): ProposeOptions[] {
  const seen: ProposeOptions[] = [];
  const propose = service.propose.bind(service);
  service.propose = (command: Command, options?: ProposeOptions) => {
    seen.push(options ?? {});
    return propose(command, options);
  };
  return seen;
}

describe("leader discovery and failover", () => {
  it("learns the leader from a forwarded answer and then goes there directly", async () => {
    const leader = new FakeService({ nodeId: "n1" });
    const leaderUrl = await serve(leader);
    const followerUrl = await serve(
      new FakeService({ nodeId: "n2", role: "follower", leader: { leaderId: "n1", leaderUrl } }),
    );
    const c = client({ endpoints: [followerUrl, leaderUrl] });
    expect(c.currentEndpoint()).toBe(followerUrl);
    await c.registerWorker({ workerId: "w1" });
    expect(c.currentEndpoint()).toBe(leaderUrl);
    expect((await c.heartbeat("w1")).workerStatus).toBe("active");
    expect(leader.count("Heartbeat")).toBe(1);
  });

  it("follows the leaderUrl of a not_leader answer", async () => {
    const leader = new FakeService({ nodeId: "n1" });
    const leaderUrl = await serve(leader);
    const refused = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const followerUrl = await serve(
      new FakeService({ nodeId: "n2", role: "follower", leader: { leaderId: "n1", leaderUrl } }),
      {
        forward: async () => {
          throw refused;
        },
      },
    );
    const c = client({ endpoints: [followerUrl] });
    const created = await c.createPlan({ minId: 0, maxId: 9, partitionSize: 5 });
    expect(created.partitionCount).toBe(2);
    expect(c.currentEndpoint()).toBe(leaderUrl);
    expect(leader.count("CreatePlan")).toBe(1);
  });

  it("passes over endpoints that cannot be reached, even for a write without a session", async () => {
    const leader = new FakeService();
    const leaderUrl = await serve(leader);
    const c = client({ endpoints: [await deadUrl(), await deadUrl(), leaderUrl] });
    await c.registerWorker({ workerId: "w1" });
    expect(c.currentEndpoint()).toBe(leaderUrl);
    expect(leader.count("RegisterWorker")).toBe(1);
  });

  it("reports unreachable when no endpoint answers before the deadline", async () => {
    const c = client({ endpoints: [await deadUrl()], retryDeadlineMs: 200 });
    const started = Date.now();
    const error = await c.listPlans().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorError);
    expect((error as CoordinatorError).code).toBe("unreachable");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("waits out an election: no_leader is retried until a leader appears", async () => {
    const service = new FakeService({ role: "leaderless" });
    const url = await serve(service);
    const c = client({ endpoints: [url] });
    setTimeout(() => {
      service.role = "leader";
    }, 150);
    await c.registerWorker({ workerId: "w1" });
    expect(service.count("RegisterWorker")).toBeGreaterThan(1);
    expect(service.state.workers.has("w1")).toBe(true);
  });

  it("asks a pinned endpoint only, e.g. for each node's own status", async () => {
    const a = await serve(new FakeService({ nodeId: "a" }));
    const b = await serve(
      new FakeService({ nodeId: "b", role: "follower", leader: { leaderId: "a", leaderUrl: a } }),
    );
    const c = client({ endpoints: [a, b] });
    expect((await c.raftStatus(undefined, { endpoint: b })).nodeId).toBe("b");
    expect((await c.raftStatus({ hash: true }, { endpoint: a })).stateHash).toMatch(/\S/);
    expect(c.currentEndpoint()).toBe(a);
  });
});

describe("retries and exactly-once", () => {
  it("retries an unknown outcome with the SAME seq and gets the first result back", async () => {
    const service = new FakeService();
    const url = await serve(service);
    const sessions = recordSessions(service);
    const propose = service.propose.bind(service);
    let calls = 0;
    service.propose = async (command, options) => {
      const result = await propose(command, options);
      if (++calls === 1) throw new CoordinatorError("proposal_timeout"); // applied, answer lost
      return result;
    };
    const c = client({ endpoints: [url] });
    const sequencer = createSequencer("w1/register");
    const answer = await c.registerWorker({ workerId: "w1" }, { session: sequencer.next() });
    expect(answer.duplicate).toBe(true);
    expect(sessions).toHaveLength(2);
    expect(sessions[0]).toEqual(sessions[1]);
    expect(sessions[0]?.seq).toBeGreaterThan(0);
  });

  it("does not retry a write without a session when its outcome is unknown", async () => {
    const service = new FakeService();
    const url = await serve(service);
    let proposals = 0;
    service.propose = async () => {
      proposals++;
      throw new CoordinatorError("proposal_timeout", "lost in the log");
    };
    const c = client({ endpoints: [url] });
    const error = await c.registerWorker({ workerId: "w1" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "proposal_timeout", message: "lost in the log" });
    expect(proposals).toBe(1);
    const withKey = await c
      .registerWorker({ workerId: "w1" }, { idempotencyKey: "k1", retryDeadlineMs: 200 })
      .catch((e: unknown) => e);
    expect((withKey as CoordinatorError).code).toBe("proposal_timeout");
    expect(proposals, "the keyed write was retried").toBeGreaterThan(2);
  });

  it("surfaces problem+json as a CoordinatorError with the node's code, detail and status", async () => {
    const service = new FakeService();
    const c = client({ endpoints: [await serve(service)] });
    await c.createPlan({ planId: "p", minId: 0, maxId: 9, partitionSize: 10 });
    await c.registerWorker({ workerId: "w1" });
    const [grant] = (await c.acquire("w1", { max: 1 })).granted;
    const error = await c
      .completePartition("p", 0, { workerId: "w1", fencingToken: grant!.fencingToken + 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorError);
    expect(error).toMatchObject({ code: "stale_fencing_token", details: { httpStatus: 409 } });
    expect((await c.getPlan("p")).counts.claimed).toBe(1);
    await expect(c.getPlan("ghost")).rejects.toMatchObject({ code: "not_found" });
    expect(service.count("CompletePartition")).toBe(1);
  });

  it("sends the API token, and a long poll gets its wait on top of the request timeout", async () => {
    const service = new FakeService();
    const url = await serve(service, { apiToken: "t0k" });
    await expect(client({ endpoints: [url] }).listPlans()).rejects.toMatchObject({
      code: "unauthorized",
    });
    const c = client({ endpoints: [url], apiToken: "t0k", requestTimeoutMs: 100 });
    await c.registerWorker({ workerId: "w1" });
    const started = Date.now();
    const answer = await c.acquire("w1", { max: 1, waitMs: 400 });
    expect(answer.granted).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(service.count("AcquirePartitions")).toBe(1);
  });

  it("calls every endpoint of the protocol through a typed method", async () => {
    const c = client({ endpoints: [await serve(new FakeService())] });
    await c.createPlan({ planId: "p", minId: 0, maxId: 19, partitionSize: 10 });
    await c.createPlan({ planId: "log", minId: 0, openEnded: true, partitionSize: 10 });
    await c.registerWorker({ workerId: "w1", windowSize: 4 });
    await c.registerWorker({ workerId: "w2" });
    const [a, b] = (await c.acquire("w1", { max: 2 })).granted;
    const held = (x: typeof a) => ({ workerId: "w1", fencingToken: x!.fencingToken });
    await c.reportProgress("p", a!.partitionId, { ...held(a), checkpointId: 3, processedCount: 4 });
    await c.completePartition("p", a!.partitionId, held(a));
    await c.failPartition("p", b!.partitionId, { ...held(b), error: "x", retryable: false });
    expect((await c.retryFailed("p", { partitionIds: [b!.partitionId] })).retriedCount).toBe(1);
    const [again] = (await c.acquire("w1", { max: 1 })).granted;
    await c.releasePartition("p", again!.partitionId, held(again));
    await expect(
      c.preemptPartition("p", again!.partitionId, { byWorkerId: "w2" }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    await c.appendPartitions("log", { workerId: "w2", upToId: 9 });
    expect((await c.planGaps("p")).gaps).toEqual([{ minId: 10, maxId: 19 }]);
    expect((await c.listPlans({ status: "active" })).items).toHaveLength(2);
    expect((await c.listPartitions({ planId: "p" })).items).toHaveLength(2);
    expect((await c.getPartition("p", 0)).status).toBe("completed");
    expect((await c.pausePlan("p")).planStatus).toBe("paused");
    expect((await c.resumePlan("p")).planStatus).toBe("active");
    expect((await c.cancelPlan("p")).planStatus).toBe("cancelled");
    expect((await c.heartbeat("w1", { draining: true })).workerStatus).toBe("draining");
    expect((await c.listWorkers()).items).toHaveLength(2);
    expect((await c.getWorker("w2")).plannerOf).toEqual(["log"]);
    expect((await c.deregisterWorker("w1")).workerId).toBe("w1");
    expect((await c.transferLeadership({ to: "n2" })).leaderId).toBe("n2");
    expect((await c.snapshotNow()).bytes).toBe(1234);
    expect(await c.healthz()).toEqual({ status: "ok", nodeId: "n1" });
    expect((await c.readyz()).ready).toBe(true);
  });
});

describe("createSequencer", () => {
  it("hands out increasing seqs, also across a restart at the same clock", () => {
    const clock = () => 1_700_000_000_000;
    const first = createSequencer("w1/heartbeat", clock);
    const seqs = [first.next().seq, first.next().seq, first.next().seq];
    expect(seqs[1]).toBe(seqs[0]! + 1);
    expect(seqs[2]).toBe(seqs[1]! + 1);
    let later = 1_700_000_000_001;
    const restarted = createSequencer("w1/heartbeat", () => later++);
    expect(restarted.next().seq).toBeGreaterThan(seqs[2]!);
    expect(Number.isSafeInteger(seqs[0])).toBe(true);
  });

  it("refuses client ids that cannot travel in a header", () => {
    expect(() => createSequencer("")).toThrow(CoordinatorError);
    expect(() => createSequencer("has space")).toThrow(CoordinatorError);
    expect(() => createSequencer("x".repeat(256))).toThrow(CoordinatorError);
  });
});
