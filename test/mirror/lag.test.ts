// Proves the lag sampler: a commit's lag is measured from the oldest entry it made visible, an
// entry left over by a commit keeps its apply time, and merging buckets when full keeps the
// memory bound while never understating a lag.
import { describe, expect, it } from "vitest";
import { LagSampler } from "../../src/mirror/lag.js";

describe("LagSampler", () => {
  it("measures from the oldest entry a commit covers", () => {
    const lag = new LagSampler(100);
    lag.onApplied(1, 10);
    lag.onApplied(2, 10.5);
    lag.onApplied(3, 20);
    lag.onApplied(4, 30);
    expect(lag.onMirrored(2, 40)).toBe(30);
    expect(lag.onMirrored(2, 41)).toBeNull();
    expect(lag.onMirrored(4, 50)).toBe(30);
    expect(lag.onMirrored(9, 60)).toBeNull();
  });

  it("keeps the time of a millisecond bucket a commit covered only in part", () => {
    const lag = new LagSampler(100);
    lag.onApplied(1, 10.1);
    lag.onApplied(2, 10.6);
    lag.onApplied(3, 10.9);
    expect(lag.onMirrored(1, 15)).toBeCloseTo(4.9);
    expect(lag.onMirrored(3, 20)).toBeCloseTo(9.9);
  });

  it("merges buckets when full, overstating rather than understating", () => {
    const lag = new LagSampler(4);
    for (let i = 1; i <= 9; i++) lag.onApplied(i, i * 10);
    expect(lag.onMirrored(2, 100)).toBe(90);
    // Entry 3, applied at 30, waited 70 ms; its bucket was merged with entry 1's (at 10).
    expect(lag.onMirrored(9, 100)).toBe(90);
    lag.clear();
    expect(lag.onMirrored(100, 200)).toBeNull();
  });
});
