// Proves command-line value parsing: whole numbers with a lower bound and JSON, each mistake a
// UsageError naming the option.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { parseCount, parseJson } from "../../src/cli/parse.js";

describe("parseCount", () => {
  it("reads decimal whole numbers at or above the bound", () => {
    expect(parseCount("1000", "--max")).toBe(1000);
    expect(parseCount(" 7 ", "--max")).toBe(7);
    expect(parseCount("-5", "--priority", -Infinity)).toBe(-5);
  });

  it("refuses fractions, words, values below the bound and unsafe integers", () => {
    for (const [text, min] of [
      ["1.5", 0],
      ["ten", 0],
      ["0", 1],
      ["-1", 0],
      ["9007199254740993", 0],
      ["", 0],
    ] as const) {
      expect(() => parseCount(text, "--n", min)).toThrow(UsageError);
    }
    expect(() => parseCount("0", "--partition-size", 1)).toThrow(
      '--partition-size must be a whole number ≥ 1, got "0"',
    );
    expect(() => parseCount("x", "--priority", -Infinity)).toThrow(
      '--priority must be a whole number, got "x"',
    );
  });
});

describe("parseJson", () => {
  it("reads any JSON value and names the option on a mistake", () => {
    expect(parseJson('{"a":[1,2]}', "--options")).toEqual({ a: [1, 2] });
    expect(parseJson("3", "--options")).toBe(3);
    expect(() => parseJson("{a:1}", "--options")).toThrow(/--options must be JSON/);
  });
});
