// Proves the JSON helpers: only plain JSON passes, the canonical text sorts keys at every depth
// and round-trips, and the UTF-8 byte count matches Node's encoder.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson, jsonProblem, utf8ByteLength } from "../../src/state-machine/json-value.js";
import type { JsonValue } from "../../src/state-machine/json-value.js";

describe("jsonProblem", () => {
  it("accepts plain JSON and refuses everything else", () => {
    expect(jsonProblem({ a: [1, "x", null, true, { b: -0.5 }] }, 4)).toBeUndefined();
    expect(jsonProblem(Object.create(null), 1)).toBeUndefined();
    for (const bad of [
      undefined,
      () => 1,
      1n,
      Symbol("s"),
      NaN,
      new Date(0),
      new Map(),
      new Uint8Array(1),
      [undefined],
    ]) {
      expect(jsonProblem(bad, 4)).toBeDefined();
    }
    expect(jsonProblem([[[]]], 3)).toBeUndefined();
    expect(jsonProblem([[[[]]]], 3)).toBe("nesting too deep");
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth, so key order never matters", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}',
    );
  });

  it("round-trips any JSON value and is equal for equal values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value as JsonValue);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(canonicalJson(JSON.parse(text) as JsonValue)).toBe(text);
      }),
    );
  });
});

describe("utf8ByteLength", () => {
  it("agrees with Buffer.byteLength on any string, lone surrogates included", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
        expect(utf8ByteLength(text)).toBe(Buffer.byteLength(text, "utf8"));
      }),
    );
    expect(utf8ByteLength("\ud800x")).toBe(Buffer.byteLength("\ud800x", "utf8"));
  });
});
