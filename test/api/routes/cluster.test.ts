// Proves the cluster endpoints: Raft status (with the state hash only when asked), leadership
// transfer passed to the node, snapshot on demand.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { stateHash } from "../../../src/state-machine/index.js";
import { makeApp, ok } from "../harness.js";
import type { FakeService } from "../fake-service.js";

let app: FastifyInstance;
let service: FakeService;

beforeEach(() => {
  ({ app, service } = makeApp());
});

afterEach(async () => {
  await app.close();
});

describe("cluster endpoints", () => {
  it("GET /v1/raft/status answers the node's status; ?hash=1 adds the state hash", async () => {
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    const status = await ok(app, "raftStatus");
    expect(status).toMatchObject({ nodeId: "n1", role: "Leader", term: 3, commitIndex: 1 });
    expect(status.peers[0]).toMatchObject({ id: "n2", state: "Replicate", connected: true });
    expect(status.stateHash).toBeUndefined();
    const hashed = await ok(app, "raftStatus", { query: { hash: 1 } });
    expect(hashed.stateHash).toBe(stateHash(service.state));
    expect((await ok(app, "raftStatus", { query: { hash: "false" } })).stateHash).toBeUndefined();
  });

  it("POST /v1/raft/transfer-leadership hands `to` to the node and answers the new leader", async () => {
    expect(await ok(app, "transferLeadership", { body: { to: "n3" } })).toEqual({
      leaderId: "n3",
      leaderUrl: "http://127.0.0.1:2",
    });
    expect(service.transferredTo).toBe("n3");
    await ok(app, "transferLeadership");
    expect(service.transferredTo).toBeUndefined();
  });

  it("POST /v1/raft/snapshot answers the snapshot's index and size", async () => {
    await ok(app, "registerWorker", { body: { workerId: "w1" } });
    expect(await ok(app, "snapshotNow")).toEqual({ index: 1, bytes: 1234 });
  });
});
