// Proves apply's envelope rules: client sessions answer a retry with the first result and
// change nothing, refuse older sequence numbers and forget the least recently used client; the
// replicated clock never goes back; log indexes must increase; malformed envelopes are refused.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/util/assert.js";
import { apply, getPartition, stateClock, stateHash } from "../../src/state-machine/index.js";
import { Driver, setup } from "./driver.js";

describe("client sessions (Raft thesis §6.3)", () => {
  it("answers a retried request with its first result, marked duplicate, and applies nothing", () => {
    const driver = setup(4, ["w1"]);
    const acquire = { type: "AcquirePartitions", workerId: "w1", max: 1 } as const;
    const first = driver.ok(acquire, { clientId: "c1", seq: 1 });
    const hash = stateHash(driver.state);
    const retry = driver.run(acquire, { clientId: "c1", seq: 1 });
    expect(retry).toEqual({ ...first, duplicate: true });
    expect(stateHash(driver.state)).toBe(hash);
    expect(getPartition(driver.state, "plan", 1)?.status).toBe("pending");
  });

  it("remembers rejections too, even if the retry would now succeed", () => {
    const driver = setup(1, []);
    const heartbeat = { type: "Heartbeat", workerId: "w1" };
    expect(driver.run(heartbeat, { clientId: "c1", seq: 7 })).toMatchObject({
      status: "not_found",
    });
    driver.ok({ type: "RegisterWorker", workerId: "w1" });
    expect(driver.run(heartbeat, { clientId: "c1", seq: 7 })).toMatchObject({
      status: "not_found",
      duplicate: true,
    });
    expect(driver.run(heartbeat, { clientId: "c1", seq: 8 })).toMatchObject({ status: "ok" });
  });

  it("refuses a sequence number older than the last one applied", () => {
    const driver = setup(1, ["w1"]);
    driver.ok({ type: "Heartbeat", workerId: "w1" }, { clientId: "c1", seq: 5 });
    expect(
      driver.run({ type: "Heartbeat", workerId: "w1" }, { clientId: "c1", seq: 4 }),
    ).toMatchObject({
      status: "invalid_request",
      duplicate: false,
    });
  });

  it("forgets the least recently used client beyond its capacity, the same way on every node", () => {
    const run = () => {
      const driver = new Driver(2);
      driver.ok({ type: "RegisterWorker", workerId: "w1" }, { clientId: "a", seq: 1 });
      driver.ok({ type: "Heartbeat", workerId: "w1" }, { clientId: "b", seq: 1 });
      driver.ok({ type: "Heartbeat", workerId: "w1" }, { clientId: "a", seq: 2 });
      driver.ok({ type: "Heartbeat", workerId: "w1" }, { clientId: "c", seq: 1 });
      return driver;
    };
    const driver = run();
    expect(driver.state.sessions.sorted().map((s) => s.clientId)).toEqual(["a", "c"]);
    // "b" was forgotten: its old seq is applied again as new.
    expect(
      driver.run({ type: "Heartbeat", workerId: "w1" }, { clientId: "b", seq: 1 }),
    ).toMatchObject({
      duplicate: false,
    });
    expect(stateHash(run().state)).toBe(stateHash(run().state));
  });
});

describe("time is an input", () => {
  it("uses max(last applied time, proposedAtMs): a lagging leader clock never moves it back", () => {
    const driver = setup(1, []);
    driver.ok({ type: "RegisterWorker", workerId: "w1" }, { at: 50_000 });
    const result = driver.ok({ type: "Heartbeat", workerId: "w1" }, { at: 2_000 });
    expect(stateClock(driver.state).nowMs).toBe(50_000);
    expect(result.leaseExpiresAtMs).toBe(60_000);
  });

  it("moves the clock only with applied commands, not with rejections", () => {
    const driver = setup(1, []);
    const before = stateClock(driver.state).nowMs;
    driver.run({ type: "Heartbeat", workerId: "nobody" }, { at: 99_000 });
    expect(stateClock(driver.state).nowMs).toBe(before);
  });
});

describe("log indexes", () => {
  it("must increase: re-applying an index is a broken invariant, not a result", () => {
    const driver = setup(1, ["w1"]);
    expect(() =>
      apply(
        driver.state,
        { proposedAtMs: 1, command: { type: "Heartbeat", workerId: "w1" } },
        driver.index,
      ),
    ).toThrow(InvariantViolation);
  });
});

describe("malformed envelopes", () => {
  it.each([
    ["negative proposedAtMs", { proposedAtMs: -1 }],
    ["fractional proposedAtMs", { proposedAtMs: 1.5 }],
    ["clientId without seq", { proposedAtMs: 10, clientId: "c1" }],
    ["seq without clientId", { proposedAtMs: 10, seq: 1 }],
    ["malformed clientId", { proposedAtMs: 10, clientId: "bad id", seq: 1 }],
    ["negative seq", { proposedAtMs: 10, clientId: "c1", seq: -1 }],
  ])("refuses %s and records nothing", (_, fields) => {
    const driver = setup(2, ["w1"]);
    const hash = stateHash(driver.state);
    const result = driver.applyEnvelope({
      ...fields,
      command: { type: "Heartbeat", workerId: "w1" },
    });
    expect(result).toMatchObject({ status: "invalid_request" });
    expect(stateHash(driver.state)).toBe(hash);
  });
});
