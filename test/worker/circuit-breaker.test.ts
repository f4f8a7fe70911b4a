// Proves the breaker has the seed's semantics on a fake clock: it trips on N consecutive
// failures and on M failures within the window (and not on M spread wider), stays open for
// openMs, then admits exactly the bounded number of half-open probes; a probe's success closes
// it, a probe's failure opens it again, and results of non-probes do not decide a half-open state.
import { describe, expect, it } from "vitest";
import {
  PartitionCircuitBreaker,
  WindowedFailureBreaker,
} from "../../src/worker/circuit-breaker.js";
import type { BreakerState } from "../../src/worker/circuit-breaker.js";
import { FakeClock } from "./fake-clock.js";

const options = {
  consecutiveFailuresMax: 3,
  windowFailuresMax: 5,
  windowMs: 60_000,
  openMs: 30_000,
  halfOpenProbesMax: 2,
};

function breaker(clock = new FakeClock()) {
  const changes: [BreakerState, BreakerState][] = [];
  const b = new PartitionCircuitBreaker(options, clock, (state, previous) =>
    changes.push([state, previous]),
  );
  return { b, clock, changes };
}

/** Runs one partition through the breaker with the given result. */
function partition(b: PartitionCircuitBreaker, ok: boolean): void {
  const ticket = b.started();
  if (ok) b.succeeded(ticket);
  else b.failed(ticket);
}

describe("tripping", () => {
  it("trips after consecutiveFailuresMax failures in a row, not before", () => {
    const { b, changes } = breaker();
    partition(b, false);
    partition(b, false);
    expect(b.state()).toBe("closed");
    expect(b.admits()).toBe(Number.POSITIVE_INFINITY);
    partition(b, false);
    expect(b.state()).toBe("open");
    expect(b.admits()).toBe(0);
    expect(changes).toEqual([["open", "closed"]]);
  });

  it("a success resets the consecutive count", () => {
    const { b } = breaker();
    for (const ok of [false, false, true, false, false, true]) partition(b, ok);
    expect(b.state()).toBe("closed");
  });

  it("trips on windowFailuresMax failures within the window even with successes between", async () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 4; i++) {
      partition(b, false);
      partition(b, true);
      await clock.advance(1_000);
    }
    expect(b.state()).toBe("closed");
    partition(b, false);
    expect(b.state()).toBe("open");
  });

  it("does not trip when the same failures are spread wider than the window", async () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 10; i++) {
      partition(b, false);
      partition(b, true);
      await clock.advance(20_000);
    }
    expect(b.state()).toBe("closed");
  });

  it("the windowed rule is a cockatiel IBreaker that forgets failures older than the window", async () => {
    const clock = new FakeClock();
    const windowed = new WindowedFailureBreaker(2, 1_000, clock);
    expect(windowed.failure()).toBe(false);
    await clock.advance(1_000);
    expect(windowed.failure()).toBe(false);
    expect(windowed.failure()).toBe(true);
  });
});

describe("open, half-open, probes", () => {
  async function tripped() {
    const made = breaker();
    for (let i = 0; i < 3; i++) partition(made.b, false);
    return made;
  }

  it("stays open for openMs and says when it reopens", async () => {
    const { b, clock } = await tripped();
    const reopensAtMs = b.reopensAtMs();
    expect(reopensAtMs).toBe(clock.now() + options.openMs);
    await clock.advance(options.openMs - 1);
    expect(b.state()).toBe("open");
    expect(b.admits()).toBe(0);
    await clock.advance(1);
    expect(b.state()).toBe("half-open");
    expect(b.reopensAtMs()).toBeNull();
  });

  it("admits exactly halfOpenProbesMax probes while half-open", async () => {
    const { b, clock } = await tripped();
    await clock.advance(options.openMs);
    expect(b.admits()).toBe(2);
    const first = b.started();
    expect(first.probe).toBe(true);
    expect(b.admits()).toBe(1);
    b.started();
    expect(b.admits()).toBe(0);
  });

  it("a probe's success closes it and resets the counts", async () => {
    const { b, clock, changes } = await tripped();
    await clock.advance(options.openMs);
    const probe = b.started();
    b.succeeded(probe);
    expect(b.state()).toBe("closed");
    expect(changes.map(([state]) => state)).toEqual(["open", "half-open", "closed"]);
    partition(b, false);
    partition(b, false);
    expect(b.state()).toBe("closed");
  });

  it("a probe's failure opens it again for another openMs", async () => {
    const { b, clock } = await tripped();
    await clock.advance(options.openMs);
    const probe = b.started();
    await clock.advance(5_000);
    b.failed(probe);
    expect(b.state()).toBe("open");
    expect(b.reopensAtMs()).toBe(clock.now() + options.openMs);
  });

  it("a partition started before the trip does not decide the half-open state", async () => {
    const { b, clock } = breaker();
    const early = b.started();
    for (let i = 0; i < 3; i++) partition(b, false);
    await clock.advance(options.openMs);
    expect(b.state()).toBe("half-open");
    b.succeeded(early);
    expect(b.state()).toBe("half-open");
    b.failed(early);
    expect(b.state()).toBe("half-open");
  });

  it("refuses options that are not positive integers", () => {
    expect(() => new PartitionCircuitBreaker({ openMs: 0 }, new FakeClock(), () => {})).toThrow(
      /openMs/,
    );
  });
});
