// Proves the leader's own proposals: LeaderChanged once per term after its NoOp applies, and
// ONE ExpireLeases per due lease — never before the lease is due, never two in flight, never two
// within a tick interval, never before the leader's LeaderChanged applied, never by a follower.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NodeEvents } from "../../src/node/events.js";
import { LeaderDuties } from "../../src/node/leader-duties.js";
import { REAL_TIMERS } from "../../src/node/ports.js";
import {
  apply,
  createState,
  type ApplyResult,
  type Command,
  type CoordinatorState,
} from "../../src/state-machine/index.js";

const TICK_MS = 10;
const GRACE_MS = 500;

interface Harness {
  readonly duties: LeaderDuties;
  readonly proposed: Command[];
  /** Answers the oldest unanswered proposal, applying it to the state first unless told not to. */
  answer(applyIt?: boolean): void;
  /** Applies a command proposed by someone else (a client) at the next index. */
  applyNow(command: Command): ApplyResult;
  leading: number | null;
  state: CoordinatorState;
}

function harness(): Harness {
  let index = 0;
  const pending: { command: Command; resolve: (r: ApplyResult) => void }[] = [];
  const h = {
    proposed: [] as Command[],
    leading: 1 as number | null,
    state: createState(),
    answer(applyIt = true) {
      const next = pending.shift()!;
      next.resolve(
        applyIt
          ? h.applyNow(next.command)
          : { status: "invalid_state", detail: "not applied", duplicate: false },
      );
    },
    applyNow: (command: Command) => apply(h.state, { proposedAtMs: Date.now(), command }, ++index),
  } as Harness;
  const duties = new LeaderDuties({
    clock: { nowMs: () => Date.now(), monotonicMs: () => Date.now() },
    timers: REAL_TIMERS,
    events: new NodeEvents(() => undefined),
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: () => undefined,
    },
    leaderChangeLeaseGraceMs: GRACE_MS,
    tickIntervalMs: TICK_MS,
    leadingTerm: () => h.leading,
    state: () => h.state,
    propose: (command) => {
      h.proposed.push(command);
      return new Promise((resolve) => pending.push({ command, resolve }));
    },
  });
  return Object.assign(h, { duties });
}

/** A leader of term 1 whose LeaderChanged applied, with a worker whose lease ends in 1 s. */
function leaderWithWorker(): Harness {
  const h = harness();
  h.duties.onNoOpApplied(1);
  h.answer();
  h.proposed.length = 0;
  h.applyNow({ type: "RegisterWorker", workerId: "w", leaseTtlMs: 1_000 });
  return h;
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("LeaderChanged", () => {
  it("is proposed once per term, by the leader of that term", () => {
    const h = harness();
    h.duties.onNoOpApplied(1);
    h.duties.onNoOpApplied(1);
    expect(h.proposed).toEqual([
      { type: "LeaderChanged", term: 1, nowMs: 1_000_000, graceMs: GRACE_MS },
    ]);
    h.leading = 3;
    h.duties.onNoOpApplied(2);
    h.leading = null;
    h.duties.onNoOpApplied(3);
    expect(h.proposed).toHaveLength(1);
  });
});

describe("ExpireLeases", () => {
  it("is proposed once, when the earliest lease is due", () => {
    const h = leaderWithWorker();
    h.duties.rearm();
    h.duties.rearm();
    vi.advanceTimersByTime(999);
    expect(h.proposed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(h.proposed).toEqual([{ type: "ExpireLeases", nowMs: 1_001_000 }]);
    // In flight: re-arming (after other applies) proposes nothing more.
    h.duties.rearm();
    vi.advanceTimersByTime(5_000);
    expect(h.proposed).toHaveLength(1);
    h.answer();
    h.duties.rearm();
    vi.advanceTimersByTime(60_000);
    expect(h.proposed).toHaveLength(1);
  });

  it("follows a lease that moves, and never proposes twice within a tick", () => {
    const h = leaderWithWorker();
    h.duties.rearm();
    // The worker heartbeats half-way: its lease now ends 500 ms later; the timer follows.
    vi.advanceTimersByTime(500);
    h.applyNow({ type: "Heartbeat", workerId: "w" });
    h.duties.rearm();
    vi.advanceTimersByTime(999);
    expect(h.proposed).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(h.proposed).toHaveLength(1);
    // The ExpireLeases is answered without effect (say, lost): the lease is still due, and
    // the next attempt waits one tick interval.
    h.answer(false);
    return Promise.resolve().then(() => {
      vi.advanceTimersByTime(TICK_MS - 1);
      expect(h.proposed).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(h.proposed).toHaveLength(2);
    });
  });

  it("waits for the leader's own LeaderChanged, and stops when it steps down", () => {
    const h = harness();
    h.applyNow({ type: "RegisterWorker", workerId: "w", leaseTtlMs: 1_000 });
    h.duties.rearm();
    vi.advanceTimersByTime(2_000);
    expect(h.proposed).toEqual([]);
    const l = leaderWithWorker();
    l.duties.rearm();
    l.leading = null;
    l.duties.rearm();
    vi.advanceTimersByTime(2_000);
    expect(l.proposed).toEqual([]);
    const s = leaderWithWorker();
    s.duties.rearm();
    s.duties.stop();
    vi.advanceTimersByTime(2_000);
    expect(s.proposed).toEqual([]);
  });
});
