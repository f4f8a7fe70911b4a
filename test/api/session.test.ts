// Proves the mapping of session headers to state-machine sessions: an idempotency key is scoped
// to method and path and always maps to the same (clientId, seq 1); client ids of the session-id
// shape pass through, others are hashed to a valid id; malformed headers are invalid_request.
import { describe, expect, it } from "vitest";
import { sessionIdOf, sessionOf } from "../../src/api/session.js";
import { CoordinatorError } from "../../src/errors.js";
import { ID_PATTERN } from "../../src/state-machine/index.js";

describe("sessionOf", () => {
  it("is empty without session headers", () => {
    expect(sessionOf({}, "POST", "/v1/plans")).toEqual({});
  });

  it("maps an idempotency key to a stable session scoped to method and path", () => {
    const a = sessionOf({ "idempotency-key": "k1" }, "POST", "/v1/plans");
    expect(a).toEqual({ clientId: expect.stringMatching(/^k\./), seq: 1 });
    expect(ID_PATTERN.test(a.clientId!)).toBe(true);
    expect(sessionOf({ "idempotency-key": "k1" }, "POST", "/v1/plans")).toEqual(a);
    expect(sessionOf({ "idempotency-key": "k2" }, "POST", "/v1/plans").clientId).not.toBe(
      a.clientId,
    );
    expect(sessionOf({ "idempotency-key": "k1" }, "POST", "/v1/plans/x/pause").clientId).not.toBe(
      a.clientId,
    );
  });

  it("passes id-shaped client ids through and hashes the rest", () => {
    expect(
      sessionOf({ "x-elk-client-id": "w1.hb", "x-elk-client-seq": "12" }, "POST", "/"),
    ).toEqual({
      clientId: "w1.hb",
      seq: 12,
    });
    const hashed = sessionIdOf("worker-7/p/plan/3");
    expect(hashed).toMatch(/^h\./);
    expect(ID_PATTERN.test(hashed)).toBe(true);
    expect(sessionIdOf("worker-7/p/plan/3")).toBe(hashed);
    expect(sessionIdOf("worker-7/p/plan/4")).not.toBe(hashed);
    expect(ID_PATTERN.test(sessionIdOf("x".repeat(200)))).toBe(true);
  });

  it("refuses malformed, half, repeated or mixed headers", () => {
    const bad = [
      { "x-elk-client-id": "c" },
      { "x-elk-client-seq": "1" },
      { "x-elk-client-id": "c", "x-elk-client-seq": "01" },
      { "x-elk-client-id": "c", "x-elk-client-seq": "9007199254740993" },
      { "x-elk-client-id": "a b", "x-elk-client-seq": "1" },
      { "x-elk-client-id": "é", "x-elk-client-seq": "1" },
      { "idempotency-key": "" },
      { "idempotency-key": ["a", "b"] },
      { "idempotency-key": "k", "x-elk-client-id": "c", "x-elk-client-seq": "1" },
    ];
    for (const headers of bad) {
      expect(() => sessionOf(headers, "POST", "/"), JSON.stringify(headers)).toThrow(
        CoordinatorError,
      );
    }
  });
});
