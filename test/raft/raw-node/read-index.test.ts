// Proves ReadIndex linearizable reads (thesis §6.4): the read index is the leader's commit index
// confirmed by a heartbeat round, a new leader answers only after committing its NoOp, followers
// forward reads, and reads fail fast without a leader or when the leader steps down.
import { describe, expect, it } from "vitest";
import { Cluster } from "../harness.js";

describe("ReadIndex (thesis §6.4)", () => {
  it("the leader records its commit index and answers after a quorum echoes the heartbeat round", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.propose("1", "x");
    c.stabilize();
    c.takeTranscript();
    c.raw("1").readIndex("r1");
    c.processAll();
    expect(c.node("1").readStates).toEqual([]);
    c.deliver((m) => m.to === "2");
    c.deliver();
    expect(c.takeTranscript()).toEqual([
      "1->2 Heartbeat term=1 commit=2 round=1",
      "1->3 Heartbeat term=1 commit=2 round=1",
      "2->1 HeartbeatResponse term=1 round=1",
      "3->1 HeartbeatResponse term=1 round=1",
    ]);
    // Node 2's echo alone, with the leader itself, is a quorum of three.
    expect(c.node("1").readStates).toEqual([{ requestId: "r1", index: 2 }]);
  });

  it("a new leader defers reads until its NoOp commits", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.campaign("1");
    while (c.raw("1").status().role !== "Leader") c.deliver(); // its NoOp is not yet replicated
    expect(c.raw("1").status()).toMatchObject({ role: "Leader", commitIndex: 0 });
    c.raw("1").readIndex("early");
    c.processAll();
    expect(c.takeTranscript().filter((l) => l.includes("round=1"))).toEqual([]);
    c.stabilize();
    expect(c.raw("1").status().commitIndex).toBe(1);
    expect(c.node("1").readStates).toEqual([{ requestId: "early", index: 1 }]);
  });

  it("a leader cut off from the quorum cannot confirm a read", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.isolate("1");
    c.raw("1").readIndex("r");
    c.tick("1", 9);
    c.stabilize();
    expect(c.node("1").readStates).toEqual([]);
  });

  it("a follower forwards the read to the leader and receives the read index", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.takeTranscript();
    c.raw("2").readIndex("f1");
    c.stabilize();
    expect(c.takeTranscript()).toEqual([
      "2->1 ReadIndex term=1 req=f1",
      "1->2 Heartbeat term=1 commit=1 round=1",
      "1->3 Heartbeat term=1 commit=1 round=1",
      "2->1 HeartbeatResponse term=1 round=1",
      "3->1 HeartbeatResponse term=1 round=1",
      "1->2 ReadIndexResponse term=1 req=f1 index=1",
    ]);
    expect(c.node("2").readStates).toEqual([{ requestId: "f1", index: 1 }]);
  });

  it("a node that knows no leader fails the read at once", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.raw("2").readIndex("lost");
    c.processAll();
    expect(c.node("2").readFailures).toEqual([{ requestId: "lost", reason: "no_leader" }]);
  });

  it("reads pending at a leader that steps down fail: stepped_down locally, not_ready when forwarded", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.raw("2").readIndex("remote");
    c.processAll();
    c.deliver((m) => m.type === "ReadIndex");
    c.raw("1").readIndex("local");
    c.processAll();
    c.drop((m) => m.type === "Heartbeat");
    c.isolate("1");
    c.tick("1", 20); // CheckQuorum: the leader steps down
    expect(c.raw("1").status().role).toBe("Follower");
    expect(c.node("1").readFailures).toEqual([{ requestId: "local", reason: "stepped_down" }]);
    c.heal();
    c.deliver((m) => m.type === "ReadIndexResponse");
    expect(c.node("2").readFailures).toEqual([{ requestId: "remote", reason: "not_ready" }]);
  });

  it("a single voter serves reads at once", () => {
    const c = new Cluster(["1"]);
    c.campaign("1");
    c.stabilize();
    c.raw("1").readIndex("solo");
    c.processAll();
    expect(c.node("1").readStates).toEqual([{ requestId: "solo", index: 1 }]);
  });

  it("several reads share one heartbeat round when asked before the Ready", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.takeTranscript();
    c.raw("1").readIndex("a");
    c.raw("1").readIndex("b");
    c.stabilize();
    expect(c.takeTranscript().filter((l) => l.includes(" Heartbeat "))).toEqual([
      "1->2 Heartbeat term=1 commit=1 round=2",
      "1->3 Heartbeat term=1 commit=1 round=2",
    ]);
    expect(c.node("1").readStates.map((s) => s.requestId)).toEqual(["a", "b"]);
  });
});
