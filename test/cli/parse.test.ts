// Proves command-line value parsing: whole numbers with a lower bound, JSON and host:port, each
// mistake a UsageError naming the option.
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { parseCount, parseHostPort, parseJson } from "../../src/cli/parse.js";

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

describe("parseHostPort", () => {
  it("reads host:port, bracketed IPv6 hosts and port 0 (a free port)", () => {
    expect(parseHostPort("127.0.0.1:9464", "--metrics-listen")).toEqual({
      host: "127.0.0.1",
      port: 9464,
    });
    expect(parseHostPort("[::1]:0", "--metrics-listen")).toEqual({ host: "::1", port: 0 });
    expect(parseHostPort("worker1:9464", "--metrics-listen")).toEqual({
      host: "worker1",
      port: 9464,
    });
  });

  it("refuses a missing host or port, a port above 65535 and an unbracketed IPv6 host", () => {
    for (const text of ["9464", "host:", ":9464", "host:65536", "::1:9464", "host:94a"]) {
      expect(() => parseHostPort(text, "--metrics-listen"), text).toThrow(UsageError);
    }
    expect(() => parseHostPort("x", "--metrics-listen")).toThrow(
      /--metrics-listen must be host:port/,
    );
  });
});
