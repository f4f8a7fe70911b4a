// Proves snapshot catch-up (Raft §7): a follower behind the leader's compacted log receives the
// stored snapshot in several InstallSnapshot chunks, out-of-order or lost chunks restart or resend
// the transfer, and a follower within the kept tail catches up by AppendEntries alone.
import { describe, expect, it } from "vitest";
import type { InstallSnapshot } from "../../../src/raft/messages.js";
import { Cluster, type TestNode } from "../harness.js";

/** The application takes a snapshot of its applied state and compacts, keeping `tail` entries. */
function snapshotAndCompact(node: TestNode, bytes: number, tail = 0): void {
  const data = Uint8Array.from({ length: bytes }, (_, i) => i % 251);
  node.storage.createSnapshot(node.appliedIndex, data);
  node.storage.compact(node.appliedIndex - tail);
}

/** Node 3 misses 20 proposals; the others snapshot (350 bytes) and compact them away. */
function behindCompaction(tail = 0): Cluster {
  const c = new Cluster(["1", "2", "3"], { snapshotChunkBytesMax: 100 });
  c.campaign("1");
  c.stabilize();
  c.crash("3");
  for (let i = 0; i < 20; i++) c.propose("1", `cmd-${i}`);
  c.stabilize();
  for (const id of ["1", "2"]) snapshotAndCompact(c.node(id), 350, tail);
  c.takeTranscript();
  c.restart("3");
  return c;
}

/** Delivers everything but snapshot chunks until the leader has a chunk for node 3 in flight. */
function untilFirstChunk(c: Cluster): void {
  for (let tick = 0; tick < 10; tick++) {
    c.tick("1");
    for (let round = 0; round < 10; round++) {
      if (c.queue.some((m) => m.type === "InstallSnapshot")) return;
      c.deliver((m) => m.type !== "InstallSnapshot");
    }
  }
  throw new Error("the leader never started a snapshot transfer");
}

const chunks = (lines: string[]) => lines.filter((l) => l.includes(" InstallSnapshot "));

describe("snapshot catch-up (Raft §7)", () => {
  it("sends the snapshot in chunks, then replicates after it", () => {
    const c = behindCompaction();
    c.tickAll(4);
    expect(chunks(c.takeTranscript())).toEqual([
      "1->3 InstallSnapshot term=1 snap=21/1 chunk=[0,100)/350",
      "1->3 InstallSnapshot term=1 snap=21/1 chunk=[100,200)/350",
      "1->3 InstallSnapshot term=1 snap=21/1 chunk=[200,300)/350",
      "1->3 InstallSnapshot term=1 snap=21/1 chunk=[300,350)/350 done",
    ]);
    const three = c.node("3");
    expect(three.installedSnapshots).toEqual([21]);
    expect(three.storage.snapshot().data).toEqual(c.node("1").storage.snapshot().data);
    expect(three.storage.snapshot().metadata).toEqual({
      index: 21,
      term: 1,
      confState: { voters: ["1", "2", "3"], learners: [] },
    });
    c.propose("1", "after");
    c.stabilize();
    expect(three.logTerms()).toEqual(["22/1"]);
    expect(three.applied.at(-1)!.index).toBe(22);
    expect(c.raw("3").status()).toMatchObject({
      commitIndex: 22,
      lastApplied: 22,
      snapshotIndex: 21,
    });
  });

  it("a chunk out of order is rejected and the leader restarts the transfer from offset 0", () => {
    const c = behindCompaction();
    untilFirstChunk(c);
    c.deliver((m) => m.type === "InstallSnapshot"); // chunk [0,100)
    c.deliver((m) => m.type === "InstallSnapshotResponse");
    const second = c.queue.find((m) => m.type === "InstallSnapshot") as InstallSnapshot;
    expect(second.offset).toBe(100);
    c.drop((m) => m === second);
    c.takeTranscript();
    c.raw("3").step({ ...second, offset: 200, data: new Uint8Array(100) });
    c.processAll();
    c.deliver((m) => m.type === "InstallSnapshotResponse");
    expect(c.takeTranscript()).toEqual([
      "3->1 InstallSnapshotResponse term=1 snap=21 next=0 rejected",
      "1->3 InstallSnapshot term=1 snap=21/1 chunk=[0,100)/350",
    ]);
    c.stabilize();
    expect(c.node("3").installedSnapshots).toEqual([21]);
  });

  it("a lost chunk is resent after a heartbeat answer", () => {
    const c = behindCompaction();
    untilFirstChunk(c);
    c.drop((m) => m.type === "InstallSnapshot"); // chunk [0,100) is lost
    c.tickAll(6);
    expect(c.node("3").installedSnapshots).toEqual([21]);
    expect(chunks(c.takeTranscript()).filter((l) => l.includes("chunk=[0,100)"))).toHaveLength(2);
  });

  it("duplicated chunks are acknowledged again without restarting the transfer", () => {
    const c = behindCompaction();
    untilFirstChunk(c);
    for (let i = 0; i < 4; i++) {
      const chunk = c.queue.find((m) => m.type === "InstallSnapshot")!;
      c.raw("3").step(chunk); // a duplicate arrives first
      c.deliver((m) => m === chunk);
      c.deliver((m) => m.type === "InstallSnapshotResponse");
    }
    const lines = c.takeTranscript();
    expect(lines.filter((l) => l.includes("rejected"))).toEqual([]);
    expect(chunks(lines)).toHaveLength(4);
    expect(c.node("3").installedSnapshots).toEqual([21]);
  });

  it("a follower still inside the kept tail catches up by AppendEntries, without a snapshot", () => {
    const c = behindCompaction(25);
    c.tickAll(4);
    expect(chunks(c.takeTranscript())).toEqual([]);
    expect(c.node("3").logTerms()).toEqual(c.node("1").logTerms());
  });

  it("a follower that already holds the snapshot's last entry acknowledges without a transfer", () => {
    const c = new Cluster(["1", "2", "3"], { snapshotChunkBytesMax: 100 });
    c.campaign("1");
    c.stabilize();
    c.propose("1", "x");
    c.stabilize();
    const leader = c.node("1");
    snapshotAndCompact(leader, 350);
    c.takeTranscript();
    c.raw("2").step({
      type: "InstallSnapshot",
      from: leader.id,
      to: c.node("2").id,
      term: 1,
      lastIncludedIndex: 2,
      lastIncludedTerm: 1,
      confState: c.confState,
      offset: 0,
      totalBytes: 350,
      data: leader.storage.snapshot().data.subarray(0, 100),
      done: false,
    });
    c.processAll();
    expect(c.takeTranscript()).toEqual([
      "2->1 InstallSnapshotResponse term=1 snap=2 next=350 done",
    ]);
    expect(c.node("2").installedSnapshots).toEqual([]);
  });
});
