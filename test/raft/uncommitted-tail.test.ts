// Proves the uncommitted-tail byte count: it sums appended entries, forgets them on commit, and
// admits one entry of any size into an empty tail.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/util/assert.js";
import { UncommittedTail } from "../../src/raft/uncommitted-tail.js";

describe("UncommittedTail", () => {
  it("counts bytes until they commit", () => {
    const t = new UncommittedTail();
    t.add(5, 100);
    t.add(6, 50);
    expect(t.bytes).toBe(150);
    expect(t.wouldExceed(60, 200)).toBe(true);
    expect(t.wouldExceed(50, 200)).toBe(false);
    t.commitTo(5);
    expect(t.bytes).toBe(50);
    t.commitTo(9);
    expect(t.bytes).toBe(0);
  });

  it("always admits an entry into an empty tail, however large", () => {
    expect(new UncommittedTail().wouldExceed(10_000, 1)).toBe(false);
  });

  it("keeps exact sums over many entries and refuses out-of-order indexes", () => {
    const t = new UncommittedTail();
    for (let i = 1; i <= 5_000; i++) t.add(i, i % 7);
    t.commitTo(4_000);
    let expected = 0;
    for (let i = 4_001; i <= 5_000; i++) expected += i % 7;
    expect(t.bytes).toBe(expected);
    expect(() => t.add(4_500, 1)).toThrow(InvariantViolation);
    t.reset();
    expect(t.bytes).toBe(0);
  });
});
