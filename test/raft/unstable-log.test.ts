// Proves the unstable tail: appends truncate and extend it, stableTo marks entries persisted only
// when the persisted entry is still the one held, and a pending snapshot restarts it.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/util/assert.js";
import { UnstableLog } from "../../src/raft/unstable-log.js";
import type { Snapshot } from "../../src/raft/types.js";
import { entriesOf } from "./harness.js";

const snapshotAt = (index: number, term: number): Snapshot => ({
  metadata: { index, term, confState: { voters: [], learners: [] } },
  data: new Uint8Array(),
});

const positions = (u: UnstableLog) => u.entries.map((e) => `${e.index}/${e.term}`);

describe("UnstableLog", () => {
  it("truncateAndAppend extends, replaces a suffix, or restarts before the offset", () => {
    const u = new UnstableLog(5);
    u.truncateAndAppend(entriesOf([5, 1], [6, 1], [7, 1]));
    u.truncateAndAppend(entriesOf([8, 1]));
    expect(positions(u)).toEqual(["5/1", "6/1", "7/1", "8/1"]);
    u.truncateAndAppend(entriesOf([7, 2]));
    expect(positions(u)).toEqual(["5/1", "6/1", "7/2"]);
    u.truncateAndAppend(entriesOf([3, 3]));
    expect([u.offset, ...positions(u)]).toEqual([3, "3/3"]);
    expect(() => u.truncateAndAppend(entriesOf([9, 3]))).toThrow(InvariantViolation);
  });

  it("stableTo drops persisted entries, but not when the entry was replaced meanwhile", () => {
    const u = new UnstableLog(1);
    u.truncateAndAppend(entriesOf([1, 1], [2, 1], [3, 1]));
    u.stableTo(2, 1);
    expect([u.offset, ...positions(u)]).toEqual([3, "3/1"]);
    u.truncateAndAppend(entriesOf([3, 2]));
    u.stableTo(3, 1); // a Ready handed out 3/1, but 3/2 replaced it: still to persist
    expect(positions(u)).toEqual(["3/2"]);
    u.stableTo(3, 2);
    expect([u.offset, u.entries.length, u.maybeLastIndex()]).toEqual([4, 0, undefined]);
  });

  it("a pending snapshot decides first and last index and the term at its index", () => {
    const u = new UnstableLog(3);
    u.restore(snapshotAt(10, 4));
    expect([u.maybeFirstIndex(), u.maybeLastIndex(), u.maybeTerm(10), u.maybeTerm(9)]).toEqual([
      11,
      10,
      4,
      undefined,
    ]);
    u.truncateAndAppend(entriesOf([11, 4]));
    expect(u.maybeLastIndex()).toBe(11);
    expect(() => u.truncateAndAppend(entriesOf([10, 4]))).toThrow(InvariantViolation);
    u.stableSnapshotTo(9);
    expect(u.snapshot).toBeDefined();
    u.stableSnapshotTo(10);
    expect(u.snapshot).toBeUndefined();
  });
});
