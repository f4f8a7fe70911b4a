// Proves the single-server change rules on configuration values: each change is checked (ids never
// reused, no voters-free configuration, learners before voters), the result is canonical, and any
// majority of the configuration before a change overlaps any majority after it (thesis §4.1), for
// every reachable configuration, while learners never enter those majorities.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { applyConfChange, canonicalConfState, isMemberOf } from "../../src/raft/conf-change.js";
import { majoritySize } from "../../src/raft/quorum.js";
import type { ConfChange, ConfState } from "../../src/raft/types.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { codeOf } from "./harness.js";

const ids = (...names: string[]) => names.map(asNodeId);
const three: ConfState = { voters: ids("1", "2", "3"), learners: [] };

/** Whether some majority of `a` and some majority of `b` share no voter (brute force). */
function disjointMajoritiesExist(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  const subsets = (set: readonly NodeId[]) =>
    Array.from({ length: 2 ** set.length }, (_, mask) => set.filter((_, i) => mask & (1 << i)));
  const majoritiesOf = (set: readonly NodeId[]) =>
    subsets(set).filter((s) => s.length >= majoritySize(set.length));
  const bMajorities = majoritiesOf(b);
  return majoritiesOf(a).some((ma) => bMajorities.some((mb) => !mb.some((id) => ma.includes(id))));
}

const member = fc.integer({ min: 1, max: 7 }).map((n) => asNodeId(String(n)));
const change: fc.Arbitrary<ConfChange> = fc.oneof(
  member.map((id) => ({ type: "AddLearner" as const, id, address: `h${id}:1` })),
  member.map((id) => ({ type: "PromoteLearner" as const, id })),
  member.map((id) => ({ type: "RemoveMember" as const, id })),
);

describe("applyConfChange", () => {
  it("adds a learner with its address, promotes it, and removes it for good", () => {
    const added = applyConfChange(three, { type: "AddLearner", id: asNodeId("4"), address: "a:1" });
    expect(added).toEqual({
      voters: ids("1", "2", "3"),
      learners: ids("4"),
      addresses: [{ id: "4", address: "a:1" }],
    });
    const promoted = applyConfChange(added, { type: "PromoteLearner", id: asNodeId("4") });
    expect(promoted).toMatchObject({ voters: ids("1", "2", "3", "4"), learners: [] });
    const removed = applyConfChange(promoted, { type: "RemoveMember", id: asNodeId("4") });
    expect(removed).toEqual({ voters: ids("1", "2", "3"), learners: [], removed: ids("4") });
    const again = { type: "AddLearner" as const, id: asNodeId("4"), address: "a:1" };
    expect(codeOf(() => applyConfChange(removed, again))).toBe("node_id_reused");
  });

  it("refuses what a single-server change cannot be", () => {
    const one: ConfState = { voters: ids("1"), learners: [] };
    expect(codeOf(() => applyConfChange(one, { type: "RemoveMember", id: asNodeId("1") }))).toBe(
      "no_voters_left",
    );
    const tooLong = { type: "AddLearner" as const, id: asNodeId("x".repeat(65)), address: "a" };
    expect(codeOf(() => applyConfChange(three, tooLong))).toBe("invalid_request");
  });

  it("keeps every configuration canonical, with voters, and old and new majorities overlapping", () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 30 }), (changes) => {
        let conf: ConfState = three;
        const ever = new Set<NodeId>(conf.voters);
        for (const c of changes) {
          let next: ConfState;
          try {
            next = applyConfChange(conf, c);
          } catch (error) {
            expect(error).toBeInstanceOf(CoordinatorError);
            continue;
          }
          expect(next).toEqual(canonicalConfState(next));
          expect(next.voters.length).toBeGreaterThan(0);
          expect(disjointMajoritiesExist(conf.voters, next.voters)).toBe(false);
          if (c.type === "AddLearner") expect(ever.has(c.id)).toBe(false);
          for (const id of [...next.voters, ...next.learners]) ever.add(id);
          for (const id of next.removed ?? []) expect(isMemberOf(next, id)).toBe(false);
          conf = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the overlap check itself can fail: two voters added at once give disjoint majorities", () => {
    expect(disjointMajoritiesExist(ids("1", "2", "3"), ids("1", "2", "3", "4", "5"))).toBe(true);
  });
});
