// Proves single-server membership changes (thesis §4.1, docs/MEMBERSHIP.md): a learner catches up
// by log and by snapshot and never votes, campaigns or counts; it can be promoted; followers and the
// leader can be removed (by transfer, or by stepping down once the removal commits); one change is
// in flight at a time; configurations take effect on append, roll back on truncation, survive a
// restart and travel in snapshots; 1-, 3- and 5-voter clusters grow and shrink.
import { describe, expect, it } from "vitest";
import type { ConfChange } from "../../../src/raft/types.js";
import { asNodeId } from "../../../src/util/ids.js";
import { Cluster, codeOf, type ClusterOptions } from "../harness.js";

const id = asNodeId;
const addLearner = (n: string): ConfChange => ({
  type: "AddLearner",
  id: id(n),
  address: `10.0.0.${n}:7001`,
});
const promote = (n: string): ConfChange => ({ type: "PromoteLearner", id: id(n) });
const remove = (n: string): ConfChange => ({ type: "RemoveMember", id: id(n) });

/** A cluster of `ids` with `leader` elected and its NoOp committed everywhere. */
function started(ids: string[], leader = "1", options: ClusterOptions = {}): Cluster {
  const c = new Cluster(ids, options);
  c.elect(leader);
  c.stabilize();
  return c;
}

/** Adds `n` as a learner (a fresh node joins first) and lets the change commit. */
function addAndCatchUp(c: Cluster, leader: string, n: string): void {
  c.join(n);
  c.proposeConf(leader, addLearner(n));
  c.stabilize();
  c.tickAll(2);
}

describe("adding a learner", () => {
  it("catches up by the log and learns the whole configuration from it", () => {
    const c = started(["1", "2", "3"]);
    for (let i = 0; i < 5; i++) c.propose("1", `cmd-${i}`);
    c.stabilize();
    addAndCatchUp(c, "1", "4");
    expect(c.node("4").logTerms()).toEqual(c.node("1").logTerms());
    expect(c.raw("4").configuration()).toEqual(c.raw("1").configuration());
    expect(c.raw("1").configuration()).toMatchObject({
      voters: ["1", "2", "3"],
      learners: ["4"],
      addresses: [{ id: "4", address: "10.0.0.4:7001" }],
      index: 7,
      changeInFlight: false,
    });
    expect(c.raw("1").learnerProgress()).toEqual([
      { id: "4", matchIndex: 7, entriesBehind: 0, caughtUp: true },
    ]);
    const applied = c.node("4").applied.map((e) => e.type);
    expect(applied).toEqual(["NoOp", ...Array<string>(5).fill("Normal"), "Config"]);
  });

  it("catches up by a snapshot that carries the configuration, addresses included", () => {
    const c = started(["1", "2", "3"]);
    addAndCatchUp(c, "1", "4");
    for (let i = 0; i < 4; i++) c.propose("1", `cmd-${i}`);
    c.stabilize();
    const leader = c.node("1");
    const snapshot = leader.storage.createSnapshot(leader.appliedIndex, new Uint8Array([7]));
    leader.storage.compact(snapshot.metadata.index);
    expect(snapshot.metadata.confState).toMatchObject({ voters: ["1", "2", "3"], learners: ["4"] });
    addAndCatchUp(c, "1", "5");
    expect(c.node("5").installedSnapshots).toEqual([snapshot.metadata.index]);
    expect(c.node("5").storage.snapshot().metadata.confState).toEqual(snapshot.metadata.confState);
    expect(c.raw("5").configuration()).toEqual(c.raw("1").configuration());
    expect(c.raw("5").configuration().learners).toEqual(["4", "5"]);
  });

  it("never counts towards commit, elections, PreVote or CheckQuorum, and never campaigns", () => {
    const c = started(["1", "2", "3"]);
    addAndCatchUp(c, "1", "4");
    c.isolate("2");
    c.isolate("3");
    const index = c.propose("1", "x");
    c.stabilize();
    expect(c.node("4").logTerms().at(-1)).toBe(`${index}/1`);
    expect(c.raw("1").status().commitIndex).toBe(index - 1);
    c.tickAll(20); // CheckQuorum: the learner's answers do not keep the leader in office
    expect(c.raw("1").status().role).toBe("Follower");
    c.heal();
    c.isolate("1");
    c.isolate("3");
    c.tickAll(200); // 2 can reach only the learner: its (pre-)votes count for nothing
    expect(c.leaders()).toEqual([]);
    expect(c.raw("4").status()).toMatchObject({ role: "Follower", term: 1 });
    expect(c.takeTranscript().filter((l) => /^4->\S+ (PreVote|RequestVote) /.test(l))).toEqual([]);
  });

  it("refuses an id in use, an id removed before, a bad address and an unknown member", () => {
    const c = started(["1", "2", "3"]);
    expect(codeOf(() => c.raw("1").proposeConfChange(addLearner("2")))).toBe("member_exists");
    expect(
      codeOf(() => c.raw("1").proposeConfChange({ type: "AddLearner", id: id("9"), address: "" })),
    ).toBe("invalid_request");
    expect(codeOf(() => c.raw("1").proposeConfChange(promote("9")))).toBe("unknown_member");
    expect(codeOf(() => c.raw("1").proposeConfChange(promote("2")))).toBe("not_a_learner");
    expect(codeOf(() => c.raw("1").proposeConfChange(remove("9")))).toBe("unknown_member");
    c.proposeConf("1", remove("3"));
    c.stabilize();
    const reused = codeOf(() => c.raw("1").proposeConfChange(addLearner("3")));
    expect(reused).toBe("node_id_reused");
    expect(codeOf(() => c.raw("2").proposeConfChange(addLearner("7")))).toBe("not_leader");
  });
});

describe("promoting a learner", () => {
  it("makes it a voter that counts for commit and can lead", () => {
    const c = started(["1", "2", "3"]);
    addAndCatchUp(c, "1", "4");
    c.proposeConf("1", promote("4"));
    c.stabilize();
    expect(c.raw("2").configuration()).toMatchObject({
      voters: ["1", "2", "3", "4"],
      learners: [],
    });
    c.isolate("2");
    c.isolate("3");
    const index = c.propose("1", "needs 3 of 4");
    c.stabilize();
    expect(c.raw("1").status().commitIndex).toBe(index - 1); // 1 and 4 are not a majority of 4
    c.heal();
    c.tickAll(2);
    expect(c.raw("1").status().commitIndex).toBe(index);
    c.raw("1").transferLeadership(id("4"));
    c.stabilize();
    expect(c.leaders()).toEqual(["4"]);
  });
});

describe("removing members", () => {
  it("a removed follower receives its removal, then is sent nothing and never campaigns", () => {
    const c = started(["1", "2", "3"]);
    c.proposeConf("1", remove("3"));
    c.stabilize();
    c.tickAll(2);
    expect(c.raw("3").configuration()).toMatchObject({ voters: ["1", "2"], removed: ["3"] });
    // It was told its removal committed (a last Heartbeat carried the commit), then forgotten.
    expect(c.raw("3").configuration().changeInFlight).toBe(false);
    expect(
      c
        .raw("1")
        .status()
        .progress.map((p) => p.id),
    ).toEqual(["2"]);
    c.takeTranscript();
    c.propose("1", "after");
    c.tickAll(100);
    const transcript = c.takeTranscript();
    expect(transcript.filter((l) => l.startsWith("1->3") || l.startsWith("3->"))).toEqual([]);
    expect(c.leaders()).toEqual(["1"]);
    expect(c.raw("1").status().commitIndex).toBe(c.raw("1").status().lastLogIndex);
  });

  it("the leader transfers leadership first, then the new leader removes it", () => {
    const c = started(["1", "2", "3"]);
    c.propose("1", "x");
    c.stabilize();
    const successor = c.raw("1").bestTransferee();
    expect(successor).toBe("2");
    c.raw("1").transferLeadership(successor!);
    c.stabilize();
    expect(c.leaders()).toEqual(["2"]);
    c.tickAll(1); // the new leader's NoOp commits: changes are allowed from now on
    c.proposeConf("2", remove("1"));
    c.stabilize();
    c.tickAll(50);
    expect(c.leaders()).toEqual(["2"]);
    expect(c.raw("3").configuration()).toMatchObject({ voters: ["2", "3"], removed: ["1"] });
  });

  it("a removed leader keeps leading without counting itself, then steps down at commit", () => {
    const c = started(["1", "2", "3"]);
    c.cut("1", "3");
    const index = c.proposeConf("1", remove("1"));
    c.stabilize();
    // 1 and 2 hold the entry, but 1 is not in the new configuration: {2, 3} must both have it.
    expect(c.node("2").logTerms().at(-1)).toBe(`${index}/1`);
    expect(c.raw("1").status()).toMatchObject({ role: "Leader", commitIndex: index - 1 });
    expect(c.raw("1").configuration().changeInFlight).toBe(true);
    c.heal();
    c.takeTranscript();
    c.tickAll(2);
    const transcript = c.takeTranscript();
    expect(transcript.some((l) => /^1->\d TimeoutNow term=1$/.test(l))).toBe(true);
    expect(c.raw("1").status().role).toBe("Follower");
    expect(c.leaders()).toHaveLength(1);
    const [leader] = c.leaders();
    expect(["2", "3"]).toContain(leader);
    c.tickAll(100);
    expect(c.raw("1").status().role).toBe("Follower");
    expect(c.raw(leader!).configuration()).toMatchObject({ voters: ["2", "3"], removed: ["1"] });
  });

  it("tells whether the configuration after a change keeps a live quorum", () => {
    const c = started(["1", "2", "3"]);
    c.crash("3");
    c.tickAll(12); // more than an election timeout without word from 3
    expect(c.raw("1").liveQuorumAfter(remove("3"))).toBe(true); // {1, 2}: both live
    expect(c.raw("1").liveQuorumAfter(remove("2"))).toBe(false); // {1, 3}: 3 is down
    expect(c.raw("1").liveQuorumAfter(remove("1"))).toBe(false); // {2, 3}: 3 is down
    expect(codeOf(() => c.raw("1").liveQuorumAfter(remove("9")))).toBe("unknown_member");
    expect(c.raw("2").liveQuorumAfter(remove("3"))).toBe(false);
  });

  it("refuses to remove the last voter", () => {
    const c = started(["1"]);
    expect(codeOf(() => c.raw("1").proposeConfChange(remove("1")))).toBe("no_voters_left");
  });
});

describe("when a change may be proposed (thesis §4.1)", () => {
  it("one change at a time: the next is refused until the previous commits", () => {
    const c = started(["1", "2", "3"]);
    c.join("4");
    c.join("5");
    c.proposeConf("1", addLearner("4"));
    expect(c.raw("1").configuration()).toMatchObject({ learners: ["4"], changeInFlight: true });
    expect(codeOf(() => c.raw("1").proposeConfChange(addLearner("5")))).toBe(
      "config_change_in_flight",
    );
    c.stabilize();
    expect(codeOf(() => c.proposeConf("1", addLearner("5")))).toBeUndefined();
  });

  it("a new leader proposes no change before an entry of its own term commits", () => {
    const c = new Cluster(["1", "2", "3"], { preVote: false });
    c.campaign("1");
    c.deliver(); // votes out
    c.deliver(); // votes back: 1 leads and has appended its NoOp, not yet committed
    expect(c.raw("1").status().role).toBe("Leader");
    expect(codeOf(() => c.raw("1").proposeConfChange(remove("3")))).toBe("config_change_too_early");
    c.stabilize();
    expect(codeOf(() => c.proposeConf("1", remove("3")))).toBeUndefined();
  });

  it("is refused during a leadership transfer", () => {
    const c = started(["1", "2", "3"]);
    c.isolate("3");
    c.raw("1").transferLeadership(id("3"));
    expect(codeOf(() => c.raw("1").proposeConfChange(remove("2")))).toBe(
      "leadership_transfer_in_progress",
    );
  });
});

describe("configurations follow the log", () => {
  it("take effect when appended and roll back when the entry is truncated", () => {
    const c = started(["1", "2", "3", "4", "5"], "1", { preVote: false, checkQuorum: false });
    for (const other of ["3", "4", "5"]) c.cut("1", other);
    c.proposeConf("1", remove("5"));
    c.processAll();
    c.deliver((m) => m.to === "2" && m.type === "AppendEntries");
    expect(c.raw("2").configuration()).toMatchObject({ voters: ["1", "2", "3", "4"] });
    c.crash("1");
    c.cut("2", "3");
    c.cut("2", "4");
    c.cut("2", "5");
    c.campaign("3");
    c.stabilize();
    expect(c.leaders()).toEqual(["3"]);
    c.heal();
    c.tickAll(2);
    expect(c.raw("2").configuration()).toMatchObject({
      voters: ["1", "2", "3", "4", "5"],
      changeInFlight: false,
    });
    expect(c.node("2").logTerms()).toEqual(c.node("3").logTerms());
  });

  it("a restart restores the configuration from the log and from the snapshot", () => {
    const c = started(["1", "2", "3"]);
    addAndCatchUp(c, "1", "4");
    c.proposeConf("1", promote("4"));
    c.stabilize();
    c.proposeConf("1", remove("2"));
    c.stabilize();
    c.tickAll(2);
    const expected = c.raw("1").configuration();
    expect(expected).toMatchObject({ voters: ["1", "3", "4"], removed: ["2"] });
    const three = c.node("3");
    three.storage.createSnapshot(three.appliedIndex - 1, new Uint8Array([1]));
    for (const n of ["1", "3", "4"]) {
      c.crash(n);
      c.restart(n);
      expect(c.raw(n).configuration()).toEqual(expected);
    }
    // The snapshot ends just before the removal: it carries the configuration of then, and the
    // restart took the removal from the entry after it.
    expect(three.storage.snapshot().metadata.confState.voters).toEqual(["1", "2", "3", "4"]);
    c.campaign("3");
    c.stabilize();
    expect(c.leaders()).toEqual(["3"]);
  });
});

describe("1-, 3- and 5-voter clusters", () => {
  it.each([1, 3, 5])("%i voters grow by one (learner, then voter) and shrink back", (size) => {
    const ids = Array.from({ length: size }, (_, i) => String(i + 1));
    const c = started(ids);
    const added = String(size + 1);
    addAndCatchUp(c, "1", added);
    c.proposeConf("1", promote(added));
    c.stabilize();
    expect(c.raw("1").configuration().voters).toHaveLength(size + 1);
    const grown = c.propose("1", "grown");
    c.stabilize();
    expect(c.raw(added).status().commitIndex).toBeGreaterThanOrEqual(grown);
    c.proposeConf("1", remove(size === 1 ? "1" : "2"));
    c.stabilize();
    c.tickAll(3);
    const [leader] = c.leaders();
    expect(c.leaders()).toHaveLength(1);
    expect(c.raw(leader!).configuration().voters).toHaveLength(size);
    const shrunk = c.propose(leader!, "shrunk");
    c.stabilize();
    expect(c.raw(leader!).status().commitIndex).toBe(shrunk);
  });
});
