// Proves leader election: a leader emerges, is replaced when lost, split votes resolve, a stale log
// cannot win, PreVote and CheckQuorum keep a cut-off node or a half-broken network from causing
// endless elections, and a vote is granted once per term.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../../src/util/ids.js";
import type { RequestVote } from "../../../src/raft/messages.js";
import { Cluster, entriesOf } from "../harness.js";

const THREE = ["1", "2", "3"];

/** A RequestVote of term 1 from `from` to `to`, with an empty log. */
function voteRequest(from: string, to = "3"): RequestVote {
  return {
    type: "RequestVote",
    from: asNodeId(from),
    to: asNodeId(to),
    term: 1,
    lastLogIndex: 0,
    lastLogTerm: 0,
    leadershipTransfer: false,
  };
}

describe("leader election (Raft §5.2)", () => {
  it("a follower whose election timeout passes becomes leader, and all agree", () => {
    const c = new Cluster(THREE);
    for (let tick = 0; tick < 40 && c.leaders().length === 0; tick++) c.tickAll();
    const [leader] = c.leaders();
    expect(leader).toBeDefined();
    for (const id of THREE) {
      expect(c.raw(id).status()).toMatchObject({ term: 1, leaderId: leader, commitIndex: 1 });
    }
  });

  it("the election timeout is randomized per node from the injected Prng, in [base, 2·base)", () => {
    // Each node campaigns after its own timeout: count ticks until each isolated node pre-campaigns.
    const c = new Cluster(["1", "2", "3", "4", "5"], { seed: 7 });
    const timeouts = [...c.nodes.keys()].map((id) => {
      c.isolate(id);
      let ticks = 0;
      while (c.raw(id).status().role === "Follower") {
        c.tick(id);
        ticks += 1;
      }
      return ticks;
    });
    for (const ticks of timeouts) expect(ticks).toBeGreaterThanOrEqual(10);
    for (const ticks of timeouts) expect(ticks).toBeLessThan(20);
    expect(new Set(timeouts).size).toBeGreaterThan(1);
  });

  it("a new leader is elected in a later term when the leader is lost, and the old one rejoins as follower", () => {
    const c = new Cluster(THREE);
    c.elect("1");
    c.propose("1", "a");
    c.stabilize();
    c.crash("1");
    for (let tick = 0; tick < 60 && c.leaders().length === 0; tick++) c.tickAll();
    const [leader] = c.leaders();
    expect(leader === "2" || leader === "3").toBe(true);
    expect(c.raw(leader!).status().term).toBe(2);
    c.restart("1");
    c.tickAll(5);
    expect(c.raw("1").status()).toMatchObject({ role: "Follower", term: 2, leaderId: leader });
    expect(c.node("1").logTerms()).toEqual(c.node(leader!).logTerms());
  });

  it("split votes resolve: two candidates tie, randomized timeouts elect one later (Raft §5.2)", () => {
    const c = new Cluster(["1", "2", "3", "4"], { preVote: false });
    c.raw("1").campaign();
    c.raw("2").campaign();
    c.processAll();
    // 3 hears from 1 first, 4 from 2 first: two votes each, no majority of four.
    c.deliver((m) => (m.from === "1" && m.to === "3") || (m.from === "2" && m.to === "4"));
    c.stabilize();
    // Each candidate now holds two grants and two refusals: it lost and steps back.
    expect(c.leaders()).toEqual([]);
    for (const id of ["1", "2"]) {
      expect(c.raw(id).status()).toMatchObject({ role: "Follower", term: 1, vote: id });
    }
    for (let tick = 0; tick < 100 && c.leaders().length === 0; tick++) c.tickAll();
    expect(c.leaders()).toHaveLength(1);
    expect(c.raw(c.leaders()[0]!).status().term).toBeGreaterThanOrEqual(2);
  });

  it("a candidate with a stale log cannot win: voters refuse it (Raft §5.4.1)", () => {
    const log = entriesOf([1, 1], [2, 2]);
    const c = new Cluster(THREE, {
      preVote: false,
      init: (id) => ({
        hardState: { term: 2, vote: null, commit: 1 },
        entries: id === "3" ? log.slice(0, 1) : log,
      }),
    });
    c.campaign("3");
    c.stabilize();
    expect(c.takeTranscript()).toEqual([
      "3->1 RequestVote term=3 last=1/1",
      "3->2 RequestVote term=3 last=1/1",
      "1->3 RequestVoteResponse term=3 rejected",
      "2->3 RequestVoteResponse term=3 rejected",
    ]);
    expect(c.raw("3").status().role).toBe("Follower");
    // An up-to-date candidate of the same cluster wins the next term.
    c.elect("1");
    expect(c.node("3").logTerms()).toEqual(["1/1", "2/2", "3/4"]);
  });

  it("a log with a later last term is more up-to-date even when shorter (Raft §5.4.1)", () => {
    const c = new Cluster(THREE, {
      preVote: false,
      init: (id) => ({
        hardState: { term: 3, vote: null, commit: 1 },
        entries: id === "1" ? entriesOf([1, 1], [2, 3]) : entriesOf([1, 1], [2, 2], [3, 2]),
      }),
    });
    c.elect("1");
    for (const id of THREE) expect(c.node(id).logTerms()).toEqual(["1/1", "2/3", "3/4"]);
  });

  it("grants one vote per term: a second candidate of the same term is refused (Raft §5.2)", () => {
    const c = new Cluster(THREE, { preVote: false });
    c.raw("3").step(voteRequest("1"));
    c.raw("3").step(voteRequest("2"));
    c.raw("3").step(voteRequest("1"));
    c.processAll();
    expect(c.takeTranscript()).toEqual([
      "3->1 RequestVoteResponse term=1 granted",
      "3->2 RequestVoteResponse term=1 rejected",
      "3->1 RequestVoteResponse term=1 granted",
    ]);
    expect(c.node("3").storage.initialState().hardState).toEqual({ term: 1, vote: "1", commit: 0 });
  });

  it("the vote is durable: after a restart the node still refuses a second candidate", () => {
    const c = new Cluster(THREE, { preVote: false });
    c.raw("3").step(voteRequest("1"));
    c.processAll();
    c.crash("3");
    c.restart("3");
    c.raw("3").step(voteRequest("2"));
    c.processAll();
    expect(c.takeTranscript().at(-1)).toBe("3->2 RequestVoteResponse term=1 rejected");
  });

  it("ignores messages from strangers and to other nodes, without answering", () => {
    const c = new Cluster(THREE, { preVote: false });
    c.elect("1");
    c.takeTranscript();
    c.raw("2").step({ ...voteRequest("9", "2"), term: 7 });
    c.raw("2").step({ ...voteRequest("3", "1"), term: 7 });
    c.processAll();
    expect(c.takeTranscript()).toEqual([]);
    expect(c.raw("2").status()).toMatchObject({ term: 1, leaderId: "1" });
  });

  it("the grantVoteTwice fault (TEST ONLY) grants a second candidate in the same term", () => {
    const c = new Cluster(THREE, { preVote: false, faults: { grantVoteTwice: true } });
    for (const from of ["1", "2"]) c.raw("3").step(voteRequest(from));
    c.processAll();
    expect(c.takeTranscript()).toEqual([
      "3->1 RequestVoteResponse term=1 granted",
      "3->2 RequestVoteResponse term=1 granted",
    ]);
  });
});

describe("PreVote (thesis §9.6)", () => {
  function partitionAndRejoin(preVote: boolean): Cluster {
    const c = new Cluster(THREE, { preVote, checkQuorum: false });
    c.elect("1");
    c.isolate("3");
    c.tickAll(100);
    c.heal();
    c.tickAll(30);
    return c;
  }

  it("a rejoining node that was cut off does not raise its term or disrupt the leader", () => {
    const c = partitionAndRejoin(true);
    expect(c.leaders()).toEqual(["1"]);
    for (const id of THREE) expect(c.raw(id).status()).toMatchObject({ term: 1, leaderId: "1" });
  });

  it("without PreVote the same rejoining node forces a new election (the test can fail)", () => {
    const c = partitionAndRejoin(false);
    expect(c.raw("1").status().term).toBeGreaterThan(1);
  });

  it("a pre-candidate changes no durable state while asking", () => {
    const c = new Cluster(THREE);
    c.raw("2").campaign();
    const ready = c.raw("2").ready();
    expect(ready.hardState).toBeUndefined();
    expect(ready.softState).toEqual({ role: "PreCandidate", leaderId: null });
    expect(ready.messages.map((m) => `${m.type} term=${m.term}`)).toEqual([
      "PreVote term=1",
      "PreVote term=1",
    ]);
  });
});

describe("CheckQuorum (thesis §6.2)", () => {
  it("a leader that hears from no quorum for a whole election timeout steps down", () => {
    const c = new Cluster(THREE);
    c.elect("1");
    c.isolate("1");
    // The first round (ticks 1–10) still counts the answers heard before the cut.
    c.tick("1", 19);
    expect(c.raw("1").status().role).toBe("Leader");
    c.tick("1", 1);
    expect(c.raw("1").status()).toMatchObject({ role: "Follower", term: 1, leaderId: null });
  });

  it("without CheckQuorum the cut-off leader stays leader (the test can fail)", () => {
    const c = new Cluster(THREE, { checkQuorum: false });
    c.elect("1");
    c.isolate("1");
    c.tick("1", 50);
    expect(c.raw("1").status().role).toBe("Leader");
  });

  it("a follower that heard from its leader within the timeout ignores a RequestVote of a later term", () => {
    const c = new Cluster(THREE, { preVote: false });
    c.elect("1");
    c.takeTranscript();
    c.raw("2").step({ ...voteRequest("3", "2"), term: 5, lastLogIndex: 9, lastLogTerm: 4 });
    c.processAll();
    expect(c.takeTranscript()).toEqual([]);
    expect(c.raw("2").status()).toMatchObject({ term: 1, leaderId: "1" });
  });

  it("asymmetric reachability (1↔2, 2↔3, 1↮3) causes no endless elections", () => {
    const c = new Cluster(THREE);
    c.elect("1");
    c.cut("1", "3");
    c.tickAll(300);
    expect(c.leaders()).toEqual(["1"]);
    for (const id of THREE) expect(c.raw(id).status().term).toBe(1);
    expect(c.raw("2").status().leaderId).toBe("1");
  });

  it("a node stuck in a later term is brought back: the stale leader learns the term and steps down", () => {
    // Without PreVote, node 3 raises its term while cut off; leases make the others ignore its
    // votes, and its answer to the leader's heartbeat tells the leader its term is over.
    const c = new Cluster(THREE, { preVote: false });
    c.elect("1");
    c.isolate("3");
    c.tick("3", 40);
    expect(c.raw("3").status().term).toBeGreaterThan(1);
    c.heal();
    for (let tick = 0; tick < 100; tick++) c.tickAll();
    expect(c.leaders()).toHaveLength(1);
    const term = c.raw(c.leaders()[0]!).status().term;
    for (const id of THREE) expect(c.raw(id).status().term).toBe(term);
    expect(term).toBeGreaterThan(1);
  });
});
