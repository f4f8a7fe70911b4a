// Proves the state hash is MurmurHash3 x86 32-bit (checked against published vectors) with two
// seeds, and that it changes when any single bit of the input does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hash64, murmur3x86 } from "../../src/state-machine/hash.js";

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("murmur3x86", () => {
  it.each([
    ["", 0, 0x00000000],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["\0\0\0\0", 0, 0x2362f9de],
    ["a", 0x9747b28c, 0x7fa09ea6],
    ["aaaa", 0x9747b28c, 0x5a97808a],
    ["Hello, world!", 0x9747b28c, 0x24884cba],
    ["The quick brown fox jumps over the lazy dog", 0x9747b28c, 0x2fa826cd],
  ])("hashes %j with seed %i to the published value", (text, seed, expected) => {
    expect(murmur3x86(utf8(text), [seed])).toEqual([expected]);
  });
});

describe("hash64", () => {
  it("is 16 hex digits, deterministic, and respects subarray offsets", () => {
    const bytes = utf8("elk-coordinator");
    expect(hash64(bytes)).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64(bytes)).toBe(hash64(utf8("elk-coordinator")));
    const padded = utf8("xxelk-coordinator").subarray(2);
    expect(hash64(padded)).toBe(hash64(bytes));
  });

  it("changes when any single bit flips", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (bytes, at) => {
        const bit = at % (bytes.length * 8);
        const flipped = bytes.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
        expect(hash64(flipped)).not.toBe(hash64(bytes));
      }),
    );
  });
});
