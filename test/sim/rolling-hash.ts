/**
 * A fast, deterministic 64-bit rolling hash over integers and strings, used to fingerprint a
 * whole simulation run (same seed + same code ⇒ same hash, TigerBeetle VOPR style) and the
 * simulated application's state. Two independent 32-bit MurmurHash3-style lanes; not
 * cryptographic, only collision-resistant enough to tell runs apart.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b) >>> 0;
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** Mutable hash state; feed it values in order, read {@link RollingHash.hex} at any time. */
export class RollingHash {
  private h1: number;
  private h2: number;

  /** Starts from the given lanes (default: fixed seeds), e.g. to resume from a snapshot. */
  constructor(lanes: readonly [number, number] = [0x9747b28c, 0x5bd1e995]) {
    this.h1 = lanes[0] >>> 0;
    this.h2 = lanes[1] >>> 0;
  }

  /** Mixes in one 32-bit word (the low 32 bits of `word`). */
  private mixWord(word: number): void {
    let k = Math.imul(word >>> 0, C1);
    k = rotl32(k, 15);
    k = Math.imul(k, C2) >>> 0;
    this.h1 = rotl32((this.h1 ^ k) >>> 0, 13);
    this.h1 = (Math.imul(this.h1, 5) + 0xe6546b64) >>> 0;
    this.h2 = rotl32((this.h2 ^ Math.imul(k, 0x2545f491)) >>> 0, 17);
    this.h2 = (Math.imul(this.h2, 9) + 0x38495ab5) >>> 0;
  }

  /** Mixes in a safe integer (negative values and values ≥ 2^32 keep all their bits). */
  addInt(value: number): this {
    this.mixWord(value >>> 0);
    this.mixWord(Math.floor(value / 2 ** 32) >>> 0);
    return this;
  }

  /** Mixes in a string (its length, then its UTF-16 code units). */
  addString(value: string): this {
    this.mixWord(value.length);
    for (let i = 0; i < value.length; i++) this.mixWord(value.charCodeAt(i));
    return this;
  }

  /** Mixes in raw bytes (their length, then each byte). */
  addBytes(value: Uint8Array): this {
    this.mixWord(value.byteLength);
    for (const byte of value) this.mixWord(byte);
    return this;
  }

  /** The two raw lanes, to persist the state and resume it later with the constructor. */
  lanes(): [number, number] {
    return [this.h1, this.h2];
  }

  /** The finalized 64-bit value as 16 lowercase hex digits (does not change the state). */
  hex(): string {
    const a = fmix32(this.h1 ^ this.h2);
    const b = fmix32((this.h2 + Math.imul(this.h1, 3)) >>> 0);
    return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
  }
}
