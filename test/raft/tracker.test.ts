// Proves the tracker reads the configuration as a value (sorted, deduplicated, learners apart from
// voters) and applies the majority rules to its progress and votes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { ProgressTracker } from "../../src/raft/tracker.js";

const ids = (...names: string[]) => names.map(asNodeId);

describe("ProgressTracker", () => {
  it("normalizes the configuration and tells voters from learners", () => {
    const t = new ProgressTracker(
      { voters: ids("3", "1", "2", "1"), learners: ids("4", "2") },
      4,
      100,
    );
    expect(t.confState()).toEqual({ voters: ["1", "2", "3"], learners: ["4"] });
    expect([
      t.isVoter(asNodeId("4")),
      t.isMember(asNodeId("4")),
      t.isMember(asNodeId("9")),
    ]).toEqual([false, true, false]);
  });

  it("commits what a majority of voters hold; learners do not count", () => {
    const t = new ProgressTracker({ voters: ids("1", "2", "3"), learners: ids("4") }, 4, 100);
    t.resetProgress(5);
    const set = (id: string, match: number) => t.progress.get(asNodeId(id))!.maybeUpdate(match);
    set("1", 9);
    set("4", 9);
    expect(t.majorityMatchIndex()).toBe(0);
    set("2", 7);
    expect(t.majorityMatchIndex()).toBe(7);
    expect(t.peers(asNodeId("1")).map((p) => [p.id, p.isLearner])).toEqual([
      ["2", false],
      ["3", false],
      ["4", true],
    ]);
  });

  it("tallies votes and quorum activity over voters only", () => {
    const t = new ProgressTracker({ voters: ids("1", "2", "3"), learners: ids("4") }, 4, 100);
    t.recordVote(asNodeId("1"), true);
    t.recordVote(asNodeId("4"), true);
    expect(t.tallyVotes()).toBe("Pending");
    t.recordVote(asNodeId("2"), false);
    t.recordVote(asNodeId("2"), true); // only the first answer counts
    expect(t.tallyVotes()).toBe("Pending");
    t.recordVote(asNodeId("3"), true);
    expect(t.tallyVotes()).toBe("Won");
    t.resetProgress(1);
    expect(t.quorumActive(asNodeId("1"))).toBe(false);
    t.progress.get(asNodeId("3"))!.recentActive = true;
    expect(t.quorumActive(asNodeId("1"))).toBe(true);
  });
});

describe("ProgressTracker with learners (property)", () => {
  const members = fc.uniqueArray(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 8 });

  it("learners' acknowledgements, votes and activity never change commit, elections or quorum", () => {
    fc.assert(
      fc.property(
        members,
        fc.nat(7),
        fc.array(fc.nat(20), { minLength: 9, maxLength: 9 }),
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        (ns, learnerCount, matches, flags) => {
          const all = ns.map((n) => asNodeId(String(n)));
          const learners = all.slice(0, Math.min(learnerCount, all.length - 1));
          const voters = all.slice(learners.length);
          const withLearners = new ProgressTracker({ voters, learners }, 4, 100);
          const votersOnly = new ProgressTracker({ voters, learners: [] }, 4, 100);
          for (const t of [withLearners, votersOnly]) {
            t.resetProgress(1);
            all.forEach((id, i) => {
              const pr = t.progress.get(id);
              pr?.maybeUpdate(matches[i] ?? 0);
              if (pr !== undefined) pr.recentActive = flags[i] ?? false;
              t.recordVote(id, flags[i] ?? false);
            });
          }
          const self = voters[0]!;
          expect(withLearners.majorityMatchIndex()).toBe(votersOnly.majorityMatchIndex());
          expect(withLearners.tallyVotes()).toBe(votersOnly.tallyVotes());
          expect(withLearners.quorumActive(self)).toBe(votersOnly.quorumActive(self));
        },
      ),
      { numRuns: 500 },
    );
  });
});
