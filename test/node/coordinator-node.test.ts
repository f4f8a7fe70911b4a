// Proves the coordinator node's Ready loop end to end on three in-process nodes with real
// LevelDB stores: elections, replication with equal state hashes, leader-only proposals,
// linearizable and stale reads, leader duties (LeaderChanged, one ExpireLeases per lapse),
// restarts from disk, InstallSnapshot catch-up, proposal timeouts, group commit, graceful
// hand-over, failpoints and stopping on a storage failure.
import { afterEach, describe, expect, it } from "vitest";
import type { CoordinatorError } from "../../src/errors.js";
import {
  getPlan,
  getWorker,
  stateClock,
  type ApplyResult,
  type Command,
  type RegisterWorkerOk,
} from "../../src/state-machine/index.js";
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import { TestCluster, rejection, waitFor } from "./harness.js";

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

async function start(options: Parameters<typeof TestCluster.start>[0] = {}): Promise<TestCluster> {
  cluster = await TestCluster.start(options);
  return cluster;
}

function createPlan(planId: string, maxId = 1_000): Command {
  return { type: "CreatePlan", planId, minId: 1, maxId, partitionSize: 100 };
}

function expectOk(result: ApplyResult): void {
  expect(result.status, JSON.stringify(result)).toBe("ok");
}

/** Registers a worker through `node`; returns its lease end. */
async function registerWorker(node: CoordinatorNode, workerId: string, leaseTtlMs: number) {
  const result = await node.propose({ type: "RegisterWorker", workerId, leaseTtlMs });
  expectOk(result);
  return (result as RegisterWorkerOk).leaseExpiresAtMs;
}

describe("replication", () => {
  it("elects a leader whose proposals apply on every node with the same state hash", async () => {
    const c = await start();
    const leader = await c.leader();
    for (let i = 0; i < 5; i++) expectOk(await leader.propose(createPlan(`plan-${i}`)));
    const hashes = await c.converged(leader.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    for (const node of c.nodes.values()) {
      const plan = await node.read((s) => getPlan(s, "plan-4"), "stale");
      expect(plan?.partitionCount).toBe(10);
    }
  });

  it("refuses a proposal on a follower with not_leader naming the leader and its URL", async () => {
    const c = await start();
    const leader = await c.leader();
    const follower = c.others(leader.nodeId)[0]!;
    const error = await rejection(follower.propose(createPlan("p-x")));
    expect(error.code).toBe("not_leader");
    expect(error.details).toEqual({
      leaderId: leader.nodeId,
      leaderUrl: TestCluster.urlOf(leader.nodeId),
    });
    expect(follower.leader()).toEqual(error.details);
  });

  it("refuses an invalid command before proposing it", async () => {
    const c = await start();
    const leader = await c.leader();
    const before = leader.raftStatus().lastLogIndex;
    const bad = { type: "CreatePlan", minId: 5, maxId: 1, partitionSize: 0 } as Command;
    expect((await rejection(leader.propose(bad))).code).toBe("invalid_request");
    expect(leader.raftStatus().lastLogIndex).toBe(before);
  });
});

describe("reads", () => {
  it("linearizable reads on every node see a write acknowledged just before", async () => {
    const c = await start();
    const leader = await c.leader();
    for (let i = 0; i < 5; i++) {
      expectOk(await leader.propose(createPlan(`read-${i}`)));
      const seen = await Promise.all(
        [...c.nodes.values()].map((n) =>
          n.read((s) => getPlan(s, `read-${i}`)?.planId, "linearizable"),
        ),
      );
      expect(seen).toEqual([`read-${i}`, `read-${i}`, `read-${i}`]);
    }
  });

  it("serves stale reads without a leader and refuses linearizable ones", async () => {
    const c = await start();
    const leader = await c.leader();
    expectOk(await leader.propose(createPlan("kept")));
    const follower = c.others(leader.nodeId)[0]!;
    await waitFor(
      "the follower applied the plan",
      () => follower.appliedIndex() >= leader.appliedIndex(),
    );
    c.network.isolate(follower.nodeId, c.ids);
    await waitFor("the follower lost its leader", () => follower.leader().leaderId === null);
    const plan = await follower.read((s) => getPlan(s, "kept"), "stale");
    expect(plan?.planId).toBe("kept");
    const error = await rejection(follower.read((s) => getPlan(s, "kept"), "linearizable"));
    expect(error.code).toBe("no_leader");
  });

  it("answers a batch of concurrent linearizable reads", async () => {
    const c = await start();
    const leader = await c.leader();
    expectOk(await leader.propose(createPlan("batched")));
    const follower = c.others(leader.nodeId)[0]!;
    const reads = await Promise.all(
      Array.from({ length: 50 }, () =>
        follower.read((s) => getPlan(s, "batched")?.partitionCount, "linearizable"),
      ),
    );
    expect(reads).toEqual(Array.from({ length: 50 }, () => 10));
    const readIndexRequests = c.network.delivered.get("ReadIndex") ?? 0;
    expect(readIndexRequests).toBeGreaterThan(0);
    expect(readIndexRequests).toBeLessThan(50);
  });
});

describe("leader duties", () => {
  it("a new leader proposes LeaderChanged, extending the leases of live workers", async () => {
    const graceMs = 60_000;
    const c = await start({ timings: { leaderChangeLeaseGraceMs: graceMs } });
    const old = await c.leader();
    const before = await registerWorker(old, "w1", 10_000);
    const announced: number[] = [];
    for (const node of c.others(old.nodeId)) {
      node.events.on("leaderChangedProposed", (e) => announced.push(e.term));
    }
    c.network.isolate(old.nodeId, c.ids);
    const isolatedAtMs = Date.now();
    const next = await c.leader([old.nodeId]);
    const term = next.raftStatus().term;
    const lease = await waitFor("the new leader's LeaderChanged applied", async () => {
      const view = await next.read(
        (s) => ({ leaderTerm: stateClock(s).leaderTerm, worker: getWorker(s, "w1") }),
        "stale",
      );
      return view.leaderTerm === term ? view.worker?.leaseExpiresAtMs : undefined;
    });
    expect(announced).toEqual([term]);
    expect(lease).toBeGreaterThanOrEqual(isolatedAtMs + graceMs);
    expect(lease).toBeGreaterThan(before);
  });

  it("proposes ExpireLeases once when a worker's lease lapses", async () => {
    const c = await start();
    const leader = await c.leader();
    const proposed: number[] = [];
    const applied: string[] = [];
    for (const node of c.nodes.values()) {
      node.events.on("leaseExpiryProposed", (e) => proposed.push(e.dueAtMs));
      node.events.on("applied", (e) => {
        const type = (e.envelope?.command as { type?: string } | undefined)?.type;
        if (type === "ExpireLeases" && node === leader) applied.push(JSON.stringify(e.result));
      });
    }
    const due = await registerWorker(leader, "short", 1_000);
    await waitFor("the worker expired", async () => {
      const worker = await leader.read((s) => getWorker(s, "short"), "linearizable");
      return worker?.status === "expired";
    });
    // Another write after the expiry: any second ExpireLeases would have been proposed by then.
    expectOk(await leader.propose(createPlan("after-expiry")));
    await c.converged(leader.appliedIndex());
    expect(proposed).toEqual([due]);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toContain('"expiredWorkerIds":["short"]');
  });
});

describe("restarts", () => {
  it("a stopped follower restarted from its data directory catches up to the same state", async () => {
    const c = await start();
    const leader = await c.leader();
    expectOk(await leader.propose(createPlan("before")));
    const follower = c.others(leader.nodeId)[0]!;
    const id = follower.nodeId;
    await c.stopNode(id);
    for (let i = 0; i < 10; i++) expectOk(await leader.propose(createPlan(`while-down-${i}`)));
    await c.startNode(id);
    const hashes = await c.converged(leader.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    expect(await c.node(id).read((s) => getPlan(s, "while-down-9")?.planId, "stale")).toBe(
      "while-down-9",
    );
  });

  it("all three nodes stopped and restarted keep their state", async () => {
    const c = await start();
    const leader = await c.leader();
    expectOk(await leader.propose(createPlan("durable", 5_000)));
    expectOk(await leader.propose({ type: "RegisterWorker", workerId: "wd", leaseTtlMs: 60_000 }));
    const grant = await leader.propose({ type: "AcquirePartitions", workerId: "wd", max: 3 });
    expectOk(grant);
    await c.converged(leader.appliedIndex());
    const planBefore = await leader.read((s) => getPlan(s, "durable"), "stale");
    for (const id of c.ids) await c.stopNode(id);
    for (const id of c.ids) await c.startNode(id);
    const next = await c.leader();
    const hashes = await c.converged(next.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    for (const node of c.nodes.values()) {
      const plan = await node.read((s) => getPlan(s, "durable"), "stale");
      expect(plan).toEqual(planBefore);
      expect(plan?.counts.claimed).toBe(3);
    }
  });

  it("a follower cut off past a snapshot catches up through InstallSnapshot", async () => {
    const c = await start({ timings: { snapshotEveryEntries: 40, snapshotLogTailEntries: 10 } });
    const leader = await c.leader();
    const follower = c.others(leader.nodeId)[0]!;
    const installed: number[] = [];
    follower.events.on("snapshot", (e) => {
      if (e.origin === "leader") installed.push(e.index);
    });
    c.network.isolate(follower.nodeId, c.ids);
    const snapshotBefore = follower.raftStatus().snapshotIndex;
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 10 }, (_, i) =>
        leader.propose(createPlan(`cut-${round}-${i}`)),
      );
      for (const result of await Promise.all(batch)) expectOk(result);
    }
    await waitFor("the leader compacted its log", () => leader.raftStatus().snapshotIndex >= 40);
    c.network.isolate(follower.nodeId, c.ids, false);
    const hashes = await c.converged(leader.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    expect(installed.length).toBeGreaterThan(0);
    expect(follower.raftStatus().snapshotIndex).toBeGreaterThan(snapshotBefore);
  });
});

describe("proposals", () => {
  it("a proposal the leader cannot commit times out with proposal_timeout", async () => {
    const c = await start();
    const leader = await c.leader();
    c.network.isolate(leader.nodeId, c.ids);
    const error = await rejection(leader.propose(createPlan("lost"), { timeoutMs: 100 }));
    expect(error.code).toBe("proposal_timeout");
  });

  it("a deposed leader's uncommitted proposal fails with proposal_dropped once overwritten", async () => {
    const c = await start();
    const old = await c.leader();
    c.network.isolate(old.nodeId, c.ids);
    const lost = old.propose(createPlan("overwritten"), { timeoutMs: 10_000 });
    const next = await c.leader([old.nodeId]);
    expectOk(await next.propose(createPlan("winner")));
    c.network.isolate(old.nodeId, c.ids, false);
    expect((await rejection(lost)).code).toBe("proposal_dropped");
    const hashes = await c.converged(next.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    expect(await old.read((s) => getPlan(s, "overwritten"), "stale")).toBeUndefined();
  });

  it("group commit: many concurrent proposals share fewer synced writes", async () => {
    const c = await start();
    const leader = await c.leader();
    const before = leader.loopStats();
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        leader.propose({ type: "RegisterWorker", workerId: `g${i}` }),
      ),
    );
    results.forEach(expectOk);
    const after = leader.loopStats();
    expect(after.proposals - before.proposals).toBe(200);
    expect(after.persists - before.persists).toBeLessThan(200);
    expect(after.proposalsPerPersistMax).toBeGreaterThan(1);
  });

  it("a leader replicates an entry while its own fsync of it is still running (thesis §10.2.1)", async () => {
    const c = await start();
    const leader = await c.leader();
    const followers = c.others(leader.nodeId);
    const store = c.stores.get(leader.nodeId)!;
    store.hold();
    const proposal = leader.propose(createPlan("parallel"));
    const index = leader.raftStatus().lastLogIndex + 1;
    await waitFor("both followers persisted the entry", () =>
      followers.every((f) => f.raftStatus().lastLogIndex >= index),
    );
    expect(store.waiting).toBe(1);
    expect(leader.appliedIndex()).toBeLessThan(index);
    store.release();
    expectOk(await proposal);
    expect(leader.appliedIndex()).toBeGreaterThanOrEqual(index);
  });

  it("a follower acknowledges only what it persisted", async () => {
    const c = await start();
    const leader = await c.leader();
    const [held, other] = c.others(leader.nodeId);
    const store = c.stores.get(held!.nodeId)!;
    store.hold();
    c.network.isolate(other!.nodeId, c.ids);
    const proposal = leader.propose(createPlan("durable-ack"), { timeoutMs: 300 });
    await waitFor("the follower is persisting the entry", () => store.waiting > 0);
    expect((await rejection(proposal)).code).toBe("proposal_timeout");
    store.release();
  });

  it("answers duplicates of a client's request with the first result", async () => {
    const c = await start();
    const leader = await c.leader();
    const first = await leader.propose(createPlan("once"), { clientId: "cli", seq: 1 });
    const again = await leader.propose(createPlan("once"), { clientId: "cli", seq: 1 });
    expectOk(first);
    expect(again).toEqual({ ...first, duplicate: true });
  });
});

describe("lifecycle", () => {
  it("a stopping leader hands leadership over and answers its in-flight proposals", async () => {
    const c = await start();
    const old = await c.leader();
    const inFlight = Array.from({ length: 20 }, (_, i) =>
      old.propose(createPlan(`flight-${i}`)).then(
        (result) => result.status,
        (error: CoordinatorError) => error.code,
      ),
    );
    await c.stopNode(old.nodeId);
    expect(c.network.delivered.get("TimeoutNow")).toBe(1);
    const outcomes = await Promise.all(inFlight);
    for (const outcome of outcomes)
      expect(["ok", "node_stopping", "proposal_dropped"]).toContain(outcome);
    const next = await c.leader();
    expect(next.nodeId).not.toBe(old.nodeId);
    expect((await rejection(old.propose(createPlan("late")))).code).toBe("node_stopping");
  });

  it("transferLeadership moves the leadership to the named peer", async () => {
    const c = await start();
    const old = await c.leader();
    const target = c.others(old.nodeId)[1]!.nodeId;
    const info = await old.transferLeadership(target);
    expect(info).toEqual({ leaderId: target, leaderUrl: TestCluster.urlOf(target) });
    expect((await c.leader()).nodeId).toBe(target);
  });

  it("a single-node cluster leads itself and stops, once, without a hand-over", async () => {
    const c = await start({ size: 1 });
    const only = await c.leader();
    expectOk(await only.propose(createPlan("alone")));
    expect(await only.read((s) => getPlan(s, "alone")?.planId, "linearizable")).toBe("alone");
    expect((await rejection(only.transferLeadership())).code).toBe("invalid_request");
    const stopping = only.stop();
    expect(only.stop()).toBe(stopping);
    await c.stopNode(only.nodeId);
    await expect(only.stop()).resolves.toBeUndefined();
    await c.startNode(only.nodeId);
    const again = await c.leader();
    expect(await again.read((s) => getPlan(s, "alone")?.planId, "stale")).toBe("alone");
  });

  it("snapshotNow takes a durable snapshot at the applied index", async () => {
    const c = await start();
    const leader = await c.leader();
    expectOk(await leader.propose(createPlan("snap")));
    const snapshot = await leader.snapshotNow();
    expect(snapshot.index).toBe(leader.appliedIndex());
    expect(snapshot.bytes).toBeGreaterThan(0);
    expect(leader.raftStatus().snapshotIndex).toBe(snapshot.index);
    expect(await leader.snapshotNow()).toEqual(snapshot);
  });

  it("waitForApply resolves on the next apply, or false at its deadline", async () => {
    const c = await start();
    const leader = await c.leader();
    const since = leader.appliedIndex();
    expect(await leader.waitForApply(since, 20)).toBe(false);
    const waiting = leader.waitForApply(since, 5_000);
    expectOk(await leader.propose(createPlan("woken")));
    expect(await waiting).toBe(true);
    const aborted = new AbortController();
    const cancelled = leader.waitForApply(leader.appliedIndex() + 100, 5_000, aborted.signal);
    aborted.abort();
    expect(await cancelled).toBe(false);
  });

  it("a failpoint crashes the node there; restarted, it catches up", async () => {
    const c = await start();
    const leader = await c.leader();
    const follower = c.others(leader.nodeId)[0]!.nodeId;
    await c.stopNode(follower);
    await c.startNode(follower, new Set(["crash-after-persist"]));
    expectOk(await leader.propose(createPlan("crash")));
    await waitFor("the follower crashed", () =>
      c.crashes.includes(`${follower} crash-after-persist`),
    );
    await c.stopNode(follower);
    await c.startNode(follower);
    const hashes = await c.converged(leader.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
  });

  it("a storage failure stops the node with a message naming the data directory", async () => {
    const c = await start();
    const leader = await c.leader();
    await c.stores.get(leader.nodeId)!.close();
    const error = await rejection(leader.propose(createPlan("doomed")));
    expect(error.code).toBe("node_stopping");
    expect(c.fatal).toHaveLength(1);
    expect(c.fatal[0]!.message).toContain(c.dirs.get(leader.nodeId)!);
    expect(c.logs.some((line) => line.startsWith("error") && line.includes("stopped"))).toBe(true);
    expect(leader.isReady()).toBe(false);
  });
});
