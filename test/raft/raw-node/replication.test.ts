// Proves log replication: the leader repairs every follower log of the paper's Figure 7, never
// commits an earlier-term entry by counting replicas (Figure 8), backtracks over long divergent
// suffixes in few round trips, survives reordered and duplicated messages, paces itself with the
// inflight window, and bounds its uncommitted tail.
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../../src/errors.js";
import { createPrng } from "../../../src/util/prng.js";
import type { AppendEntries, Message } from "../../../src/raft/messages.js";
import { Cluster, logWithTerms, type ClusterOptions } from "../harness.js";

const rejections = (lines: string[], from: string) =>
  lines.filter(
    (l) => l.startsWith(`${from}->`) && l.includes("AppendEntriesResponse") && l.includes("reject"),
  );

describe("log repair (Raft §5.3)", () => {
  it("Figure 7: the term-8 leader brings every follower log (a)–(f) to its own", () => {
    // Node 1 is the leader of Figure 7; nodes 2–7 are followers (a)–(f).
    const logs: Record<string, number[]> = {
      "1": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6],
      "2": [1, 1, 1, 4, 4, 5, 5, 6, 6], // (a) missing one entry
      "3": [1, 1, 1, 4], // (b) missing many
      "4": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6], // (c) one extra uncommitted entry
      "5": [1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7], // (d) extra entries of a later term
      "6": [1, 1, 1, 4, 4, 4, 4], // (e) missing and extra entries of term 4
      "7": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3], // (f) a divergent tail of terms 2 and 3
    };
    const c = new Cluster(Object.keys(logs), {
      init: (id) => ({
        hardState: { term: 7, vote: null, commit: 3 },
        entries: logWithTerms(logs[id]!),
      }),
    });
    c.elect("1");
    const expected = [...logs["1"]!, 8].map((term, i) => `${i + 1}/${term}`);
    for (const id of Object.keys(logs)) {
      expect(c.node(id).logTerms()).toEqual(expected);
      expect(c.raw(id).status().commitIndex).toBe(11);
    }
    // (c) and (d) hold more up-to-date logs and refused their votes; the others elected node 1.
    const transcript = c.takeTranscript();
    expect(transcript).toContain("4->1 PreVoteResponse term=7 rejected");
    expect(transcript).toContain("5->1 PreVoteResponse term=7 rejected");
  });

  /**
   * Figure 8 as a script: S1 (leader of term 4) replicates its term-2 entry at index 2 to a
   * majority (S1, S3, S4) but not yet its own term-4 entry. Committing index 2 then would be
   * unsafe: S5 can still be elected with S2–S4 and overwrite it.
   */
  function figure8(options: ClusterOptions = {}): Cluster {
    const c = new Cluster(["1", "2", "3", "4", "5"], {
      checkQuorum: false,
      appendBytesMax: 1,
      init: (id) => ({
        hardState: { term: 3, vote: null, commit: 1 },
        entries: logWithTerms(id === "1" || id === "2" ? [1, 2] : id === "5" ? [1, 3] : [1]),
      }),
      ...options,
    });
    c.campaign("1");
    // S3 and S4 see (and reject) the first probe, which carries 3/4 after 2/2 they lack; every
    // other AppendEntries carrying 3/4 is lost, so they end up with 2/2 only.
    const probed = new Set<string>();
    const lost = (m: Message) => {
      if (m.type !== "AppendEntries" || !m.entries.some((e) => e.index === 3)) return false;
      if ((m.to === "3" || m.to === "4") && !probed.has(m.to)) {
        probed.add(m.to);
        return false;
      }
      return true;
    };
    for (let round = 0; round < 20 && c.queue.length > 0; round++) {
      c.drop(lost);
      c.deliver();
    }
    expect(c.raw("1").status()).toMatchObject({ role: "Leader", term: 4 });
    const progress = c.raw("1").status().progress;
    expect(progress.filter((p) => p.matchIndex >= 2).map((p) => p.id)).toEqual(["3", "4"]);
    return c;
  }

  it("Figure 8: an earlier-term entry on a majority is not committed by counting (Raft §5.4.2)", () => {
    const c = figure8();
    expect(c.raw("1").status().commitIndex).toBe(1);
    // S1 is lost; S5 wins term 5 with S2–S4 and overwrites index 2 everywhere: that was safe
    // only because nobody had committed (let alone applied) 2/2.
    c.crash("1");
    c.campaign("5");
    c.stabilize();
    expect(c.leaders()).toEqual(["5"]);
    for (const id of ["2", "3", "4", "5"]) {
      expect(c.node(id).logTerms()).toEqual(["1/1", "2/3", "3/5"]);
      expect(c.node(id).applied.map((e) => `${e.index}/${e.term}`)).toEqual(["1/1", "2/3", "3/5"]);
    }
    expect(c.node("1").applied.map((e) => `${e.index}/${e.term}`)).toEqual(["1/1"]);
  });

  it("Figure 8 with the commitPreviousTermByCounting fault (TEST ONLY): the unsafe commit happens", () => {
    const c = figure8({ faults: { commitPreviousTermByCounting: true } });
    expect(c.raw("1").status().commitIndex).toBe(2);
    expect(c.node("1").applied.map((e) => `${e.index}/${e.term}`)).toEqual(["1/1", "2/2"]);
    c.crash("1");
    c.campaign("5");
    c.stabilize();
    // Node 1 applied 2/2, the others now apply 2/3 at the same index: state machine safety is gone.
    expect(c.node("2").applied.map((e) => `${e.index}/${e.term}`)).toContain("2/3");
  });

  it("the leader commits earlier-term entries once an entry of its own term is on a majority", () => {
    const c = figure8();
    c.tickAll(4); // heartbeat answers make the leader resend what was lost
    expect(c.raw("1").status().commitIndex).toBe(3);
    expect(c.node("1").applied.map((e) => `${e.index}/${e.term}`)).toEqual(["1/1", "2/2", "3/4"]);
  });
});

describe("fast backtracking (Raft §5.3, conflict hints)", () => {
  /** Nodes 1 and 3 share the leader's log; node 2 diverges after index 10. */
  function divergent(leaderTerms: number[], followerTerms: number[]) {
    const common = Array.from({ length: 10 }, () => 1);
    const c = new Cluster(["1", "2", "3"], {
      init: (id) => ({
        hardState: { term: 70, vote: null, commit: 10 },
        entries: logWithTerms([...common, ...(id === "2" ? followerTerms : leaderTerms)]),
      }),
    });
    c.elect("1");
    expect(c.node("2").logTerms()).toEqual(c.node("1").logTerms());
    return rejections(c.takeTranscript(), "2").length;
  }

  it("skips 60 divergent entries of one term in one round trip", () => {
    const rejected = divergent(Array(60).fill(3), Array(60).fill(2));
    expect(rejected).toBe(1);
  });

  it("skips 60 divergent entries that each carry their own term in one round trip", () => {
    const followerTerms = Array.from({ length: 60 }, (_, i) => i + 2);
    const rejected = divergent(Array(60).fill(62), followerTerms);
    expect(rejected).toBe(1);
  });

  it("skips a follower's longer divergent log and a leader's many terms in few round trips", () => {
    const leaderTerms = Array.from({ length: 55 }, (_, i) => 3 + Math.floor(i / 5));
    expect(divergent(leaderTerms, Array(80).fill(2))).toBeLessThanOrEqual(2);
  });

  it("catches up a follower missing 60 entries in one round trip", () => {
    expect(divergent(Array(60).fill(3), [])).toBe(1);
  });
});

describe("unreliable delivery", () => {
  it("reordered, duplicated and lost messages still leave every log equal and committed", () => {
    const prng = createPrng(42);
    const c = new Cluster(["1", "2", "3", "4", "5"], {
      appendBytesMax: 40,
      inflightMessagesMax: 4,
    });
    c.elect("1");
    for (let i = 0; i < 30; i++) c.propose("1", `cmd-${i}`);
    for (let round = 0; round < 400; round++) {
      const batch = c.queue;
      c.queue = [];
      for (const m of batch) {
        const roll = prng.nextInt(10);
        if (roll === 0) continue; // lost
        const copies = roll === 1 ? 2 : 1; // duplicated
        for (let k = 0; k < copies; k++) c.queue.splice(prng.nextInt(c.queue.length + 1), 0, m);
      }
      c.deliver((m) => c.queue.indexOf(m) < 3); // a few at a time, in shuffled order
      if (round % 5 === 0) for (const id of c.nodes.keys()) c.tick(id);
    }
    c.stabilize();
    c.tickAll(10);
    const expected = c.node("1").logTerms();
    expect(expected).toHaveLength(31);
    for (const id of c.nodes.keys()) {
      expect(c.node(id).logTerms()).toEqual(expected);
      expect(c.raw(id).status().commitIndex).toBe(31);
      expect(c.node(id).applied.map((e) => e.index)).toEqual(expected.map((_, i) => i + 1));
    }
  });

  it("a stale AppendEntries arriving late does not truncate newer entries (Raft §5.3 rule 3)", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.propose("1", "a");
    const stale = c.queue.find((m) => m.to === "2") as AppendEntries;
    c.stabilize();
    c.propose("1", "b");
    c.stabilize();
    expect(c.node("2").logTerms()).toEqual(["1/1", "2/1", "3/1"]);
    c.raw("2").step(stale);
    c.processAll();
    expect(c.node("2").logTerms()).toEqual(["1/1", "2/1", "3/1"]);
    // Its prevLogIndex is below node 2's commit index: node 2 answers with how far it matches.
    expect(c.takeTranscript().at(-1)).toBe("2->1 AppendEntriesResponse term=1 ok match=3");
  });
});

describe("flow control", () => {
  it("pipelines up to inflightMessagesMax AppendEntries, pauses, and resumes on acknowledgements", () => {
    const c = new Cluster(["1", "2", "3"], { appendBytesMax: 1, inflightMessagesMax: 2 });
    c.elect("1");
    c.takeTranscript();
    for (let i = 0; i < 5; i++) c.raw("1").propose(new Uint8Array([i]));
    c.processAll();
    const toTwo = () => c.takeTranscript().filter((l) => l.startsWith("1->2 AppendEntries"));
    expect(toTwo()).toEqual([
      "1->2 AppendEntries term=1 prev=1/1 entries=[2/1] commit=1",
      "1->2 AppendEntries term=1 prev=2/1 entries=[3/1] commit=1",
    ]);
    expect(c.raw("1").status().progress[0]).toMatchObject({
      state: "Replicate",
      inflightMessages: 2,
    });
    // Node 2 acknowledges the first message: one slot frees, one more message goes out.
    c.deliver((m) => m.to === "2" && m.type === "AppendEntries" && m.prevLogIndex === 1);
    c.deliver((m) => m.from === "2");
    expect(toTwo()).toEqual(["1->2 AppendEntries term=1 prev=3/1 entries=[4/1] commit=2"]);
    c.stabilize();
    expect(c.node("2").logTerms()).toHaveLength(6);
  });

  it("the byte bound of the window pauses too (inflightBytesMax)", () => {
    const c = new Cluster(["1", "2", "3"], {
      appendBytesMax: 1,
      inflightMessagesMax: 100,
      inflightBytesMax: 60,
    });
    c.elect("1");
    c.takeTranscript();
    for (let i = 0; i < 5; i++) c.raw("1").propose(new Uint8Array(10));
    c.processAll();
    // Each message carries 10 + 24 bytes: the second reaches 68 ≥ 60 bytes and fills the window.
    expect(c.takeTranscript().filter((l) => l.startsWith("1->2 AppendEntries"))).toHaveLength(2);
  });

  it("a follower in Probe gets one AppendEntries at a time, resent after a heartbeat answer", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.raw("1").reportUnreachable(c.node("2").id);
    expect(c.raw("1").status().progress[0]!.state).toBe("Probe");
    c.raw("1").propose(new Uint8Array([1]));
    c.raw("1").propose(new Uint8Array([2]));
    c.processAll();
    c.drop((m) => m.to === "2");
    c.raw("1").propose(new Uint8Array([3]));
    c.processAll();
    expect(c.queue.filter((m) => m.to === "2")).toEqual([]); // paused: the probe is unanswered
    c.tick("1", 2); // heartbeat
    c.deliver((m) => m.type === "Heartbeat" && m.to === "2");
    c.deliver((m) => m.from === "2");
    c.stabilize();
    expect(c.node("2").logTerms()).toEqual(c.node("1").logTerms());
    expect(c.raw("1").status().progress[0]!.state).toBe("Replicate");
  });
});

describe("leader bounds", () => {
  it("refuses proposals with uncommitted_tail_full once followers fall behind (thesis §10.2.3)", () => {
    const c = new Cluster(["1", "2", "3"], { uncommittedBytesMax: 300 });
    c.elect("1");
    c.isolate("1");
    const propose = () => c.raw("1").propose(new Uint8Array(50));
    let accepted = 0;
    let refused: unknown;
    try {
      for (; accepted < 100; accepted++) propose();
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(CoordinatorError);
    expect((refused as CoordinatorError).code).toBe("uncommitted_tail_full");
    expect(accepted).toBe(4); // 4 × (50 + 24) B = 296 B; a fifth would pass 300 B
    c.heal();
    c.stabilize();
    expect(() => propose()).not.toThrow();
  });

  it("heartbeats carry the commit index clamped to the follower's matchIndex", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.cut("1", "3");
    c.propose("1", "x");
    c.stabilize();
    c.takeTranscript();
    c.tick("1", 2);
    expect(c.takeTranscript().filter((l) => l.includes("Heartbeat "))).toEqual([
      "1->2 Heartbeat term=1 commit=2 round=0",
      "1->3 Heartbeat term=1 commit=1 round=0",
    ]);
  });
});

describe("configuration as a value (ConfState)", () => {
  it("a learner receives the log but neither counts towards commit nor campaigns", () => {
    const c = new Cluster(["1", "2", "3", "4"], { learners: ["3", "4"] });
    c.elect("1");
    c.isolate("2"); // the only other voter: without it nothing commits, whatever the learners hold
    c.propose("1", "x");
    c.stabilize();
    expect(c.node("3").logTerms()).toEqual(["1/1", "2/1"]);
    expect(c.raw("1").status().commitIndex).toBe(1);
    c.heal();
    c.tickAll(2);
    expect(c.raw("1").status().commitIndex).toBe(2);
    expect(
      c
        .raw("1")
        .status()
        .progress.map((p) => [p.id, p.isLearner]),
    ).toEqual([
      ["2", false],
      ["3", true],
      ["4", true],
    ]);
    c.isolate("1");
    c.tickAll(100);
    expect(c.raw("3").status().role).toBe("Follower");
    expect(c.raw("4").status().role).toBe("Follower");
  });
});
