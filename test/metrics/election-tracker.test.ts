// Proves the election counts follow Raft role changes: a PreVote that becomes a vote is one
// attempt, each way an attempt can end is counted under its reason, and a Candidate stepping
// down in a higher term is not mistaken for a timeout.
import { describe, expect, it } from "vitest";
import { ElectionTracker } from "../../src/metrics/election-tracker.js";

function tracker() {
  const seen: string[] = [];
  const t = new ElectionTracker({
    attempt: () => seen.push("attempt"),
    failure: (reason) => seen.push(`failure:${reason}`),
  });
  return { t, seen };
}

describe("ElectionTracker", () => {
  it("counts a PreVote that wins and becomes leader as one successful attempt", () => {
    const { t, seen } = tracker();
    t.onRole("PreCandidate", null, 1);
    t.onRole("Candidate", null, 2);
    t.onTerm(2);
    t.onRole("Leader", "n1", 2);
    expect(seen).toEqual(["attempt"]);
  });

  it("names why attempts fail", () => {
    const { t, seen } = tracker();
    t.onRole("PreCandidate", null, 1);
    t.onRole("Follower", null, 1);
    t.onRole("PreCandidate", null, 1);
    t.onRole("Follower", "n2", 1);
    t.onRole("Candidate", null, 2);
    t.onRole("Follower", null, 3);
    t.onTerm(3);
    expect(seen).toEqual([
      "attempt",
      "failure:prevote_rejected",
      "attempt",
      "failure:other_leader",
      "attempt",
      "failure:vote_rejected",
    ]);
  });

  it("counts a Candidate campaigning again in a higher term as a timeout and a new attempt", () => {
    const { t, seen } = tracker();
    t.onRole("Candidate", null, 5);
    t.onTerm(5);
    t.onTerm(6);
    t.onTerm(7);
    t.onRole("Leader", "n1", 7);
    expect(seen).toEqual(["attempt", "failure:timeout", "attempt", "failure:timeout", "attempt"]);
  });

  it("ignores term changes of a follower", () => {
    const { t, seen } = tracker();
    t.onTerm(3);
    t.onRole("Follower", "n2", 3);
    expect(seen).toEqual([]);
  });
});
