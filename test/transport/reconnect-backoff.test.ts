// Proves reconnect delays double from the minimum up to the maximum, each drawn from the upper
// half of its step (equal jitter), deterministically for a seed, and restart after reset().
import { describe, expect, it } from "vitest";
import { ReconnectBackoff } from "../../src/transport/reconnect-backoff.js";
import { createPrng } from "../../src/util/prng.js";

describe("reconnect backoff", () => {
  it("doubles within [d/2, d) up to the maximum", () => {
    const backoff = new ReconnectBackoff(createPrng(7), 50, 2_000);
    const ceilings = [50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000];
    for (const ceiling of ceilings) {
      const delay = backoff.nextDelayMs();
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
      expect(delay).toBeLessThan(ceiling);
    }
    backoff.reset();
    expect(backoff.nextDelayMs()).toBeLessThan(50);
  });

  it("is deterministic for a seed and jittered across seeds", () => {
    const run = (seed: number) => {
      const backoff = new ReconnectBackoff(createPrng(seed), 50, 2_000);
      return Array.from({ length: 6 }, () => backoff.nextDelayMs());
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });
});
