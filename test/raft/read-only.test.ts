// Proves ReadIndex rounds: a read is confirmed once a quorum (counting the leader) echoed its
// round or a later one, reads are released in order, and unknown rounds are ignored.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { ReadOnly } from "../../src/raft/read-only.js";

const a = asNodeId("a");
const b = asNodeId("b");
const c = asNodeId("c");
const voters = [a, b, c, asNodeId("d"), asNodeId("e")];

describe("ReadOnly", () => {
  it("confirms a read once a majority echoed its round, releasing older reads with it", () => {
    const ro = new ReadOnly();
    expect(ro.add("r1", a, 7)).toBe(1);
    expect(ro.add("r2", b, 8)).toBe(2);
    expect(ro.ack(b, 2, voters, a)).toEqual([]); // a (self) and b: two of five
    const confirmed = ro.ack(c, 2, voters, a);
    expect(confirmed.map((r) => [r.requestId, r.from, r.index])).toEqual([
      ["r1", a, 7],
      ["r2", b, 8],
    ]);
    expect(ro.pendingCount()).toBe(0);
  });

  it("an echo of an older round confirms only the reads of that round or before", () => {
    const ro = new ReadOnly();
    ro.add("r1", a, 1);
    ro.add("r2", a, 1);
    ro.ack(b, 1, voters, a);
    expect(ro.ack(c, 1, voters, a).map((r) => r.requestId)).toEqual(["r1"]);
    expect(ro.currentRound()).toBe(2);
    expect(ro.pendingCount()).toBe(1);
  });

  it("ignores echoes of rounds never issued, and hands back everything on step-down", () => {
    const ro = new ReadOnly();
    ro.add("r1", a, 1);
    expect(ro.ack(b, 5, voters, a)).toEqual([]);
    expect(ro.ack(c, 5, voters, a)).toEqual([]);
    expect(ro.takeAll().map((r) => r.requestId)).toEqual(["r1"]);
    expect(ro.pendingCount()).toBe(0);
  });

  it("with a single voter the leader's own ack confirms at once", () => {
    const ro = new ReadOnly();
    const round = ro.add("solo", a, 3);
    expect(ro.ack(a, round, [a], a).map((r) => r.requestId)).toEqual(["solo"]);
  });
});

describe("ReadOnly echoes out of order", () => {
  it("a late echo of an older round does not take back a peer's newer one", () => {
    const ro = new ReadOnly();
    ro.add("r1", a, 7);
    ro.add("r2", a, 8);
    expect(ro.ack(b, 2, voters, a)).toEqual([]); // a and b: two of five
    expect(ro.ack(b, 1, voters, a)).toEqual([]); // late, must not lower b to round 1
    const confirmed = ro.ack(c, 2, voters, a);
    expect(confirmed.map((r) => r.requestId)).toEqual(["r1", "r2"]);
  });
});
