// Proves the per-partition reports: checkpoints are coalesced (one in flight, the latest value
// wins, intermediate ones are never sent), refused or backward checkpoints are caught, the final
// report waits for the progress in flight and retries with the SAME seq until accepted, a
// refusal means "lost", and a silenced reporter sends nothing.
import { beforeEach, describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { PartitionReporter } from "../../src/worker/partition-reporter.js";
import type { ReporterDeps } from "../../src/worker/partition-reporter.js";
import { WorkerSessions } from "../../src/worker/sessions.js";
import type { PartitionGrant } from "../../src/worker/worker-client.js";
import { FakeClock, settle } from "./fake-clock.js";
import { MemoryCluster } from "./memory-cluster.js";

let clock: FakeClock;
let cluster: MemoryCluster;
let grant: PartitionGrant;
let refused: CoordinatorError[];
let accepted: number[];

beforeEach(async () => {
  clock = new FakeClock();
  cluster = new MemoryCluster(clock);
  cluster.createPlan("plan", 1, 100, 100);
  const client = cluster.client();
  await client.registerWorker({ workerId: "w1" });
  const answer = await client.acquire("w1", { max: 1 });
  grant = answer.granted[0]!;
  refused = [];
  accepted = [];
});

function reporter(overrides: Partial<ReporterDeps> = {}): PartitionReporter {
  return new PartitionReporter({
    client: cluster.client(),
    workerId: "w1",
    partition: grant,
    range: grant,
    sequencer: new WorkerSessions("w1", () => clock.now()).forPartition("plan", 0),
    leaseProven: () => true,
    backoff: async () => {
      await clock.advance(10);
    },
    onProgress: (checkpointId) => accepted.push(checkpointId),
    onRefused: (error) => refused.push(error),
    onCallFailed: () => {},
    ...overrides,
  });
}

describe("checkpoint coalescing", () => {
  it("sends at most one progress at a time and then only the latest value", async () => {
    cluster.hold("reportProgress");
    const r = reporter();
    r.checkpoint(10, 10);
    await settle();
    r.checkpoint(20, 20);
    r.checkpoint(30, 30);
    r.checkpoint(40, 40);
    await settle();
    expect(cluster.callsOf("reportProgress")).toHaveLength(1);
    cluster.releaseAll();
    await settle();
    const sent = cluster
      .callsOf("reportProgress")
      .map((call) => (call.args[2] as { checkpointId: number }).checkpointId);
    expect(sent).toEqual([10, 40]);
    expect(accepted).toEqual([10, 40]);
    expect(cluster.partition("plan", 0).checkpointId).toBe(40);
  });

  it("refuses checkpoints outside the partition or moving back", () => {
    const r = reporter();
    expect(() => r.checkpoint(0, 1)).toThrow(/outside/);
    expect(() => r.checkpoint(101, 1)).toThrow(/outside/);
    r.checkpoint(50, 50);
    expect(() => r.checkpoint(49, 60)).toThrow(/back/);
    expect(() => r.checkpoint(60, 40)).toThrow(/back/);
  });

  it("a refused progress report is a lost partition", async () => {
    const r = reporter({ partition: { ...grant, fencingToken: grant.fencingToken - 1 } });
    r.checkpoint(10, 10);
    await settle();
    expect(refused.map((e) => e.code)).toEqual(["stale_fencing_token"]);
  });
});

describe("the final report", () => {
  it("waits for the progress in flight, then completes", async () => {
    cluster.hold("reportProgress");
    const r = reporter();
    r.checkpoint(50, 50);
    const done = r.finish({ kind: "complete", processedCount: 100 });
    await settle();
    expect(cluster.callsOf("completePartition")).toHaveLength(0);
    cluster.releaseAll();
    expect(await done).toBe("accepted");
    expect(cluster.partition("plan", 0).status).toBe("completed");
  });

  it("retries a failed attempt with the same seq until it is accepted", async () => {
    cluster.failNext(
      "completePartition",
      new CoordinatorError("unreachable"),
      new CoordinatorError("proposal_timeout"),
    );
    const result = await reporter().finish({ kind: "complete", processedCount: 100 });
    expect(result).toBe("accepted");
    const seqs = cluster.callsOf("completePartition").map((call) => call.seq);
    expect(seqs).toHaveLength(3);
    expect(new Set(seqs).size).toBe(1);
  });

  it("a refusal answers refused; an unprovable lease drops the report unsent", async () => {
    const stale = reporter({ partition: { ...grant, fencingToken: grant.fencingToken + 7 } });
    expect(await stale.finish({ kind: "complete", processedCount: 1 })).toBe("refused");
    const unproven = reporter({ leaseProven: () => false });
    expect(await unproven.finish({ kind: "release" })).toBe("dropped");
    expect(cluster.callsOf("releasePartition")).toHaveLength(0);
  });

  it("a silenced reporter sends neither waiting progress nor its final report", async () => {
    cluster.hold("reportProgress");
    const r = reporter();
    r.checkpoint(10, 10);
    await settle();
    r.checkpoint(20, 20);
    r.silence();
    cluster.releaseAll();
    expect(await r.finish({ kind: "complete", processedCount: 100 })).toBe("dropped");
    expect(cluster.callsOf("reportProgress")).toHaveLength(1);
    expect(cluster.callsOf("completePartition")).toHaveLength(0);
  });
});
