// Test helper (not a test): the node tests' in-process cluster with a RedisMirror next to every
// node, a worker workload that runs a plan to completion through whichever node leads (and
// survives leader changes), and a check that what Redis holds equals the leader's state.
import type { Redis } from "ioredis";
import { expect } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import { mirrorConfig, type MirrorOptions } from "../../src/mirror/config.js";
import { MirrorKeys } from "../../src/mirror/keys.js";
import { RedisMirror } from "../../src/mirror/redis-mirror.js";
import { RedisStore } from "../../src/mirror/redis-store.js";
import type { MirrorStore, StoreHandlers } from "../../src/mirror/store.js";
import type { ApplyResult, Command } from "../../src/state-machine/index.js";
import type { NodeId } from "../../src/util/ids.js";
import { TestCluster, recordingLogger, waitFor } from "../node/harness.js";
import { expectedMirror, plain, readRedisMirror } from "./expected.js";

/** Errors after which a workload retries its command on whichever node leads then. */
const RETRYABLE = new Set([
  "not_leader",
  "no_leader",
  "node_stopping",
  "proposal_timeout",
  "proposal_dropped",
  "leadership_transfer_in_progress",
]);

/** Builds the store of a node's mirror (default: the real RedisStore). */
export type StoreFactory = (id: NodeId, handlers: StoreHandlers) => MirrorStore | undefined;

export class MirroredCluster {
  readonly mirrors = new Map<NodeId, RedisMirror>();
  /** Warnings and errors of the mirrors, by node. */
  readonly logs = new Map<NodeId, string[]>();

  private constructor(
    readonly cluster: TestCluster,
    private readonly options: MirrorOptions,
    private readonly stores: StoreFactory,
  ) {}

  static async start(options: MirrorOptions, stores: StoreFactory = () => undefined) {
    const mirrored = new MirroredCluster(await TestCluster.start(), options, stores);
    for (const node of mirrored.cluster.nodes.values()) mirrored.attach(node);
    return mirrored;
  }

  get keys(): MirrorKeys {
    return new MirrorKeys(this.options.keyPrefix ?? "elk:");
  }

  /** Starts a mirror next to `node`. */
  attach(node: CoordinatorNode): RedisMirror {
    const lines: string[] = [];
    this.logs.set(node.nodeId, lines);
    const mirror = RedisMirror.start({
      source: node,
      config: mirrorConfig(this.options),
      logger: recordingLogger(lines),
      store: (handlers) =>
        this.stores(node.nodeId, handlers) ??
        new RedisStore(mirrorConfig(this.options), this.keys, handlers, `test-${node.nodeId}`),
    });
    this.mirrors.set(node.nodeId, mirror);
    return mirror;
  }

  mirror(id: NodeId): RedisMirror {
    const mirror = this.mirrors.get(id);
    if (mirror === undefined) throw new Error(`no mirror on ${id}`);
    return mirror;
  }

  /** Stops node `id` (as a crash would end its writes) and then its mirror. */
  async stopNode(id: NodeId): Promise<void> {
    await this.cluster.stopNode(id);
    await this.mirror(id).stop();
    this.mirrors.delete(id);
  }

  async destroy(): Promise<void> {
    await Promise.all([...this.mirrors.values()].map((mirror) => mirror.stop()));
    await this.cluster.destroy();
  }

  /** Proposes `command` to the node leading now, again on a leader change. */
  async propose(command: Command): Promise<ApplyResult> {
    for (;;) {
      const leader = await this.cluster.leader([], 10_000);
      try {
        return await leader.propose(command);
      } catch (error) {
        if (!(error instanceof CoordinatorError) || !RETRYABLE.has(error.code)) throw error;
      }
    }
  }

  /**
   * Runs plan `planId` (`partitions` partitions of 10 ids) to completion with `workers` workers
   * acquiring two at a time, reporting progress, releasing every fifth partition once, and
   * completing. `midway` runs once half the partitions are completed; the workers wait for it.
   */
  async runPlan(
    planId: string,
    partitions: number,
    midway: () => Promise<void> = async () => undefined,
    workers = 3,
  ): Promise<void> {
    const created = await this.propose({
      type: "CreatePlan",
      planId,
      minId: 0,
      maxId: partitions * 10 - 1,
      partitionSize: 10,
    });
    expect(created.status).toBe("ok");
    let completed = 0;
    let halfway: Promise<void> = Promise.resolve();
    let midwayStarted = false;
    const released = new Set<number>();
    let done = false;
    const work = async (workerId: string) => {
      await this.propose({ type: "RegisterWorker", workerId, leaseTtlMs: 60_000 });
      while (!done) {
        // Mid-plan events happen between the two halves: the workload waits for them.
        await halfway;
        const acquired = await this.propose({ type: "AcquirePartitions", workerId, max: 2 });
        const granted =
          acquired.status === "ok" && acquired.type === "AcquirePartitions" ? acquired.granted : [];
        if (granted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        for (const grant of granted) {
          const report = {
            planId,
            partitionId: grant.partitionId,
            workerId,
            fencingToken: grant.fencingToken,
          };
          await this.propose({
            type: "ReportProgress",
            ...report,
            checkpointId: grant.minId,
            processedCount: 1,
          });
          if (grant.partitionId % 5 === 0 && !released.has(grant.partitionId)) {
            released.add(grant.partitionId);
            await this.propose({ type: "ReleasePartition", ...report });
            continue;
          }
          const result = await this.propose({
            type: "CompletePartition",
            ...report,
            processedCount: 10,
          });
          if (result.status !== "ok") continue;
          completed++;
          if (result.type === "CompletePartition" && result.planStatus === "completed") done = true;
          if (completed >= partitions / 2 && !midwayStarted) {
            midwayStarted = true;
            halfway = midway();
          }
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, (_, k) => work(`${planId}-w${k}`)));
    await halfway;
  }

  /**
   * Waits until the mirror of the node leading now has written the leader's applied index, then
   * checks that Redis holds exactly the mirror of the leader's state at that index.
   */
  async expectConverged(redis: Redis, timeoutMs = 15_000): Promise<CoordinatorNode> {
    const leader = await this.cluster.leader([], timeoutMs);
    const prefix = this.options.keyPrefix ?? "elk:";
    const policy = mirrorConfig(this.options).completed;
    const last = await waitFor(
      "Redis holds the mirror of the leader's state",
      async () => {
        const index = leader.appliedIndex();
        if (this.mirror(leader.nodeId).stats().mirroredIndex !== index) return undefined;
        const expected = await leader.read(
          (state) => expectedMirror(state, prefix, policy),
          "stale",
        );
        const actual = await readRedisMirror(redis, prefix);
        if (actual.appliedIndex !== index || leader.appliedIndex() !== index) return undefined;
        return { expected, actual, index };
      },
      timeoutMs,
    );
    expect(plain(last.actual.hashes)).toEqual(plain(last.expected));
    expect(last.actual.staging).toEqual([]);
    expect(last.actual.term).toBe(leader.raftStatus().term);
    return leader;
  }
}
