/**
 * A fast non-cryptographic hash of bytes, for comparing states across nodes and for the snapshot
 * checksum: MurmurHash3 x86 32-bit (Austin Appleby's public-domain algorithm), computed with two
 * seeds in one pass and concatenated to 64 bits. It detects accidental divergence and corruption;
 * it is no defence against an adversary.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const SEED_A = 0x9747b28c;
const SEED_B = 0x5bd1e995;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function mixKey(k: number): number {
  return Math.imul(rotl(Math.imul(k, C1), 15), C2);
}

function mixHash(h: number, k: number): number {
  return (Math.imul(rotl(h ^ mixKey(k), 13), 5) + 0xe6546b64) | 0;
}

function finalMix(h: number, length: number): number {
  let x = h ^ length;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** MurmurHash3 x86 32-bit of `bytes` under each seed, in one pass. */
export function murmur3x86(bytes: Uint8Array, seeds: readonly number[]): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = bytes.length >>> 2;
  const h = seeds.map((seed) => seed | 0);
  for (let w = 0; w < words; w++) {
    const k = view.getUint32(w * 4, true);
    for (let lane = 0; lane < h.length; lane++) h[lane] = mixHash(h[lane] ?? 0, k);
  }
  let tail = 0;
  for (let at = bytes.length - 1; at >= words * 4; at--) tail = (tail << 8) | (bytes[at] ?? 0);
  return h.map((lane) =>
    finalMix(bytes.length % 4 === 0 ? lane : lane ^ mixKey(tail), bytes.length),
  );
}

/** The 64-bit hash of `bytes` as 16 lowercase hex digits. */
export function hash64(bytes: Uint8Array): string {
  return murmur3x86(bytes, [SEED_A, SEED_B])
    .map((lane) => lane.toString(16).padStart(8, "0"))
    .join("");
}
