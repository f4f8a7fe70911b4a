// Test harness for coordinator nodes in one process: real LevelDB stores in temp dirs, a fake
// in-memory network (every message goes through the real wire codec; links can be cut one way),
// the real clock with short timings, and condition waits with bounded deadlines.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Message } from "../../src/raft/messages.js";
import { CoordinatorNode, type NodeDeps } from "../../src/node/coordinator-node.js";
import { nodeConfig, type NodeTimings } from "../../src/node/config.js";
import type { Failpoint } from "../../src/node/failpoints.js";
import type {
  NodeLogger,
  NodeStore,
  NodeTransport,
  TransportHandlers,
} from "../../src/node/ports.js";
import { REAL_TIMERS } from "../../src/node/ports.js";
import type { Snapshot } from "../../src/raft/types.js";
import { RaftStore, type PersistRequest, type WriteReport } from "../../src/storage/raft-store.js";
import { stateClock, stateHash } from "../../src/state-machine/index.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import { decodeMessage, encodeMessage } from "../../src/wire/raft-codec.js";
import { CoordinatorError } from "../../src/errors.js";
import { expect } from "vitest";

/** The CoordinatorError `promise` rejects with (the test fails when it resolves or throws another). */
export async function rejection(promise: Promise<unknown>): Promise<CoordinatorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoordinatorError);
  return error as CoordinatorError;
}

/** Short timings: 10 ms ticks, elections after 200–400 ms, small snapshot spans. */
export const TEST_TIMINGS: Partial<NodeTimings> = {
  tickIntervalMs: 10,
  electionTimeoutTicks: 20,
  heartbeatIntervalTicks: 2,
  proposalTimeoutMs: 3_000,
  snapshotEveryEntries: 10_000,
  snapshotLogTailEntries: 100,
  leaderChangeLeaseGraceMs: 500,
  leadershipTransferTimeoutMs: 3_000,
  stopDrainTimeoutMs: 1_000,
};

/**
 * Waits until `condition()` gives a value other than undefined/false, checking every 5 ms, and
 * returns it; fails with `what` after `timeoutMs`.
 */
export async function waitFor<T>(
  what: string,
  condition: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** An in-memory network between the nodes of one test; links are cut per direction. */
export class FakeNetwork {
  private readonly handlers = new Map<NodeId, TransportHandlers>();
  private readonly cut = new Set<string>();
  /** The peers each node last asked to keep links to (NodeTransport.setPeers). */
  readonly linked = new Map<NodeId, ReadonlySet<NodeId>>();
  /** Messages delivered, by type. */
  readonly delivered = new Map<string, number>();

  /** The transport of node `id`. */
  transportFor(id: NodeId): NodeTransport {
    return {
      subscribe: (handlers) => void this.handlers.set(id, handlers),
      send: (message) => this.send(message),
      start: () => undefined,
      close: async () => void this.handlers.delete(id),
      isConnected: (peer) => !this.cut.has(`${id}>${peer}`) && this.handlers.has(peer),
      setPeers: (peers) => void this.linked.set(id, new Set(peers.keys())),
    };
  }

  /** Cuts (or heals) the link from `from` to `to`. */
  setLink(from: NodeId, to: NodeId, up: boolean): void {
    if (up) this.cut.delete(`${from}>${to}`);
    else this.cut.add(`${from}>${to}`);
  }

  /** Cuts (or heals) both directions between `id` and every other node. */
  isolate(id: NodeId, peers: readonly NodeId[], isolated = true): void {
    for (const peer of peers) {
      if (peer === id) continue;
      this.setLink(id, peer, !isolated);
      this.setLink(peer, id, !isolated);
    }
  }

  private send(message: Message): void {
    if (this.cut.has(`${message.from}>${message.to}`)) return;
    const bytes = encodeMessage(message);
    setImmediate(() => {
      const handlers = this.handlers.get(message.to);
      if (handlers === undefined || this.cut.has(`${message.from}>${message.to}`)) return;
      this.delivered.set(message.type, (this.delivered.get(message.type) ?? 0) + 1);
      handlers.onMessage(decodeMessage(bytes));
    });
  }
}

/** A store whose persists can be held back (to see what a node does during a slow fsync). */
export class GatedStore implements NodeStore {
  private gate: Promise<void> | null = null;
  private open: () => void = () => undefined;
  /** Persist calls waiting at the gate right now. */
  waiting = 0;

  constructor(readonly inner: RaftStore) {}

  get dataDir(): string {
    return this.inner.dataDir;
  }

  /** From now on, persists wait until {@link release}. */
  hold(): void {
    this.gate ??= new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.gate = null;
    this.open();
  }

  load() {
    return this.inner.load();
  }

  async persist(request: PersistRequest): Promise<WriteReport> {
    if (this.gate !== null) {
      this.waiting++;
      await this.gate;
      this.waiting--;
    }
    return this.inner.persist(request);
  }

  saveSnapshot(snapshot: Snapshot) {
    return this.inner.saveSnapshot(snapshot);
  }

  compact(index: number) {
    return this.inner.compact(index);
  }

  close() {
    return this.inner.close();
  }
}

/** A logger that keeps warnings and errors for assertions. */
export function recordingLogger(lines: string[]): NodeLogger {
  const keep = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push(`${level} ${message} ${JSON.stringify(fields)}`);
  return {
    debug: () => undefined,
    info: () => undefined,
    warn: keep("warn"),
    error: keep("error"),
  };
}

export const realClock = { nowMs: () => Date.now(), monotonicMs: () => performance.now() };

/** Options of a test cluster. */
export interface ClusterOptions {
  readonly size?: number;
  readonly timings?: Partial<NodeTimings>;
  readonly failpoints?: ReadonlyMap<NodeId, ReadonlySet<Failpoint>>;
}

/** N coordinator nodes in one process, each with its own data directory. */
export class TestCluster {
  readonly ids: NodeId[];
  readonly network = new FakeNetwork();
  readonly nodes = new Map<NodeId, CoordinatorNode>();
  readonly dirs = new Map<NodeId, string>();
  /** Each running node's store (to hold or break it underneath the node). */
  readonly stores = new Map<NodeId, GatedStore>();
  readonly logs: string[] = [];
  readonly fatal: Error[] = [];
  readonly crashes: string[] = [];
  private seed = 1;
  /** Nodes started with `joining` (by {@link join}); they restart the same way. */
  private readonly joined = new Set<NodeId>();

  private constructor(private readonly options: ClusterOptions) {
    this.ids = Array.from({ length: options.size ?? 3 }, (_, i) => asNodeId(`n${i + 1}`));
  }

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const cluster = new TestCluster(options);
    for (const id of cluster.ids) {
      cluster.dirs.set(id, await mkdtemp(path.join(os.tmpdir(), `elk-node-${id}-`)));
    }
    await Promise.all(cluster.ids.map((id) => cluster.startNode(id)));
    return cluster;
  }

  /** The URL every node knows node `id` by. */
  static urlOf(id: NodeId): string {
    return `http://127.0.0.1:${7100 + Number(id.slice(1))}`;
  }

  /**
   * Starts a NEW node `id` that joins the running cluster (an empty data directory, an empty
   * configuration, the current nodes as the members it knows): it does nothing until a leader
   * adds it as a learner.
   */
  async join(id: NodeId): Promise<CoordinatorNode> {
    this.dirs.set(id, await mkdtemp(path.join(os.tmpdir(), `elk-node-${id}-`)));
    this.ids.push(id);
    this.joined.add(id);
    return this.startNode(id);
  }

  /** Starts node `id` from its data directory (again, after a stop). */
  async startNode(id: NodeId, failpoints?: ReadonlySet<Failpoint>): Promise<CoordinatorNode> {
    const dir = this.dirs.get(id)!;
    const store = new GatedStore(await RaftStore.open(dir));
    this.stores.set(id, store);
    const armed = failpoints ?? this.options.failpoints?.get(id);
    const deps: NodeDeps = {
      config: nodeConfig(
        {
          nodeId: id,
          peers: new Map(this.ids.map((peer) => [peer, TestCluster.urlOf(peer)])),
          ...(this.joined.has(id) ? { joining: true } : {}),
          ...(armed === undefined ? {} : { failpoints: armed }),
        },
        { ...TEST_TIMINGS, ...this.options.timings },
      ),
      store,
      transport: this.network.transportFor(id),
      clock: realClock,
      timers: REAL_TIMERS,
      prng: createPrng(this.seed++ * 7919 + Number(id.slice(1))),
      logger: recordingLogger(this.logs),
      onFatal: (error) => void this.fatal.push(error),
      onCrash: (failpoint) => void this.crashes.push(`${id} ${failpoint}`),
    };
    const node = await CoordinatorNode.start(deps).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): CoordinatorNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`node ${id} is not running`);
    return node;
  }

  /**
   * Waits until one running node (not in `except`) leads, every such node agrees, and the
   * leader's LeaderChanged has applied (so it proposes nothing more on its own).
   */
  async leader(except: readonly NodeId[] = [], timeoutMs = 5_000): Promise<CoordinatorNode> {
    return waitFor(
      "a settled leader known to every running node",
      async () => {
        const running = [...this.nodes.values()].filter((n) => !except.includes(n.nodeId));
        const leaders = running.filter((n) => n.raftStatus().role === "Leader");
        const leader = leaders.length === 1 ? leaders[0] : undefined;
        if (leader === undefined || !leader.isReady()) return undefined;
        if (!running.every((n) => n.leader().leaderId === leader.nodeId)) return undefined;
        const term = await leader.read((s) => stateClock(s).leaderTerm, "stale");
        return term === leader.raftStatus().term ? leader : undefined;
      },
      timeoutMs,
    );
  }

  /** The running nodes except `id`. */
  others(id: NodeId): CoordinatorNode[] {
    return [...this.nodes.values()].filter((n) => n.nodeId !== id);
  }

  /** Waits until every running node has applied `index`; returns their state hashes. */
  async converged(index: number, timeoutMs = 5_000): Promise<string[]> {
    const nodes = [...this.nodes.values()];
    await waitFor(
      `every node applied ${index}`,
      () => nodes.every((n) => n.appliedIndex() >= index),
      timeoutMs,
    );
    return Promise.all(nodes.map((n) => n.read((state) => stateHash(state), "stale")));
  }

  /** Stops node `id` gracefully. */
  async stopNode(id: NodeId): Promise<void> {
    await this.node(id).stop();
    this.nodes.delete(id);
  }

  /** Stops every node and removes the data directories. */
  async destroy(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    this.nodes.clear();
    await Promise.all([...this.dirs.values()].map((d) => rm(d, { recursive: true, force: true })));
  }
}
