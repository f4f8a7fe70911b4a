// Proves the majority arithmetic against deliberately naive versions (after etcd-io/raft's
// quorum tests): commit index, vote outcome and quorum activity, for any set of voters.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { hasQuorum, majorityAckedIndex, majoritySize, voteResult } from "../../src/raft/quorum.js";

const voterIds = fc
  .uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 7 })
  .map((ns) => ns.map((n) => asNodeId(`n${n}`)));

/** Naive: the largest index i such that more than half of the voters acknowledged ≥ i. */
function naiveCommitIndex(voters: NodeId[], acked: Map<NodeId, number>): number {
  const candidates = [0, ...voters.map((id) => acked.get(id) ?? 0)];
  return Math.max(
    ...candidates.filter(
      (i) => voters.filter((id) => (acked.get(id) ?? 0) >= i).length * 2 > voters.length,
    ),
  );
}

/** Naive: won if granted > n/2; lost if even all missing votes could not reach > n/2. */
function naiveVote(voters: NodeId[], votes: Map<NodeId, boolean>): string {
  const granted = voters.filter((id) => votes.get(id) === true).length;
  const missing = voters.filter((id) => !votes.has(id)).length;
  if (granted * 2 > voters.length) return "Won";
  if ((granted + missing) * 2 > voters.length) return "Pending";
  return "Lost";
}

describe("quorum", () => {
  it("majoritySize is ⌊n/2⌋ + 1", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majoritySize)).toEqual([1, 2, 2, 3, 3, 4, 4]);
  });

  it("majorityAckedIndex equals the naive commit index", () => {
    fc.assert(
      fc.property(
        voterIds,
        fc.array(fc.nat(20), { maxLength: 9 }),
        fc.boolean(),
        (voters, indexes, withStranger) => {
          const acked = new Map<NodeId, number>();
          voters.forEach((id, i) => {
            const index = indexes[i];
            if (index !== undefined) acked.set(id, index); // some voters never answered
          });
          if (withStranger) acked.set(asNodeId("stranger"), 99); // not a voter: must not count
          const fast = majorityAckedIndex(voters, (id) => acked.get(id));
          return fast === naiveCommitIndex(voters, acked);
        },
      ),
    );
  });

  it("voteResult equals the naive tally, and outsiders' votes never count", () => {
    fc.assert(
      fc.property(
        voterIds,
        fc.array(fc.option(fc.boolean()), { maxLength: 9 }),
        (voters, answers) => {
          const votes = new Map<NodeId, boolean>();
          voters.forEach((id, i) => {
            const answer = answers[i];
            if (answer !== null && answer !== undefined) votes.set(id, answer);
          });
          votes.set(asNodeId("outsider"), true);
          return voteResult(voters, votes) === naiveVote(voters, votes);
        },
      ),
    );
  });

  it("hasQuorum is true exactly when more than half are active", () => {
    fc.assert(
      fc.property(voterIds, fc.array(fc.boolean(), { maxLength: 9 }), (voters, flags) => {
        const active = (id: NodeId) => flags[voters.indexOf(id)] === true;
        return hasQuorum(voters, active) === voters.filter(active).length * 2 > voters.length;
      }),
    );
  });

  it("concrete cases: five voters commit what three hold", () => {
    const voters = ["a", "b", "c", "d", "e"].map(asNodeId);
    const acked = new Map(voters.map((id, i) => [id, [9, 7, 5, 3, 1][i]!]));
    expect(majorityAckedIndex(voters, (id) => acked.get(id))).toBe(5);
    expect(majorityAckedIndex([], () => 4)).toBe(0);
  });
});
