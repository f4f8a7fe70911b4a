// Proves leadership transfer (thesis §3.10): an up-to-date transferee gets TimeoutNow at once and
// wins despite leader leases, a slow one is caught up first while proposals are refused, and a
// transfer that cannot complete is abandoned after an election timeout.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../../src/util/ids.js";
import { Cluster, codeOf } from "../harness.js";

const two = asNodeId("2");
const three = asNodeId("3");

describe("leadership transfer (thesis §3.10)", () => {
  it("an up-to-date transferee receives TimeoutNow and wins the next term despite leases", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.takeTranscript();
    c.raw("1").transferLeadership(two);
    c.stabilize();
    expect(c.takeTranscript().slice(0, 6)).toEqual([
      "1->2 TimeoutNow term=1",
      "2->1 RequestVote term=2 last=1/1 transfer",
      "2->3 RequestVote term=2 last=1/1 transfer",
      "1->2 RequestVoteResponse term=2 granted",
      "3->2 RequestVoteResponse term=2 granted",
      "2->1 AppendEntries term=2 prev=1/1 entries=[2/2] commit=1",
    ]);
    expect(c.leaders()).toEqual(["2"]);
    expect(c.raw("1").status()).toMatchObject({ role: "Follower", term: 2, leaderId: "2" });
  });

  it("a slow transferee is caught up first; proposals are refused meanwhile", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.cut("1", "3");
    for (let i = 0; i < 5; i++) c.propose("1", `cmd-${i}`);
    c.stabilize();
    c.heal();
    c.takeTranscript();
    c.raw("1").transferLeadership(three);
    expect(c.raw("1").status().leadTransferee).toBe("3");
    expect(codeOf(() => c.raw("1").propose(new Uint8Array([1])))).toBe(
      "leadership_transfer_in_progress",
    );
    c.processAll();
    const first = c.takeTranscript();
    expect(first.some((l) => l.startsWith("1->3 AppendEntries"))).toBe(true);
    expect(first.some((l) => l.includes("TimeoutNow"))).toBe(false);
    for (let i = 0; i < 10 && c.leaders()[0] !== "3"; i++) c.tickAll();
    expect(c.leaders()).toEqual(["3"]);
    expect(c.node("3").logTerms().slice(0, 6)).toEqual(c.node("1").logTerms().slice(0, 6));
  });

  it("a transfer that cannot complete is abandoned after an election timeout", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.isolate("3");
    c.raw("1").transferLeadership(three);
    c.tickAll(9);
    expect(c.raw("1").status().leadTransferee).toBe("3");
    c.tickAll(1);
    expect(c.raw("1").status()).toMatchObject({ role: "Leader", leadTransferee: null });
    expect(codeOf(() => c.propose("1", "resumed"))).toBeUndefined();
  });

  it("is refused on a follower and for a transferee that is not a voter", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    expect(codeOf(() => c.raw("2").transferLeadership(three))).toBe("not_leader");
    expect(codeOf(() => c.raw("1").transferLeadership(asNodeId("9")))).toBe("invalid_request");
  });

  it("transferring to the leader itself cancels a transfer under way", () => {
    const c = new Cluster(["1", "2", "3"]);
    c.elect("1");
    c.isolate("3");
    c.raw("1").transferLeadership(three);
    c.raw("1").transferLeadership(asNodeId("1"));
    expect(c.raw("1").status().leadTransferee).toBeNull();
    expect(codeOf(() => c.propose("1", "ok"))).toBeUndefined();
  });
});
