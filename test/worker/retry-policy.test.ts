// Proves the retry rules: never-sent requests always retry elsewhere; lost answers and
// unknown-outcome problems retry only when idempotent; answers that prove nothing applied retry
// even without idempotency (following a named leader); caller mistakes never retry; delays are
// jittered below an exponentially growing, capped ceiling.
import { describe, expect, it } from "vitest";
import { clientRetryDelayMsMax, clientRetryDelayMsMin } from "../../src/constants.js";
import { CoordinatorError } from "../../src/errors.js";
import type { ErrorCode } from "../../src/errors.js";
import { isConnectFailure } from "../../src/protocol/index.js";
import { nextStep, retryDelayMs } from "../../src/worker/retry-policy.js";

const answered = (code: ErrorCode, details: Record<string, unknown> = {}) => ({
  kind: "answered" as const,
  error: new CoordinatorError(code, undefined, details),
});

describe("nextStep", () => {
  it("retries a request that never left on the next endpoint", () => {
    expect(nextStep({ kind: "not-sent", error: new Error("refused") }, false)).toEqual({
      retry: true,
      to: "next",
    });
  });

  it("retries a lost answer only when idempotent", () => {
    const lost = { kind: "lost" as const, error: new Error("reset") };
    expect(nextStep(lost, false)).toEqual({ retry: false });
    expect(nextStep(lost, true)).toEqual({ retry: true, to: "next" });
  });

  it("follows a not_leader answer to the leader it names, else to the next endpoint", () => {
    expect(nextStep(answered("not_leader", { leaderUrl: "http://l:1" }), false)).toEqual({
      retry: true,
      to: { url: "http://l:1" },
    });
    expect(nextStep(answered("not_leader", { leaderUrl: null }), false)).toEqual({
      retry: true,
      to: "next",
    });
  });

  it("retries answers proving nothing applied, even without idempotency", () => {
    expect(nextStep(answered("no_leader"), false)).toEqual({ retry: true, to: "next" });
    for (const code of [
      "back_pressure",
      "uncommitted_tail_full",
      "proposal_dropped",
      "leadership_transfer_in_progress",
    ] as const) {
      expect(nextStep(answered(code), false), code).toEqual({ retry: true, to: "same" });
    }
  });

  it("retries an unknown outcome only when idempotent, and never a caller mistake or rejection", () => {
    expect(nextStep(answered("proposal_timeout"), false)).toEqual({ retry: false });
    expect(nextStep(answered("proposal_timeout"), true)).toEqual({ retry: true, to: "same" });
    expect(nextStep(answered("node_stopping"), false)).toEqual({ retry: false });
    expect(nextStep(answered("node_stopping"), true)).toEqual({ retry: true, to: "next" });
    for (const code of [
      "invalid_request",
      "not_found",
      "stale_fencing_token",
      "unauthorized",
      "internal_error",
    ] as const) {
      expect(nextStep(answered(code), true), code).toEqual({ retry: false });
    }
  });
});

describe("retryDelayMs", () => {
  it("stays under a ceiling that doubles from the minimum up to the maximum", () => {
    expect(retryDelayMs(1, () => 0)).toBe(0);
    expect(retryDelayMs(1, () => 0.999)).toBeLessThan(clientRetryDelayMsMin);
    expect(retryDelayMs(3, () => 0.5)).toBe(Math.floor(0.5 * clientRetryDelayMsMin * 4));
    expect(retryDelayMs(50, () => 0.999)).toBeLessThan(clientRetryDelayMsMax);
    expect(retryDelayMs(50, () => 0.999)).toBeGreaterThan(clientRetryDelayMsMax * 0.99);
  });
});

describe("isConnectFailure", () => {
  it("recognizes a connection never made, also as the cause of another error", () => {
    const refused = Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    expect(isConnectFailure(refused)).toBe(true);
    expect(isConnectFailure(new Error("wrapped", { cause: refused }))).toBe(true);
    expect(isConnectFailure(Object.assign(new Error("reset"), { code: "ECONNRESET" }))).toBe(false);
    expect(isConnectFailure("ECONNREFUSED")).toBe(false);
    const badUrl = Object.assign(new TypeError("Invalid URL"), { code: "ERR_INVALID_URL" });
    expect(isConnectFailure(badUrl), "nothing to connect to").toBe(true);
  });
});
