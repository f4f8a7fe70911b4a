// Proves condition waiters resolve true when their predicate holds (at once or at a later
// check), false at their deadline, on abort, or when the node releases them.
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { ConditionWaiters } from "../../src/node/conditions.js";

describe("ConditionWaiters", () => {
  it("resolves at once when the predicate already holds", async () => {
    const waiters = new ConditionWaiters(REAL_TIMERS);
    expect(await waiters.wait(() => true, 1_000)).toBe(true);
    expect(waiters.size).toBe(0);
  });

  it("resolves at the first check after the predicate starts to hold", async () => {
    const waiters = new ConditionWaiters(REAL_TIMERS);
    let value = 0;
    const waiting = waiters.wait(() => value >= 2, 5_000);
    value = 1;
    waiters.check();
    value = 2;
    expect(waiters.size).toBe(1);
    waiters.check();
    expect(await waiting).toBe(true);
    expect(waiters.size).toBe(0);
  });

  it("resolves false at the deadline, on abort and on releaseAll", async () => {
    const waiters = new ConditionWaiters(REAL_TIMERS);
    expect(await waiters.wait(() => false, 5)).toBe(false);
    const controller = new AbortController();
    const aborted = waiters.wait(() => false, 5_000, controller.signal);
    controller.abort();
    expect(await aborted).toBe(false);
    const alreadyAborted = waiters.wait(() => false, 5_000, controller.signal);
    expect(await alreadyAborted).toBe(false);
    const released = waiters.wait(() => false, 5_000);
    waiters.releaseAll();
    expect(await released).toBe(false);
    expect(waiters.size).toBe(0);
  });
});
