/**
 * A seeded pseudo-random number generator. The deterministic core never calls `Math.random`;
 * whatever needs randomness (election timeouts, simulated faults, jitter) takes a {@link Prng}.
 *
 * The generator is xoshiro128** (Blackman & Vigna, "Scrambled linear pseudorandom number
 * generators", 2018), seeded through splitmix32 so that nearby seeds give unrelated streams.
 */

/** A source of deterministic pseudo-random numbers. */
export interface Prng {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform integer in `[0, maxExclusive)`; `maxExclusive` is a positive safe integer ≤ 2^32. */
  nextInt(maxExclusive: number): number;
  /** A uniform float in `[0, 1)`. */
  nextFloat(): number;
  /** An independent generator derived from this one (for giving each component its own stream). */
  fork(): Prng;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Xoshiro128 implements Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    const next = splitmix32(seed);
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextInt(maxExclusive: number): number {
    if (!Number.isSafeInteger(maxExclusive) || maxExclusive <= 0 || maxExclusive > 2 ** 32) {
      throw new RangeError(
        `nextInt: maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`,
      );
    }
    // Rejection sampling keeps the distribution uniform for every bound.
    const limit = 2 ** 32 - (2 ** 32 % maxExclusive);
    for (;;) {
      const value = this.nextUint32();
      if (value < limit) return value % maxExclusive;
    }
  }

  nextFloat(): number {
    return this.nextUint32() / 2 ** 32;
  }

  fork(): Prng {
    return new Xoshiro128(this.nextUint32());
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A generator seeded with `seed` (any safe integer; only its low 32 bits are used).
 * The same seed always yields the same sequence, on every platform.
 */
export function createPrng(seed: number): Prng {
  return new Xoshiro128(seed);
}
