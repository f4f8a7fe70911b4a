// Proves the RawNode Ready/advance contract end to end on small clusters: an election, replication
// and commit, in the production loop order (persist → send → apply → advance).
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../../src/errors.js";
import { RaftUsageError } from "../../../src/raft/raw-node.js";
import { Cluster } from "../harness.js";

describe("RawNode", () => {
  it("elects a leader with PreVote, replicates its NoOp and commits it (Raft §5.2, §5.3, §8)", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.campaign("1");
    c.stabilize();
    expect(c.takeTranscript()).toEqual([
      "1->2 PreVote term=1 last=0/0",
      "1->3 PreVote term=1 last=0/0",
      "2->1 PreVoteResponse term=1 granted",
      "3->1 PreVoteResponse term=1 granted",
      "1->2 RequestVote term=1 last=0/0",
      "1->3 RequestVote term=1 last=0/0",
      "2->1 RequestVoteResponse term=1 granted",
      "3->1 RequestVoteResponse term=1 granted",
      "1->2 AppendEntries term=1 prev=0/0 entries=[1/1] commit=0",
      "1->3 AppendEntries term=1 prev=0/0 entries=[1/1] commit=0",
      "2->1 AppendEntriesResponse term=1 ok match=1",
      "3->1 AppendEntriesResponse term=1 ok match=1",
      "1->2 AppendEntries term=1 prev=1/1 entries=[] commit=1",
      "1->3 AppendEntries term=1 prev=1/1 entries=[] commit=1",
      "2->1 AppendEntriesResponse term=1 ok match=1",
      "3->1 AppendEntriesResponse term=1 ok match=1",
    ]);
    for (const id of ["1", "2", "3"]) {
      const status = c.raw(id).status();
      expect(status).toMatchObject({ term: 1, leaderId: "1", commitIndex: 1, lastApplied: 1 });
      expect(c.node(id).applied.map((e) => e.type)).toEqual(["NoOp"]);
    }
  });

  it("commits a proposal on every node and reports its position", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.campaign("1");
    c.stabilize();
    const position = c.raw("1").propose(new TextEncoder().encode("hello"));
    expect(position).toEqual({ index: 2, term: 1 });
    c.stabilize();
    for (const id of ["1", "2", "3"]) {
      const last = c.node(id).applied.at(-1)!;
      expect(last).toMatchObject({ index: 2, term: 1, type: "Normal" });
      expect(new TextDecoder().decode(last.data)).toBe("hello");
    }
  });

  it("a single voter elects itself and commits only after persisting its own entry", () => {
    const c = new Cluster(["1"]);
    c.raw("1").campaign();
    const first = c.raw("1").ready();
    expect(first.softState).toEqual({ role: "Leader", leaderId: "1" });
    expect(first.entries.map((e) => e.type)).toEqual(["NoOp"]);
    expect(first.committedEntries).toEqual([]);
    expect(first.mustSync).toBe(true);
    c.node("1").storage.append(first.entries);
    c.node("1").storage.setHardState(first.hardState!);
    c.raw("1").advance();
    const second = c.raw("1").ready();
    expect(second.committedEntries.map((e) => e.index)).toEqual([1]);
    expect(second.hardState?.commit).toBe(1);
    expect(second.mustSync).toBe(false);
  });

  it("refuses proposals on a follower with not_leader naming the leader", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.campaign("1");
    c.stabilize();
    const attempt = () => c.raw("2").propose(new Uint8Array([1]));
    expect(attempt).toThrow(CoordinatorError);
    try {
      attempt();
    } catch (error) {
      expect((error as CoordinatorError).code).toBe("not_leader");
      expect((error as CoordinatorError).details).toEqual({ leaderId: "1" });
    }
  });

  it("enforces ready → advance → ready", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.raw("1").campaign();
    c.raw("1").ready();
    expect(c.raw("1").hasReady()).toBe(false);
    expect(() => c.raw("1").ready()).toThrow(RaftUsageError);
    c.raw("1").advance();
    expect(() => c.raw("1").advance()).toThrow(RaftUsageError);
  });

  it("restarts from storage: term, vote and commit restored, entries after `applied` re-applied", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.propose("1", "a");
    c.propose("1", "b");
    c.stabilize();
    const two = c.node("2");
    two.appliedIndex = 1; // the application lost what it applied after index 1
    c.crash("2");
    c.node("2").restart();
    expect(c.raw("2").status()).toMatchObject({
      term: 1,
      vote: "1",
      commitIndex: 3,
      lastApplied: 1,
    });
    const ready = c.raw("2").ready();
    expect(ready.committedEntries.map((e) => e.index)).toEqual([2, 3]);
    expect(ready.hardState).toBeUndefined(); // nothing new to persist
    expect(ready.softState).toBeUndefined();
  });

  it("input between ready() and advance() is kept for the next Ready", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.propose("1", "a");
    const append = c.queue.find((m) => m.to === "2")!;
    c.queue = [];
    const first = c.raw("2").ready();
    expect(first.messages).toEqual([]);
    c.raw("2").step(append);
    c.raw("2").advance();
    expect(c.raw("2").hasReady()).toBe(true);
    const second = c.raw("2").ready();
    expect(second.entries.map((e) => e.index)).toEqual([2]);
    expect(second.messages.map((m) => m.type)).toEqual(["AppendEntriesResponse"]);
  });
});
