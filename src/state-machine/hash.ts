/**
 * A fast 64-bit non-cryptographic hash of bytes, for comparing states across nodes and for the
 * snapshot checksum: two MurmurHash3 (x86, 32-bit; Austin Appleby, public domain algorithm)
 * lanes with different seeds, concatenated. It detects accidental divergence and corruption; it
 * is no defence against an adversary.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

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

/** The 64-bit hash of `bytes` as 16 lowercase hex digits. */
export function hash64(bytes: Uint8Array): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = bytes.length >>> 2;
  let h1 = 0x9747b28c;
  let h2 = 0x5bd1e995;
  for (let w = 0; w < words; w++) {
    const k = view.getUint32(w * 4, true);
    h1 = mixHash(h1, k);
    h2 = mixHash(h2, k ^ 0x2545f491);
  }
  let tail = 0;
  for (let at = bytes.length - 1; at >= words * 4; at--) tail = (tail << 8) | (bytes[at] ?? 0);
  if (bytes.length % 4 !== 0) {
    h1 ^= mixKey(tail);
    h2 ^= mixKey(tail ^ 0x2545f491);
  }
  const hex = (h: number) => finalMix(h, bytes.length).toString(16).padStart(8, "0");
  return hex(h1) + hex(h2);
}
