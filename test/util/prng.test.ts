// Proves the seeded PRNG is deterministic per seed, differs across seeds, and stays in range.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createPrng } from "../../src/util/prng.js";

describe("createPrng", () => {
  it("gives the same sequence for the same seed and a different one for another seed", () => {
    const draw = (seed: number) => {
      const prng = createPrng(seed);
      return Array.from({ length: 8 }, () => prng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it("nextInt stays in [0, max) and nextFloat in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 2 ** 32 }), (seed, max) => {
        const prng = createPrng(seed);
        for (let i = 0; i < 20; i++) {
          const n = prng.nextInt(max);
          const f = prng.nextFloat();
          if (!(Number.isInteger(n) && n >= 0 && n < max && f >= 0 && f < 1)) return false;
        }
        return true;
      }),
    );
  });

  it("nextInt is roughly uniform", () => {
    const prng = createPrng(7);
    const counts = [0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 60_000; i++) counts[prng.nextInt(6)]! += 1;
    for (const count of counts) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it("rejects a bound outside [1, 2^32]", () => {
    const prng = createPrng(1);
    expect(() => prng.nextInt(0)).toThrow(RangeError);
    expect(() => prng.nextInt(1.5)).toThrow(RangeError);
  });

  it("fork gives an independent, deterministic stream", () => {
    const a = createPrng(5).fork();
    const b = createPrng(5).fork();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });
});
