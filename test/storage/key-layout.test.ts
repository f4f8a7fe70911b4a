// Proves log keys sort bytewise exactly like their indexes (so index ranges are key ranges) and
// the fixed-width numbers of the key layout round-trip and reject malformed bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LOG_RANGE,
  SNAPSHOT_CHUNK_RANGE,
  chunkNumberOfKey,
  decodeUint64,
  encodeUint64,
  logIndexOfKey,
  logKey,
  snapshotChunkKey,
} from "../../src/storage/key-layout.js";

const compareBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b);
const index = fc.oneof(fc.nat(100_000), fc.maxSafeNat());

describe("key layout", () => {
  it("orders log keys like their indexes, inside the log range", () => {
    fc.assert(
      fc.property(index, index, (a, b) => {
        expect(Math.sign(compareBytes(logKey(a), logKey(b)))).toBe(Math.sign(a - b));
        expect(compareBytes(LOG_RANGE.gte, logKey(a))).toBeLessThan(0);
        expect(compareBytes(logKey(a), LOG_RANGE.lt)).toBeLessThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips log indexes, chunk numbers and uint64 values", () => {
    fc.assert(
      fc.property(index, fc.nat(2 ** 32 - 1), (n, chunk) => {
        expect(logIndexOfKey(logKey(n))).toBe(n);
        expect(decodeUint64(encodeUint64(n))).toBe(n);
        const key = snapshotChunkKey(chunk);
        expect(chunkNumberOfKey(key)).toBe(chunk);
        expect(compareBytes(SNAPSHOT_CHUNK_RANGE.gte, key)).toBeLessThan(0);
        expect(compareBytes(key, SNAPSHOT_CHUNK_RANGE.lt)).toBeLessThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("rejects keys and numbers of the wrong shape", () => {
    expect(logIndexOfKey(Uint8Array.of(0x05, 0, 0))).toBeUndefined();
    expect(logIndexOfKey(snapshotChunkKey(1))).toBeUndefined();
    expect(chunkNumberOfKey(logKey(1))).toBeUndefined();
    expect(decodeUint64(new Uint8Array(8).fill(0xff))).toBeUndefined();
    expect(decodeUint64(new Uint8Array(7))).toBeUndefined();
  });
});
