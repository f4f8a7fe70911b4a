// Proves each safety invariant of the checker fires on a fabricated violation and stays quiet on a correct history.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import type { NodeId } from "../../src/util/ids.js";
import type { RaftStatus } from "../../src/raft/ready.js";
import type { Entry, HardState, Role } from "../../src/raft/types.js";
import { SimDisk, emptyDurableState } from "./disk.js";
import { InvariantChecker } from "./checker.js";
import type { InvariantName } from "./checker.js";

const ids = ["n1", "n2", "n3"].map(asNodeId);
const [n1, n2, n3] = ids as [NodeId, NodeId, NodeId];
const conf = { voters: ids, learners: [] };

function setup() {
  const disks = new Map(ids.map((id) => [id, new SimDisk(emptyDurableState(conf))]));
  const checker = new InvariantChecker(ids, (id) => disks.get(id)!);
  /** Writes entries and a hard state to `id`'s disk, syncs, and tells the checker. */
  const persist = (id: NodeId, entries: Entry[], hardState?: HardState) => {
    const disk = disks.get(id)!;
    if (entries.length > 0) disk.write({ kind: "entries", entries });
    if (hardState !== undefined) disk.write({ kind: "hardState", hardState });
    disk.sync();
    checker.observePersisted(id, entries);
  };
  return { checker, disks, persist };
}

const entry = (index: number, term: number, text = `k=${index}.${term}`): Entry => ({
  index,
  term,
  type: "Normal",
  data: new TextEncoder().encode(text),
});

function status(id: NodeId, over: Partial<RaftStatus> & { role?: Role }): RaftStatus {
  return {
    id,
    role: "Follower",
    term: 1,
    vote: null,
    leaderId: null,
    commitIndex: 0,
    lastApplied: 0,
    lastLogIndex: 0,
    snapshotIndex: 0,
    leadTransferee: null,
    progress: [],
    ...over,
  };
}

const invariants = (checker: InvariantChecker): InvariantName[] =>
  checker.violations.map((v) => v.invariant);

describe("InvariantChecker", () => {
  it("stays quiet on a correct history", () => {
    const { checker, persist } = setup();
    persist(n1, [entry(1, 1)], { term: 1, vote: n1, commit: 0 });
    checker.observeStatus(status(n1, { role: "Leader", term: 1, vote: n1 }));
    persist(n2, [entry(1, 1)], { term: 1, vote: n1, commit: 0 });
    checker.observeSent(n2, {
      type: "RequestVoteResponse",
      from: n2,
      to: n1,
      term: 1,
      voteGranted: true,
    });
    persist(n1, [], { term: 1, vote: n1, commit: 1 });
    checker.observeApplied(n1, 1, 1, 1);
    checker.observeStateHash(n1, 1, "h1");
    persist(n2, [], { term: 1, vote: n1, commit: 1 });
    checker.observeApplied(n2, 1, 1, 1);
    checker.observeStateHash(n2, 1, "h1");
    checker.observeSent(n2, {
      type: "AppendEntriesResponse",
      from: n2,
      to: n1,
      term: 1,
      success: true,
      matchIndex: 1,
      conflictIndex: 0,
      conflictTerm: 0,
    });
    expect(checker.violations).toEqual([]);
  });

  it("election safety: two leaders in one term", () => {
    const { checker } = setup();
    checker.observeStatus(status(n1, { role: "Leader", term: 3 }));
    checker.observeStatus(status(n2, { role: "Leader", term: 3 }));
    expect(invariants(checker)).toEqual(["election-safety"]);
  });

  it("log matching: different data or a different predecessor under one index/term", () => {
    const { checker, persist } = setup();
    persist(n1, [entry(1, 1), entry(2, 2)]);
    persist(n2, [entry(1, 1), entry(2, 2, "k=other")]);
    persist(n3, [entry(1, 2), entry(2, 2)]);
    expect(invariants(checker)).toEqual(["log-matching", "log-matching"]);
  });

  it("leader completeness: a later leader lacks a committed entry", () => {
    const { checker, persist } = setup();
    persist(n1, [entry(1, 1)], { term: 1, vote: n1, commit: 1 });
    persist(n2, [entry(1, 2)], { term: 2, vote: n2, commit: 0 });
    checker.observeStatus(status(n2, { role: "Leader", term: 2 }));
    expect(invariants(checker)).toEqual(["leader-completeness"]);
  });

  it("leader completeness: a commit seen after the leader took office is checked too", () => {
    const { checker, persist } = setup();
    persist(n2, [entry(1, 2)], { term: 3, vote: n2, commit: 0 });
    checker.observeStatus(status(n2, { role: "Leader", term: 3 }));
    persist(n1, [entry(1, 1)], { term: 1, vote: n1, commit: 1 });
    expect(invariants(checker)).toEqual(["leader-completeness"]);
  });

  it("current-term commit: a leader moving its commit index onto an older term's entry", () => {
    const { checker, persist } = setup();
    persist(n1, [entry(1, 1), entry(2, 2), entry(3, 3)], { term: 3, vote: n1, commit: 0 });
    checker.observeStatus(status(n1, { role: "Leader", term: 3 }));
    checker.observeStatus(status(n1, { role: "Leader", term: 3, commitIndex: 2 }));
    expect(invariants(checker)).toEqual(["current-term-commit"]);
    checker.observeStatus(status(n1, { role: "Leader", term: 3, commitIndex: 3 }));
    expect(checker.violations).toHaveLength(1);
  });

  it("state machine safety: different commits or applies at one index, or diverging hashes", () => {
    const { checker, persist } = setup();
    persist(n1, [entry(1, 1)], { term: 1, vote: null, commit: 1 });
    persist(n2, [entry(1, 2)], { term: 2, vote: null, commit: 1 });
    checker.observeApplied(n1, 1, 1, 1);
    checker.observeStateHash(n1, 1, "a");
    persist(n3, [entry(1, 1)], { term: 1, vote: null, commit: 1 });
    checker.observeApplied(n3, 1, 1, 1);
    checker.observeStateHash(n3, 1, "b");
    checker.observeApplied(n2, 1, 2, 1);
    expect(invariants(checker)).toEqual([
      "state-machine-safety",
      "state-machine-safety",
      "applied-le-committed",
      "state-machine-safety",
    ]);
  });

  it("applied ≤ committed: applying beyond its own or the cluster's commit, or applied > commit", () => {
    const { checker, persist } = setup();
    checker.observeApplied(n1, 1, 1, 0);
    persist(n3, [entry(1, 1), entry(2, 2)], { term: 2, vote: null, commit: 2 });
    checker.observeApplied(n1, 2, 1, 2);
    checker.observeStatus(status(n2, { commitIndex: 2, lastApplied: 3 }));
    expect(invariants(checker)).toEqual([
      "applied-le-committed",
      "applied-le-committed",
      "applied-le-committed",
    ]);
    expect(checker.violations[0]!.detail).toMatch(/its commit index is 0/);
    expect(checker.violations[1]!.detail).toMatch(/committed there: 2/);
  });

  it("monotonic: term or commit going back within a life, but not across a restart", () => {
    const { checker } = setup();
    checker.observeStatus(status(n1, { term: 5, commitIndex: 4 }));
    checker.observeStatus(status(n1, { term: 4, commitIndex: 4 }));
    expect(invariants(checker)).toEqual(["monotonic"]);
    checker.observeRestart(status(n1, { term: 0 }));
    expect(invariants(checker)).toEqual(["monotonic"]);
  });

  it("durable state: a restart that does not resume the disk, a durable term going back", () => {
    const { checker, persist } = setup();
    persist(n1, [], { term: 4, vote: null, commit: 0 });
    checker.observeRestart(status(n1, { term: 3 }));
    persist(n1, [], { term: 2, vote: null, commit: 0 });
    expect(invariants(checker)).toEqual(["durable-state", "durable-state"]);
  });

  it("durable state: sending a term or a vote that is not yet on disk", () => {
    const { checker, persist } = setup();
    persist(n2, [], { term: 1, vote: null, commit: 0 });
    const vote = { type: "RequestVoteResponse", from: n2, to: n1, voteGranted: true } as const;
    checker.observeSent(n2, { ...vote, term: 1 });
    checker.observeSent(n2, { ...vote, term: 2 });
    expect(invariants(checker)).toEqual(["durable-state", "durable-state"]);
    // A vote of an earlier term, superseded by a durable later term, is fine.
    persist(n2, [], { term: 3, vote: null, commit: 0 });
    checker.observeSent(n2, { ...vote, term: 2 });
    expect(checker.violations).toHaveLength(2);
  });

  it("single vote: two candidates in one term, on disk or in sent votes", () => {
    const { checker, persist } = setup();
    persist(n3, [], { term: 7, vote: n1, commit: 0 });
    checker.observeSent(n3, {
      type: "RequestVoteResponse",
      from: n3,
      to: n2,
      term: 7,
      voteGranted: true,
    });
    expect(invariants(checker)).toContain("single-vote");
  });

  it("single vote: a vote changing within one life, but not a vote lost in a crash", () => {
    const { checker, persist } = setup();
    checker.observeStatus(status(n1, { term: 4, vote: n1 }));
    checker.observeStatus(status(n1, { term: 4, vote: n2 }));
    expect(invariants(checker)).toEqual(["single-vote"]);
    // n2 voted for itself in term 5 in memory, crashed before persisting, then voted for n3.
    checker.observeStatus(status(n2, { role: "Candidate", term: 5, vote: n2 }));
    checker.observeCrash(n2, []);
    checker.observeRestart(status(n2, { term: 0 }));
    persist(n2, [], { term: 5, vote: n3, commit: 0 });
    checker.observeStatus(status(n2, { term: 5, vote: n3 }));
    expect(invariants(checker)).toEqual(["single-vote"]);
  });

  it("a follower acknowledges only entries on its disk; a leader only appends in its term", () => {
    const { checker, persist } = setup();
    persist(n2, [entry(1, 1)], { term: 1, vote: null, commit: 0 });
    const ack = (matchIndex: number) =>
      checker.observeSent(n2, {
        type: "AppendEntriesResponse",
        from: n2,
        to: n1,
        term: 1,
        success: true,
        matchIndex,
        conflictIndex: 0,
        conflictTerm: 0,
      });
    ack(1);
    expect(checker.violations).toEqual([]);
    ack(2);
    checker.observeStatus(status(n1, { role: "Leader", term: 1, lastLogIndex: 3 }));
    checker.observeStatus(status(n1, { role: "Leader", term: 1, lastLogIndex: 2 }));
    expect(invariants(checker)).toEqual(["durable-state", "leader-append-only"]);
  });
});
