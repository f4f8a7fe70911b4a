// Proves the rolling hash is deterministic, order-sensitive and resumable from its lanes.
import { describe, expect, it } from "vitest";
import { RollingHash } from "./rolling-hash.js";

describe("RollingHash", () => {
  it("gives equal hashes for equal input and different ones for different or reordered input", () => {
    const h = (f: (r: RollingHash) => void) => {
      const r = new RollingHash();
      f(r);
      return r.hex();
    };
    expect(h((r) => r.addInt(1).addString("a"))).toBe(h((r) => r.addInt(1).addString("a")));
    expect(h((r) => r.addInt(1).addInt(2))).not.toBe(h((r) => r.addInt(2).addInt(1)));
    expect(h((r) => r.addInt(2 ** 40))).not.toBe(h((r) => r.addInt(0)));
    expect(h((r) => r.addInt(-1))).not.toBe(h((r) => r.addInt(2 ** 32 - 1)));
    expect(h((r) => r.addString("ab"))).not.toBe(h((r) => r.addString("a").addString("b")));
    expect(h((r) => r.addBytes(new Uint8Array([1])))).toMatch(/^[0-9a-f]{16}$/);
  });

  it("resumes from its lanes", () => {
    const a = new RollingHash().addString("x");
    const b = new RollingHash(a.lanes());
    a.addInt(7);
    b.addInt(7);
    expect(b.hex()).toBe(a.hex());
  });
});
