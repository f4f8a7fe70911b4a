// Proves the planner host keeps an open-ended plan supplied through the state machine: it cuts
// what the source has at the planner's partition size, appends nothing while the plan has
// enough pending partitions or the source has nothing new, closes the plan when the source
// ends, and only one planner acts per plan — a second waits until the first is gone.
import { beforeEach, describe, expect, it } from "vitest";
import { WorkerEventBus } from "../../src/worker/events.js";
import { PlannerHost } from "../../src/worker/planner-host.js";
import type { PartitionPlanner } from "../../src/worker/processor.js";
import { WorkerSessions } from "../../src/worker/sessions.js";
import { FakeClock } from "./fake-clock.js";
import { MemoryCluster } from "./memory-cluster.js";

let clock: FakeClock;
let cluster: MemoryCluster;
/** The highest id the source has, or null once it has ended. */
let sourceMaxId: number | null;
let asked: [number, number][];

const planner: PartitionPlanner = {
  partitionSize: async () => 100,
  nextMaxId: async (startId, rangeSize) => {
    asked.push([startId, rangeSize]);
    return sourceMaxId === null ? null : Math.min(sourceMaxId, startId + rangeSize - 1);
  },
};

function host(workerId: string, lowWater = 20): PlannerHost {
  return new PlannerHost({
    client: cluster.client(),
    planner,
    workerId,
    namespace: "default",
    sessions: new WorkerSessions(workerId, () => clock.now()),
    clock,
    events: new WorkerEventBus(() => {}),
    onCallFailed: (operation, error) => {
      throw new Error(`${operation}: ${String(error)}`);
    },
    pendingLowWaterPartitions: lowWater,
    appendPartitionsMax: 8,
  });
}

beforeEach(async () => {
  clock = new FakeClock();
  cluster = new MemoryCluster(clock);
  sourceMaxId = 1_000;
  asked = [];
  cluster.service.applyNow({
    type: "CreatePlan",
    planId: "feed",
    minId: 1,
    openEnded: true,
    partitionSize: 50,
  });
  const client = cluster.client();
  await client.registerWorker({ workerId: "w1" });
  await client.registerWorker({ workerId: "w2" });
});

describe("PlannerHost", () => {
  it("appends what the source has, at the planner's size, up to the batch bound", async () => {
    const h = host("w1");
    await h.round();
    expect(asked).toEqual([[1, 800]]);
    const plan = cluster.plan("feed");
    expect(plan.partitionCount).toBe(8);
    expect(plan.nextId).toBe(801);
    expect(cluster.partition("feed", 7)).toMatchObject({ minId: 701, maxId: 800 });
    expect(plan.planner?.workerId).toBe("w1");
    expect(h.plans()).toEqual(["feed"]);
  });

  it("appends a partial range, then nothing until the source grows", async () => {
    const h = host("w1");
    await h.round();
    await h.round();
    expect(cluster.plan("feed")).toMatchObject({ partitionCount: 10, nextId: 1_001 });
    expect(cluster.partition("feed", 9)).toMatchObject({ minId: 901, maxId: 1_000 });
    await h.round();
    expect(cluster.plan("feed").partitionCount).toBe(10);
    sourceMaxId = 1_050;
    await h.round();
    expect(cluster.partition("feed", 10)).toMatchObject({ minId: 1_001, maxId: 1_050 });
  });

  it("appends nothing while the plan has enough pending partitions", async () => {
    const h = host("w1", 8);
    await h.round();
    expect(cluster.plan("feed").counts.pending).toBe(8);
    await h.round();
    expect(cluster.plan("feed").partitionCount).toBe(8);
    expect(asked).toHaveLength(1);
  });

  it("closes the plan when the source ends", async () => {
    const h = host("w1");
    sourceMaxId = null;
    await h.round();
    expect(cluster.plan("feed").closed).toBe(true);
    expect(h.plans()).toEqual([]);
  });

  it("one planner per plan: a second one takes over only once the first is gone", async () => {
    const first = host("w1");
    const second = host("w2");
    await first.round();
    await second.round();
    expect(cluster.plan("feed").planner?.workerId).toBe("w1");
    expect(second.plans()).toEqual([]);
    await cluster.client().deregisterWorker("w1");
    sourceMaxId = 2_000;
    await second.round();
    expect(cluster.plan("feed").planner?.workerId).toBe("w2");
    expect(cluster.plan("feed").nextId).toBe(1_601);
  });
});
