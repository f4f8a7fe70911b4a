// Proves the Redis mirror end to end on three in-process nodes and a real redis-server
// (docs/REDIS-MIRROR.md): after a plan runs to completion Redis holds exactly the leader's state,
// every key and field, written by the leader alone; when the leader stops mid-plan the new leader
// resyncs and the mirror converges, and a write the old leader had under way, replayed late, is
// refused by the guard; with Redis stopped mid-plan the cluster finishes the plan anyway (Redis
// going away is logged once), and once Redis is back the mirror converges; the completed-partition
// policies (TTL, skip) hold on the real thing. With a stand-in node and the in-memory store: only a
// leader writes, a stale refusal waits for the applied index to pass the mirror's, failures are
// counted and retried with backoff and Redis going away is logged once, and a stopped mirror writes
// nothing more.
import type { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mirrorConfig, type MirrorOptions } from "../../src/mirror/config.js";
import { MirrorKeys } from "../../src/mirror/keys.js";
import { RedisStore } from "../../src/mirror/redis-store.js";
import type {
  CommitOutcome,
  CommitRequest,
  MirrorStore,
  StagingWrite,
} from "../../src/mirror/store.js";
import { NodeEvents } from "../../src/node/events.js";
import { RedisMirror } from "../../src/mirror/redis-mirror.js";
import type { Role } from "../../src/raft/types.js";
import {
  apply,
  createState,
  type Command,
  type CoordinatorState,
} from "../../src/state-machine/index.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { recordingLogger, waitFor } from "../node/harness.js";
import { MemoryStore } from "./memory-store.js";
import { expectedMirror } from "./expected.js";
import { plain, readRedisMirror } from "./expected.js";
import { MirroredCluster } from "./mirrored-cluster.js";
import { RedisServer } from "./redis-server.js";

let server: RedisServer;
let redis: Redis;
let mirrored: MirroredCluster | undefined;

beforeAll(async () => {
  server = await RedisServer.start();
  redis = server.client();
});

afterEach(async () => {
  await mirrored?.destroy();
  mirrored = undefined;
  if (!server.running) {
    await server.start();
    redis.disconnect();
    redis = server.client();
  }
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

function options(keyPrefix: string, more: Partial<MirrorOptions> = {}): MirrorOptions {
  return { redisUrl: server.url, keyPrefix, ...more };
}

/** A store that can hold back one commit, as a slow network would, and hand it to the test. */
class HoldingStore implements MirrorStore {
  holding = false;
  captured: CommitRequest | null = null;
  private fail: (error: Error) => void = () => undefined;

  constructor(readonly inner: MirrorStore) {}

  stage(writes: readonly StagingWrite[], ttlSeconds: number): Promise<void> {
    return this.inner.stage(writes, ttlSeconds);
  }

  commit(request: CommitRequest): Promise<CommitOutcome> {
    if (!this.holding || request.steps.length === 0) return this.inner.commit(request);
    this.holding = false;
    this.captured = request;
    return new Promise((_, reject) => (this.fail = reject));
  }

  /** The held commit's sender gives up on it (it never reached Redis). */
  giveUp(): void {
    this.fail(new Error("held back by the test"));
  }

  scanKeys(pattern: string): Promise<string[]> {
    return this.inner.scanKeys(pattern);
  }

  discard(keys: readonly string[]): Promise<void> {
    return this.inner.discard(keys);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

describe("the Redis mirror", () => {
  it("equals the leader's state after a plan runs to completion, written by the leader only", async () => {
    // Small render chunks: the resync and large rounds go through staging hashes too.
    mirrored = await MirroredCluster.start(options("a:", { renderChunkPartitionsMax: 8 }));
    const first = await mirrored.cluster.leader();
    const lags: number[] = [];
    mirrored
      .mirror(first.nodeId)
      .events.on("flushed", (e) => void (e.lagMs !== null && lags.push(e.lagMs)));
    await mirrored.runPlan("p", 60);
    const leader = await mirrored.expectConverged(redis);
    expect(leader.nodeId).toBe(first.nodeId);
    const plan = JSON.parse((await redis.hget("a:default:plans", "p"))!);
    expect(plan).toMatchObject({ status: "completed", counts: { completed: 60 } });
    expect(await redis.hlen("a:default:plan:p:partitions")).toBe(60);
    for (const node of mirrored.cluster.others(leader.nodeId)) {
      expect(mirrored.mirror(node.nodeId).stats()).toMatchObject({
        leading: false,
        flushesTotal: 0,
      });
    }
    const stats = mirrored.mirror(leader.nodeId).stats();
    expect(stats).toMatchObject({ leading: true, redis: "up", lagEntries: 0, errorsTotal: 0 });
    expect(stats.flushesTotal).toBeGreaterThan(1);
    expect(lags.length).toBeGreaterThan(0);
  });

  it("converges after the leader stops mid-plan; the old leader's delayed write is refused", async () => {
    const stores = new Map<NodeId, HoldingStore>();
    const prefix = "b:";
    mirrored = await MirroredCluster.start(options(prefix), (id, handlers) => {
      const config = mirrorConfig(options(prefix));
      const store = new HoldingStore(
        new RedisStore(config, new MirrorKeys(prefix), handlers, `t-${id}`),
      );
      stores.set(id, store);
      return store;
    });
    const old = await mirrored.cluster.leader();
    const held = stores.get(old.nodeId)!;
    await mirrored.runPlan("p", 40, async () => {
      held.holding = true;
      await mirrored!.propose({ type: "Heartbeat", workerId: "p-w0" });
      await waitFor("the old leader's next write is held back", () => held.captured ?? undefined);
      await mirrored!.cluster.stopNode(old.nodeId);
      held.giveUp();
      await mirrored!.mirror(old.nodeId).stop();
      mirrored!.mirrors.delete(old.nodeId);
    });
    const leader = await mirrored.expectConverged(redis);
    expect(leader.nodeId).not.toBe(old.nodeId);
    expect(mirrored.mirror(leader.nodeId).stats().resyncsTotal).toBeGreaterThanOrEqual(1);

    const captured = held.captured!;
    const before = await readRedisMirror(redis, prefix);
    expect(captured.index).toBeLessThan(before.appliedIndex);
    const outcome = await stores.get(leader.nodeId)!.inner.commit(captured);
    expect(outcome).toEqual({
      kind: "stale",
      mirrorIndex: before.appliedIndex,
      mirrorTerm: before.term,
    });
    const after = await readRedisMirror(redis, prefix);
    expect(plain(after.hashes)).toEqual(plain(before.hashes));
    expect([after.appliedIndex, after.term]).toEqual([before.appliedIndex, before.term]);
    expect(after.staging).toEqual([]);
  });

  it("lets the cluster finish while Redis is down, logs it once, and converges when Redis returns", async () => {
    mirrored = await MirroredCluster.start(
      options("c:", { retryDelayMsMin: 20, retryDelayMsMax: 200 }),
    );
    const leader = await mirrored.cluster.leader();
    const states: string[] = [];
    mirrored.mirror(leader.nodeId).events.on("redis", (e) => void states.push(e.state));
    await mirrored.runPlan("p", 40, () => server.stop());
    const plan = await leader.read((s) => s.plans.get("p")?.status, "stale");
    expect(plan).toBe("completed");
    const stats = mirrored.mirror(leader.nodeId).stats();
    expect(stats.redis).toBe("down");
    expect(stats.lagEntries).toBeGreaterThan(0);
    for (const lines of mirrored.logs.values()) {
      expect(lines.filter((line) => line.includes("Redis is unreachable"))).toHaveLength(1);
    }

    await server.start();
    redis.disconnect();
    redis = server.client();
    await mirrored.expectConverged(redis);
    expect(states).toEqual(["down", "up"]);
    expect(mirrored.mirror(leader.nodeId).stats().redis).toBe("up");
  });

  it("keeps completed partitions in a hash that expires, under the TTL policy", async () => {
    mirrored = await MirroredCluster.start(
      options("d:", { completedTtlSeconds: 120, renderChunkPartitionsMax: 4 }),
    );
    await mirrored.runPlan("p", 20);
    await mirrored.expectConverged(redis);
    expect(await redis.exists("d:default:plan:p:partitions")).toBe(0);
    expect(await redis.hlen("d:default:plan:p:completed")).toBe(20);
    const ttl = await redis.ttl("d:default:plan:p:completed");
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it("drops completed partitions from the mirror when they are not mirrored", async () => {
    mirrored = await MirroredCluster.start(options("e:", { mirrorCompleted: false }));
    await mirrored.runPlan("p", 20);
    await mirrored.expectConverged(redis);
    expect(await redis.keys("e:default:plan:*")).toEqual([]);
    expect(JSON.parse((await redis.hget("e:default:plans", "p"))!).status).toBe("completed");
  });
});

/** Gives a wrong write the time to happen (for checks that nothing was written). */
const quietPeriod = () => new Promise((resolve) => setTimeout(resolve, 30));

/** A node stand-in: a state machine applied by hand, with the node's events. */
class FakeNode {
  readonly nodeId = asNodeId("n1");
  readonly events = new NodeEvents((name, error) => {
    throw new Error(`listener of ${name} failed: ${String(error)}`);
  });
  readonly state = createState();
  index = 0;
  role: Role = "Follower";
  term = 1;

  appliedIndex(): number {
    return this.index;
  }

  raftStatus() {
    return { role: this.role, term: this.term };
  }

  async read<T>(query: (state: CoordinatorState) => T): Promise<T> {
    return query(this.state);
  }

  apply(command: Command): void {
    this.index++;
    const envelope = { proposedAtMs: 1_000 + this.index, command };
    const result = apply(this.state, envelope, this.index);
    this.events.emit("applied", { index: this.index, term: this.term, envelope, result });
    this.events.emit("indexes", { commitIndex: this.index, appliedIndex: this.index });
  }

  setRole(role: Role, term: number): void {
    this.role = role;
    this.term = term;
    this.events.emit("role", { role, leaderId: role === "Leader" ? this.nodeId : null, term });
  }
}

describe("the mirror's control, with a stand-in node and the in-memory store", () => {
  const prefix = "m:";
  const keys = new MirrorKeys(prefix);
  let store: MemoryStore;
  let node: FakeNode;
  let mirror: RedisMirror;
  let lines: string[];

  function start(): void {
    store = new MemoryStore(keys);
    node = new FakeNode();
    lines = [];
    mirror = RedisMirror.start({
      source: node,
      config: mirrorConfig({
        redisUrl: "redis://unused:1",
        keyPrefix: prefix,
        retryDelayMsMin: 10,
        retryDelayMsMax: 40,
      }),
      logger: recordingLogger(lines),
      store: (handlers) => {
        queueMicrotask(() => handlers.onUp());
        return store;
      },
    });
  }

  const mirrored = () => store.strings.get(keys.appliedIndex);

  afterEach(async () => {
    await mirror?.stop();
  });

  it("writes only while the node leads, resyncing when it starts to lead", async () => {
    start();
    node.apply({ type: "CreatePlan", planId: "a", minId: 0, maxId: 49, partitionSize: 10 });
    await quietPeriod();
    expect(store.hashes.size).toBe(0);
    node.setRole("Leader", 2);
    await waitFor("the new leader's resync landed", () => mirrored() === "1");
    expect(plain(store.dataHashes())).toEqual(
      plain(expectedMirror(node.state, prefix, { kind: "keep" })),
    );
    expect(mirror.stats()).toMatchObject({
      leading: true,
      term: 2,
      resyncsTotal: 1,
      lagEntries: 0,
    });
    node.setRole("Follower", 3);
    node.apply({ type: "RegisterWorker", workerId: "w1" });
    await quietPeriod();
    expect(mirrored()).toBe("1");
    expect(mirror.stats()).toMatchObject({ leading: false, lagEntries: 0 });
  });

  it("after a stale refusal, waits until the applied index passes the mirror's, then resyncs", async () => {
    start();
    store.strings.set(keys.appliedIndex, "3");
    store.strings.set(keys.term, "9");
    node.setRole("Leader", 2);
    node.apply({ type: "RegisterWorker", workerId: "w1" });
    await waitFor("the commit was refused", () => mirror.stats().refusedTotal === 1);
    node.apply({ type: "RegisterWorker", workerId: "w2" });
    node.apply({ type: "RegisterWorker", workerId: "w3" });
    await quietPeriod();
    expect(mirror.stats().refusedTotal).toBe(1);
    expect(mirrored()).toBe("3");
    node.apply({ type: "RegisterWorker", workerId: "w4" });
    await waitFor("the resync past the mirror landed", () => mirrored() === "4");
    expect(plain(store.dataHashes())).toEqual(
      plain(expectedMirror(node.state, prefix, { kind: "keep" })),
    );
  });

  it("counts failures, logs Redis going away once, retries with backoff and recovers", async () => {
    start();
    node.setRole("Leader", 2);
    await waitFor("the first resync landed", () => mirrored() === "0");
    store.failure = new Error("connection refused");
    node.apply({ type: "RegisterWorker", workerId: "w1" });
    await waitFor("three flushes failed", () => mirror.stats().errorsTotal >= 3);
    expect(mirror.stats().redis).toBe("down");
    expect(lines.filter((line) => line.includes("Redis is unreachable"))).toHaveLength(1);
    store.failure = null;
    await waitFor("the mirror recovered", () => mirrored() === "1");
    expect(mirror.stats()).toMatchObject({ redis: "up", lagEntries: 0 });
    expect(mirror.stats().resyncsTotal).toBe(2);
  });

  it("writes nothing once stopped", async () => {
    start();
    node.setRole("Leader", 2);
    await waitFor("the first resync landed", () => mirrored() === "0");
    await mirror.stop();
    node.apply({ type: "RegisterWorker", workerId: "w1" });
    await quietPeriod();
    expect(mirrored()).toBe("0");
  });
});
