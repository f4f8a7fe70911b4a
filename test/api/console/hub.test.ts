// Proves the console stream's bounds: a client gets one full picture and then at most one
// coalesced update per tick (many changes between ticks → one message, with per-plan count
// deltas; a quiet tick → nothing), a slow client gets no deltas while its socket is backed up
// and one fresh picture once it drains, and is dropped if it stays backed up; the number of
// clients is capped; leader changes and elections reach the timeline.
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConsoleHub, type StreamSink } from "../../../src/api/console/hub.js";
import { PeerPoller } from "../../../src/api/console/peer-poller.js";
import { ProgressSampler } from "../../../src/api/progress-sampler.js";
import { NodeEvents } from "../../../src/node/events.js";
import { asNodeId } from "../../../src/util/ids.js";
import { FakeService } from "../fake-service.js";

/** A sink that records messages and reports a settable backlog. */
class RecordingSink implements StreamSink {
  readonly messages: { event: string; data: Record<string, unknown> }[] = [];
  backlogBytes = 0;
  ended = false;
  write(chunk: string): void {
    for (const block of chunk.split("\n\n").filter((b) => b.startsWith("event:"))) {
      const [eventLine, dataLine] = block.split("\n");
      this.messages.push({
        event: (eventLine ?? "").slice("event: ".length),
        data: JSON.parse((dataLine ?? "").slice("data: ".length)) as Record<string, unknown>,
      });
    }
  }
  bufferedBytes(): number {
    return this.backlogBytes;
  }
  end(): void {
    this.ended = true;
  }
}

let nowMs = 1_000_000;
const hubs: ConsoleHub[] = [];

function setup(limits: Partial<{ clientsMax: number; slowClientDropMs: number }> = {}) {
  const service = new FakeService({ clock: () => nowMs });
  const events = new NodeEvents(() => {});
  const members = new Map([["n1", "http://127.0.0.1:1"]]);
  const hub = new ConsoleHub({
    service,
    events,
    members,
    poller: new PeerPoller(
      "n1",
      members,
      async () => {
        throw new Error("no other member");
      },
      undefined,
    ),
    sampler: new ProgressSampler(),
    clock: () => nowMs,
    limits: { tickMs: 1e9, peerPollIntervalMs: 1e9, bufferedBytesMax: 1_000, ...limits },
  });
  hubs.push(hub);
  return { service, events, hub };
}

async function attached(hub: ConsoleHub, sink: RecordingSink): Promise<void> {
  expect(hub.attach(sink)).not.toBeNull();
  await vi.waitFor(() => expect(sink.messages.length).toBeGreaterThan(0));
}

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

describe("ConsoleHub", () => {
  it("sends a full picture first, then one coalesced update per tick, nothing when quiet", async () => {
    const { service, hub } = setup();
    await service.propose({
      type: "CreatePlan",
      planId: "p",
      minId: 0,
      maxId: 99,
      partitionSize: 10,
    });
    await service.propose({ type: "RegisterWorker", workerId: "w1", windowSize: 10 });
    const sink = new RecordingSink();
    await attached(hub, sink);
    expect(sink.messages[0]?.event).toBe("snapshot");
    expect(sink.messages[0]?.data).toMatchObject({
      nodeId: "n1",
      plansTotal: 1,
      plans: [{ planId: "p", counts: { pending: 10 } }],
      workers: [{ workerId: "w1", held: [] }],
      members: [{ id: "n1", url: "http://127.0.0.1:1" }],
    });
    const { granted } = (await service.propose({
      type: "AcquirePartitions",
      workerId: "w1",
      max: 10,
    })) as unknown as { granted: { partitionId: number; fencingToken: number }[] };
    for (const grant of granted.slice(0, 7)) {
      await service.propose({
        type: "CompletePartition",
        planId: "p",
        workerId: "w1",
        partitionId: grant.partitionId,
        fencingToken: grant.fencingToken,
        processedCount: 10,
      });
    }
    nowMs += 250;
    await hub.tick();
    expect(sink.messages).toHaveLength(2);
    const update = sink.messages[1];
    expect(update?.event).toBe("update");
    expect(update?.data["plans"]).toMatchObject([
      {
        planId: "p",
        counts: { completed: 7, claimed: 3 },
        countsDelta: { pending: -10, claimed: 3, completed: 7 },
      },
    ]);
    expect(update?.data["workers"]).toMatchObject([{ workerId: "w1" }]);
    await hub.tick();
    expect(sink.messages, "a tick with no change sends nothing").toHaveLength(2);
  });

  it("skips a backed-up client, sends it one fresh picture when it drains, drops it if it stays", async () => {
    const { service, hub } = setup({ slowClientDropMs: 5_000 });
    await service.propose({
      type: "CreatePlan",
      planId: "p",
      minId: 0,
      maxId: 9,
      partitionSize: 10,
    });
    const slow = new RecordingSink();
    const fast = new RecordingSink();
    await attached(hub, slow);
    await attached(hub, fast);
    slow.backlogBytes = 5_000;
    for (const planId of ["q", "r", "s"]) {
      await service.propose({ type: "CreatePlan", planId, minId: 0, maxId: 9, partitionSize: 10 });
      nowMs += 250;
      await hub.tick();
    }
    expect(fast.messages.map((m) => m.event)).toEqual(["snapshot", "update", "update", "update"]);
    expect(
      slow.messages.map((m) => m.event),
      "no deltas queue up",
    ).toEqual(["snapshot"]);
    slow.backlogBytes = 0;
    nowMs += 250;
    await hub.tick();
    expect(slow.messages.map((m) => m.event)).toEqual(["snapshot", "snapshot"]);
    expect(slow.messages[1]?.data["plansTotal"]).toBe(4);
    slow.backlogBytes = 5_000;
    nowMs += 250;
    await hub.tick();
    nowMs += 5_000;
    await hub.tick();
    expect(slow.ended).toBe(true);
    expect(fast.ended).toBe(false);
    expect(hub.clientCount).toBe(1);
  });

  it("refuses clients beyond the cap and takes one again after a client leaves", async () => {
    const { hub } = setup({ clientsMax: 2 });
    const detach = hub.attach(new RecordingSink());
    expect(hub.attach(new RecordingSink())).not.toBeNull();
    expect(hub.attach(new RecordingSink())).toBeNull();
    detach?.();
    expect(hub.attach(new RecordingSink())).not.toBeNull();
  });

  it("records elections and leader changes in the timeline and sends new ones in updates", async () => {
    const { events, hub } = setup();
    events.emit("role", { role: "Leader", leaderId: asNodeId("n1"), term: 2 as never });
    const sink = new RecordingSink();
    await attached(hub, sink);
    expect(sink.messages[0]?.data["timeline"]).toMatchObject([
      { kind: "leader", leaderId: "n1", term: 2 },
    ]);
    events.emit("role", { role: "PreCandidate", leaderId: null, term: 2 as never });
    events.emit("role", { role: "Follower", leaderId: asNodeId("n2"), term: 3 as never });
    nowMs += 250;
    await hub.tick();
    expect(sink.messages[1]?.data["timeline"]).toMatchObject([
      { kind: "election", term: 2 },
      { kind: "no-leader", term: 2 },
      { kind: "leader", leaderId: "n2", term: 3 },
    ]);
  });
});
