// Proves the per-node progress sampler: the rate is the change over about the last window
// (measured from the plan's creation until samples exist), samples are spaced and bounded, the
// least recently read plan is forgotten first, and the ETA is told only when it can be.
import { describe, expect, it } from "vitest";
import { ProgressSampler, etaSeconds } from "../../src/api/progress-sampler.js";
import type { PlanView } from "../../src/state-machine/index.js";

const at = (atMs: number, completed: number, processed = completed * 10) => ({
  atMs,
  completed,
  processed,
});
const ORIGIN = at(0, 0);

describe("ProgressSampler", () => {
  it("measures from the plan's start, then over the recent window", () => {
    const sampler = new ProgressSampler({ windowMs: 10_000, spacingMs: 1_000, plansMax: 10 });
    expect(sampler.observe("p", at(500, 0), ORIGIN), "too short a span").toBeNull();
    expect(sampler.observe("p", at(4_000, 8), ORIGIN)).toEqual({
      partitionsPerSecond: 2,
      itemsPerSecond: 20,
      windowSeconds: 4,
    });
    // Fast at first, then slow: after the window has passed, only the recent pace counts.
    for (let t = 5_000; t <= 30_000; t += 1_000)
      sampler.observe("p", at(t, 8 + (t - 4_000) / 1_000), ORIGIN);
    const rate = sampler.observe("p", at(31_000, 35), ORIGIN);
    expect(rate?.partitionsPerSecond).toBeCloseTo(1, 5);
    expect(rate?.windowSeconds).toBeGreaterThanOrEqual(10);
    expect(rate?.windowSeconds).toBeLessThanOrEqual(11);
  });

  it("keeps at most one sample per spacing, and forgets the least recently read plan", () => {
    const sampler = new ProgressSampler({ windowMs: 10_000, spacingMs: 1_000, plansMax: 2 });
    const old = at(-20_000, 0); // created long before the window
    sampler.observe("a", at(1_000, 1), old);
    sampler.observe("a", at(1_100, 5), old); // not kept: too close to the last sample
    expect(sampler.observe("a", at(3_000, 5), old)?.partitionsPerSecond).toBe(2);
    sampler.observe("b", at(3_000, 1), old);
    sampler.observe("a", at(4_000, 6), old);
    sampler.observe("c", at(4_000, 1), old);
    expect(sampler.plansSampled).toBe(2);
    // "b" was forgotten: its next read measures from its creation again.
    expect(sampler.observe("b", at(5_000, 10), old)?.windowSeconds).toBe(25);
  });
});

function plan(over: Partial<PlanView>): PlanView {
  return {
    status: "active",
    closed: true,
    partitionCount: 100,
    counts: { pending: 50, claimed: 0, running: 0, completed: 40, failed: 10 },
    ...over,
  } as PlanView;
}

describe("etaSeconds", () => {
  const rate = { partitionsPerSecond: 4, itemsPerSecond: 40, windowSeconds: 60 };

  it("is the remaining partitions at the current pace, rounded up", () => {
    expect(etaSeconds(plan({}), rate)).toBe(13);
    expect(etaSeconds(plan({ status: "completed" }), null)).toBe(0);
  });

  it("is unknown without a pace, for an open plan, and for a paused or cancelled one", () => {
    expect(etaSeconds(plan({}), null)).toBeNull();
    expect(etaSeconds(plan({}), { ...rate, partitionsPerSecond: 0 })).toBeNull();
    expect(etaSeconds(plan({ closed: false }), rate)).toBeNull();
    expect(etaSeconds(plan({ status: "paused" }), rate)).toBeNull();
    expect(etaSeconds(plan({ status: "cancelled" }), rate)).toBeNull();
  });
});
