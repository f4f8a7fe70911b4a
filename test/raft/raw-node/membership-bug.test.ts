// Reproduces the bug of the original single-server membership algorithm (thesis §4.1,
// docs/MEMBERSHIP.md §3): with the own-term-commit rule switched off (a TEST ONLY fault), two
// changes proposed across a leader change give two disjoint majorities, hence two leaders in one
// term and two different committed entries at one index; with the rule on, the same network
// script keeps one leader per term and one committed log.
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../../src/errors.js";
import { describeEntry } from "../../../src/raft/describe.js";
import { asNodeId } from "../../../src/util/ids.js";
import { Cluster } from "../harness.js";

const id = asNodeId;
const GROUPS = [
  ["1", "4", "5"],
  ["2", "3"],
];

/** Cuts every link between the two groups of {@link GROUPS}, and no other. */
function split(c: Cluster): void {
  c.heal();
  const [left = [], right = []] = GROUPS;
  for (const a of left) for (const b of right) c.cut(a, b);
}

function attempt(action: () => void): string {
  try {
    action();
    return "accepted";
  } catch (error) {
    if (error instanceof CoordinatorError) return error.code;
    throw error;
  }
}

interface Outcome {
  /** What node 2 was told when it proposed removing 4 in term 2. */
  readonly removal: string;
  /** Per term, the nodes that were leader of it (in id order). */
  readonly leadersByTerm: Record<number, string[]>;
  /** Indexes committed on two nodes with different entries: `index: a=entry b=entry`. */
  readonly committedConflicts: string[];
}

/**
 * Indexes at which nodes committed different entries, as `index: entry on ids | entry on ids`
 * (State Machine Safety, Raft §5.4.3, forbids any).
 */
function committedConflicts(c: Cluster): string[] {
  const conflicts: string[] = [];
  const commitMax = Math.max(...[...c.nodes.values()].map((n) => n.raw.status().commitIndex));
  for (let index = 1; index <= commitMax; index++) {
    const holders = new Map<string, string[]>();
    for (const n of c.nodes.values()) {
      if (n.raw.status().commitIndex < index) continue;
      const [entry] = n.storage.entries(index, index + 1, Infinity);
      const text = entry === undefined ? "compacted" : describeEntry(entry);
      holders.set(text, [...(holders.get(text) ?? []), n.id]);
    }
    if (holders.size > 1) {
      const sides = [...holders].map(([text, ids]) => `${text} on ${ids.join(",")}`);
      conflicts.push(`${index}: ${sides.join(" | ")}`);
    }
  }
  return conflicts;
}

/**
 * The scenario of Ongaro's 2015 raft-dev post, with learners: voters {1,2,3,4} (C0), learner 5.
 * A. Leader 1 (term 1), cut off from 2, 3 and 4, promotes 5: C1 = {1,2,3,4,5} reaches only 5.
 * B. 2 is elected in term 2 by 2, 3 and 4 (a majority of C0); then the network splits into
 *    {1,4,5} | {2,3}, so 2's NoOp reaches only 3, and 2 proposes removing 4: D = {1,2,3}.
 *    Without the rule, D commits on {2,3}, a majority of D that overlaps no majority of C1.
 * C. 1 and 5 restart; 1 campaigns under C1 and wins term 3 with {1,4,5}.
 * D. 2 hands leadership to 3, which campaigns in term 3 under its configuration.
 */
function runScenario(ownTermRule: boolean): Outcome {
  const c = new Cluster(["1", "2", "3", "4", "5"], {
    learners: ["5"],
    preVote: false,
    checkQuorum: false,
    faults: ownTermRule ? {} : { proposeConfigBeforeOwnTermCommit: true },
  });
  const leadersByTerm: Record<number, Set<string>> = {};
  const noteLeaders = () => {
    for (const n of c.nodes.values()) {
      const { role, term } = n.raw.status();
      if (role === "Leader" && !n.crashed) (leadersByTerm[term] ??= new Set()).add(n.id);
    }
  };
  c.elect("1");
  c.stabilize();
  noteLeaders();
  for (const other of ["2", "3", "4"]) c.cut("1", other);
  c.proposeConf("1", { type: "PromoteLearner", id: id("5") }); // A
  c.stabilize();
  c.campaign("2"); // B
  c.deliver();
  c.deliver();
  noteLeaders();
  split(c);
  c.stabilize();
  const removal = attempt(() => c.proposeConf("2", { type: "RemoveMember", id: id("4") }));
  c.stabilize();
  for (const n of ["1", "5"]) c.crash(n); // C
  for (const n of ["1", "5"]) c.restart(n);
  for (let round = 0; round < 3 && !c.leaders().includes("1"); round++) {
    c.campaign("1");
    c.stabilize();
  }
  noteLeaders();
  c.raw("2").transferLeadership(id("3")); // D
  c.stabilize();
  noteLeaders();
  const byTerm = Object.fromEntries(
    Object.entries(leadersByTerm).map(([term, ids]) => [Number(term), [...ids].sort()]),
  );
  return { removal, leadersByTerm: byTerm, committedConflicts: committedConflicts(c) };
}

describe("the single-server change bug (thesis §4.1)", () => {
  it("without the own-term-commit rule: two leaders in term 3 and a lost committed entry", () => {
    expect(runScenario(false)).toEqual({
      removal: "accepted",
      leadersByTerm: { 1: ["1"], 2: ["2"], 3: ["1", "3"] },
      committedConflicts: [
        "2: 2/1 Config voters=[1 2 3 4 5] on 1,4,5 | 2/2 NoOp 0B on 2,3",
        "3: 3/3 NoOp 0B on 1,4,5 | 3/2 Config voters=[1 2 3] learners=[5] removed=[4] on 2,3",
      ],
    });
  });

  it("with the rule, the same script keeps one leader per term and one committed log", () => {
    expect(runScenario(true)).toEqual({
      removal: "config_change_too_early",
      leadersByTerm: { 1: ["1"], 2: ["2"], 3: ["1"] },
      committedConflicts: [],
    });
  });
});
