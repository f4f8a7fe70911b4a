// Proves the pre-parse nesting measure agrees with the depth of the parsed value on any JSON
// text (brackets inside strings and escaped quotes do not count), and stays flat on huge depths.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nestsDeeperThan } from "../../src/api/json-depth.js";

/** The nesting depth of a parsed value, recursively (the reference; small inputs only). */
function depthOf(value: unknown): number {
  if (Array.isArray(value)) return 1 + Math.max(0, ...value.map(depthOf));
  if (typeof value === "object" && value !== null)
    return 1 + Math.max(0, ...Object.values(value).map(depthOf));
  return 0;
}

describe("nestsDeeperThan", () => {
  it("agrees with the depth of the parsed value, for every limit", () => {
    const bracey = fc.string({ unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a") });
    const json = fc.jsonValue().chain((v) =>
      fc.oneof(
        fc.constant(v),
        bracey.map((s) => ({ s, v: [v] })),
      ),
    );
    fc.assert(
      fc.property(json, fc.integer({ min: 0, max: 8 }), (value, limit) => {
        const text = JSON.stringify(value);
        expect(nestsDeeperThan(text, limit)).toBe(depthOf(value) > limit);
      }),
    );
  });

  it("counts exactly: depth n is within n and beyond n - 1", () => {
    for (const [open, close] of [
      ["[", "]"],
      ['{"k":', "}"],
    ] as const) {
      const text = open.repeat(5) + "1" + close.repeat(5);
      expect(nestsDeeperThan(text, 5)).toBe(false);
      expect(nestsDeeperThan(text, 4)).toBe(true);
    }
    expect(nestsDeeperThan('["[[[[", "\\"[[["]', 1)).toBe(false);
  });

  it("measures a million levels without recursion", () => {
    const text = "[".repeat(1_000_000) + "]".repeat(1_000_000);
    expect(nestsDeeperThan(text, 64)).toBe(true);
    expect(nestsDeeperThan(text, 1_000_000)).toBe(false);
  });
});
