// Proves the membership endpoints (docs/API.md "Membership"): the configuration as the node knows
// it (progress only on the leader), add → 201 with the learner, each refusal of the node as its
// problem code (member_exists, node_id_reused, learner_not_caught_up, not_a_learner,
// no_live_quorum unless ?force=true, unknown_member, config_change_in_flight), bad ids and
// addresses as 400 before the node is asked, forwarding from a follower, the Raft status's
// membership block, and the admin scope of changes next to the read scope of the listing.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { TokenRegistry } from "../../../src/api/auth.js";
import { learnerCaughtUpEntriesMax } from "../../../src/constants.js";
import { FakeMembership } from "../fake-membership.js";
import { FakeService } from "../fake-service.js";
import { buildTestApp, fails, inject, makeApp, ok, expectProblem } from "../harness.js";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

function leaderApp(membership = new FakeMembership()) {
  const made = makeApp({ membership });
  apps.push(made.app);
  return { ...made, membership };
}

const N4 = { id: "n4", address: "127.0.0.1:7104" };

describe("GET /v1/cluster/members", () => {
  it("lists voters then learners with the leader's progress on the leader", async () => {
    const { app } = leaderApp();
    await ok(app, "addMember", { body: N4 });
    const view = await ok(app, "listMembers");
    expect(view).toMatchObject({ nodeId: "n1", leaderId: "n1", configIndex: 1, removed: [] });
    expect(view.caughtUpEntriesMax).toBe(learnerCaughtUpEntriesMax);
    expect(view.members.map((m) => `${m.id}:${m.role}`)).toEqual([
      "n1:voter",
      "n2:voter",
      "n3:voter",
      "n4:learner",
    ]);
    expect(view.members[0]).toMatchObject({ isLeader: true, matchIndex: null, connected: null });
    expect(view.members[3]).toMatchObject({ entriesBehind: 500, caughtUp: false });
  });

  it("on a follower: its own view, without progress, not forwarded", async () => {
    const service = new FakeService({
      nodeId: "n2",
      role: "follower",
      leader: { leaderId: "n1", leaderUrl: "http://127.0.0.1:1" },
    });
    const app = buildTestApp({ service });
    apps.push(app);
    const view = await ok(app, "listMembers");
    expect(view).toMatchObject({ nodeId: "n2", leaderId: "n1" });
    expect(view.members.find((m) => m.id === "n1")?.isLeader).toBe(true);
    expect(view.members.every((m) => m.matchIndex === null && m.caughtUp === null)).toBe(true);
  });
});

describe("changes", () => {
  it("add answers 201 with the new learner; the same id again is 409 member_exists", async () => {
    const { app, membership } = leaderApp();
    const response = await inject(app, "addMember", { body: N4 });
    expect(response.statusCode).toBe(201);
    expect(response.json().members).toContainEqual(
      expect.objectContaining({ id: "n4", role: "learner", address: "127.0.0.1:7104" }),
    );
    await fails(app, "addMember", { body: N4 }, 409, "member_exists");
    expect(membership.changes).toEqual(["add n4"]);
  });

  it("promote waits for catch-up: 409 learner_not_caught_up with the lag, then 200", async () => {
    const { app, membership } = leaderApp();
    await ok(app, "addMember", { body: N4 });
    const problem = await fails(
      app,
      "promoteMember",
      { params: { id: "n4" } },
      409,
      "learner_not_caught_up",
    );
    expect(problem).toMatchObject({ entriesBehind: 500, caughtUpEntriesMax: 100 });
    membership.members.get("n4")!.entriesBehind = 3;
    const view = await ok(app, "promoteMember", { params: { id: "n4" } });
    expect(view.members.find((m) => m.id === "n4")?.role).toBe("voter");
    await fails(app, "promoteMember", { params: { id: "n4" } }, 409, "not_a_learner");
    await fails(app, "promoteMember", { params: { id: "n9" } }, 404, "unknown_member");
  });

  it("remove: the id goes to `removed` for good (node_id_reused); unknown is 404", async () => {
    const { app } = leaderApp();
    const view = await ok(app, "removeMember", { params: { id: "n3" } });
    expect(view.removed).toEqual(["n3"]);
    expect(view.members.map((m) => m.id)).toEqual(["n1", "n2"]);
    await fails(app, "removeMember", { params: { id: "n3" } }, 404, "unknown_member");
    await fails(
      app,
      "addMember",
      { body: { id: "n3", address: "127.0.0.1:7103" } },
      409,
      "node_id_reused",
    );
  });

  it("remove without a live majority after it: 409 no_live_quorum, done with ?force=true", async () => {
    const { app, membership } = leaderApp();
    membership.down.add("n2");
    const problem = await fails(
      app,
      "removeMember",
      { params: { id: "n3" } },
      409,
      "no_live_quorum",
    );
    expect(problem).toMatchObject({ liveVoters: 1, votersAfter: 2 });
    expect(membership.members.has("n3")).toBe(true);
    const forced = await ok(app, "removeMember", {
      params: { id: "n3" },
      query: { force: true },
    });
    expect(forced.removed).toEqual(["n3"]);
  });

  it("one change at a time: 409 config_change_in_flight, retryable", async () => {
    const { app, membership } = leaderApp();
    membership.changeInFlight = true;
    const response = await inject(app, "addMember", { body: N4 });
    expectProblem(response, 409, "config_change_in_flight");
    expect(membership.changes).toEqual([]);
  });

  it("bad ids and addresses are 400 before the node is asked", async () => {
    const { app, membership } = leaderApp();
    const bad = [
      { id: "n 4", address: "127.0.0.1:7104" },
      { id: "x".repeat(65), address: "127.0.0.1:7104" },
      { id: "n4", address: "127.0.0.1" },
      { id: "n4", address: "127.0.0.1:0" },
      { id: "n4", address: "127.0.0.1:65536" },
      { id: "n4", address: "http://127.0.0.1:7104" },
      { id: "n4" },
    ];
    for (const body of bad) {
      const problem = await fails(app, "addMember", { body }, 400, "invalid_request");
      expect(problem.detail, JSON.stringify(body)).toMatch(/^body/);
    }
    for (const address of ["[::1]:7104", "node-4.example.com:65535"]) {
      await ok(app, "addMember", { body: { id: `a${address.length}`, address } });
    }
    expect(membership.changes).toHaveLength(2);
  });
});

describe("forwarding and status", () => {
  it("a follower forwards a change to the leader and answers its result", async () => {
    const membership = new FakeMembership();
    const leader = buildTestApp({ service: new FakeService({ nodeId: "n1", membership }) });
    apps.push(leader);
    await leader.listen({ host: "127.0.0.1", port: 0 });
    const leaderUrl = `http://127.0.0.1:${(leader.server.address() as AddressInfo).port}`;
    const follower = new FakeService({
      nodeId: "n2",
      role: "follower",
      leader: { leaderId: "n1", leaderUrl },
      membership,
    });
    const app = buildTestApp({ service: follower });
    apps.push(app);
    const response = await inject(app, "addMember", { body: N4 });
    expect(response.statusCode).toBe(201);
    expect(response.headers["x-elk-leader-url"]).toBe(leaderUrl);
    expect(response.json()).toMatchObject({ nodeId: "n1", configIndex: 1 });
    const removal = await inject(app, "removeMember", {
      params: { id: "n4" },
      query: { force: true },
    });
    expect(removal.json().removed).toEqual(["n4"]);
    expect(membership.changes).toEqual(["add n4", "remove n4"]);
  });

  it("the Raft status carries voters, learners, config index and a change in flight", async () => {
    const { app, membership } = leaderApp();
    await ok(app, "addMember", { body: N4 });
    membership.changeInFlight = true;
    expect((await ok(app, "raftStatus")).membership).toEqual({
      voters: ["n1", "n2", "n3"],
      learners: ["n4"],
      configIndex: 1,
      changeInFlight: true,
    });
  });

  it("a read token lists members but cannot change them (403); an admin token can", async () => {
    const tokens = new TokenRegistry([
      { scope: "read", token: "read-token-0123456789" },
      { scope: "write", token: "write-token-0123456789" },
      { scope: "admin", token: "admin-token-0123456789" },
    ]);
    const service = new FakeService();
    const app = buildTestApp({ service, tokens });
    apps.push(app);
    const as = (scope: string) => ({ authorization: `Bearer ${scope}-token-0123456789` });
    expect((await inject(app, "listMembers", { headers: as("read") })).statusCode).toBe(200);
    for (const scope of ["read", "write"]) {
      const calls = [
        inject(app, "addMember", { body: N4, headers: as(scope) }),
        inject(app, "promoteMember", { params: { id: "n4" }, headers: as(scope) }),
        inject(app, "removeMember", { params: { id: "n3" }, headers: as(scope) }),
      ];
      for (const response of await Promise.all(calls)) {
        expectProblem(response, 403, "insufficient_scope");
      }
    }
    expect(service.membership.changes).toEqual([]);
    const added = await inject(app, "addMember", { body: N4, headers: as("admin") });
    expect(added.statusCode).toBe(201);
  });
});
