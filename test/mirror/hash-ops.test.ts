// Proves HashOps: the last write of a field wins, a replaced hash starts empty (deletions on it
// vanish), expiries stick to their key, and the size counts distinct fields.
import { describe, expect, it } from "vitest";
import { HashOps } from "../../src/mirror/hash-ops.js";

describe("HashOps", () => {
  it("keeps the last write of each field, per key, in first-touch order", () => {
    const ops = new HashOps();
    ops.set("b", "1", "x");
    ops.set("a", "1", "y");
    ops.delete("b", "1");
    ops.set("b", "2", "z");
    expect(ops.size).toBe(3);
    expect([...ops.ops()].map((op) => [op.key, [...op.fields]])).toEqual([
      [
        "b",
        [
          ["1", null],
          ["2", "z"],
        ],
      ],
      ["a", [["1", "y"]]],
    ]);
  });

  it("replaces a hash whole: earlier fields dropped, deletions unnecessary", () => {
    const ops = new HashOps();
    ops.set("k", "1", "old");
    ops.replace("k");
    ops.set("k", "2", "new");
    ops.delete("k", "3");
    ops.expire("k", 30);
    const [op] = [...ops.ops()];
    expect(op).toEqual({
      key: "k",
      replace: true,
      fields: new Map([["2", "new"]]),
      expireSeconds: 30,
    });
    expect(ops.size).toBe(1);
  });
});
