// Proves a simulated node follows the production loop: nothing is sent before its Ready is fsynced, a crash before the fsync loses the Ready, a restart resumes from the disk alone, and a paused node loses ticks but keeps messages.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import type { Message } from "../../src/raft/messages.js";
import { InvariantChecker } from "./checker.js";
import { drawScenario } from "./scenario.js";
import type { Scenario } from "./scenario.js";
import { SimNode } from "./sim-node.js";
import type { NodeHost } from "./sim-node.js";

const ids = ["n1", "n2", "n3"].map(asNodeId);

function setup() {
  const drawn = drawScenario(createPrng(1), 3, 100);
  const scenario: Scenario = {
    ...drawn,
    raft: { ...drawn.raft, electionTimeoutTicks: 5, heartbeatIntervalTicks: 1, preVote: false },
  };
  const sent: Message[] = [];
  const syncs: number[] = [];
  const host: NodeHost = {
    scheduleSync: (_node, incarnation) => syncs.push(incarnation),
    send: (m) => sent.push(m),
    applied: () => undefined,
    readAnswered: () => undefined,
    readFailed: () => undefined,
    trace: () => undefined,
  };
  const created: SimNode[] = [];
  const checker = new InvariantChecker(ids, () => created[0]!.disk);
  const node = new SimNode(
    ids[0]!,
    { voters: ids, learners: [] },
    scenario,
    createPrng(2),
    host,
    checker,
    undefined,
  );
  created.push(node);
  /** Ticks until the node asks for an fsync (it campaigned). */
  const tickUntilCampaign = () => {
    for (let i = 0; i < 20 && syncs.length === 0; i++) node.offer({ kind: "tick" });
    expect(syncs).toHaveLength(1);
  };
  return { node, sent, syncs, checker, tickUntilCampaign };
}

describe("SimNode", () => {
  it("sends a Ready's messages only after its fsync", () => {
    const { node, sent, syncs, checker, tickUntilCampaign } = setup();
    tickUntilCampaign();
    expect(node.status()?.role).toBe("Candidate");
    expect(sent).toEqual([]);
    expect(node.disk.durableHardState().term).toBe(0);
    node.syncDone(syncs[0]!);
    expect(node.disk.durableHardState()).toMatchObject({ term: 1, vote: "n1" });
    expect(sent.map((m) => `${m.type}->${m.to}`)).toEqual(["RequestVote->n2", "RequestVote->n3"]);
    expect(checker.violations).toEqual([]);
  });

  it("inputs arriving during the fsync wait in the inbox and run after it", () => {
    const { node, syncs, tickUntilCampaign } = setup();
    tickUntilCampaign();
    const grant = { from: ids[1]!, to: ids[0]!, term: 1, voteGranted: true } as const;
    node.offer({ kind: "message", message: { type: "RequestVoteResponse", ...grant } });
    expect(node.status()?.role).toBe("Candidate");
    node.syncDone(syncs[0]!);
    expect(node.status()?.role).toBe("Leader");
  });

  it("a crash before the fsync loses the Ready's messages; the restart resumes from the disk", () => {
    const termsAfterRestart = new Set<number>();
    for (let seed = 0; seed < 16; seed++) {
      const { node, sent, syncs, checker, tickUntilCampaign } = setup();
      tickUntilCampaign();
      node.crash(createPrng(seed));
      expect(node.isUp).toBe(false);
      node.syncDone(syncs[0]!); // the fsync of the previous life completes: ignored
      expect(sent).toEqual([]);
      node.restart();
      const { term, vote } = node.disk.durableHardState();
      expect(node.status()).toMatchObject({ role: "Follower", term, vote });
      expect(checker.violations).toEqual([]);
      termsAfterRestart.add(term);
    }
    // Some crashes kept the unsynced hard state, some lost it.
    expect(termsAfterRestart).toEqual(new Set([0, 1]));
  });

  it("a paused node loses its ticks, keeps its messages and runs them on resume", () => {
    const { node, syncs } = setup();
    node.pause();
    for (let i = 0; i < 50; i++) node.offer({ kind: "tick" });
    expect(syncs).toEqual([]);
    const append = {
      type: "AppendEntries",
      from: ids[1]!,
      to: ids[0]!,
      term: 3,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [],
      leaderCommit: 0,
    } as const;
    node.offer({ kind: "message", message: append });
    expect(node.status()?.term).toBe(0);
    node.resume();
    expect(node.status()).toMatchObject({ term: 3, leaderId: "n2" });
  });
});
