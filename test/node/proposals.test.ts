// Proves proposals are answered by (index, term): the applied result when the entry at their
// index has their term, proposal_dropped as soon as the log shows another term there (or drops
// them past its new end), an unknown outcome when a leader's snapshot jumps over them.
import { REAL_TIMERS } from "../../src/node/ports.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Pending } from "../../src/node/pending.js";
import { ProposalTracker } from "../../src/node/proposals.js";
import type { Entry } from "../../src/raft/types.js";
import type { ApplyResult } from "../../src/state-machine/index.js";
import { asPlanId } from "../../src/util/ids.js";

const OK: ApplyResult = {
  status: "ok",
  type: "PausePlan",
  duplicate: false,
  planId: asPlanId("p"),
  planStatus: "paused",
  releasedCount: 0,
};

function pending(timeoutMs = 10_000): Pending<ApplyResult> {
  return new Pending<ApplyResult>(
    REAL_TIMERS,
    timeoutMs,
    () => new CoordinatorError("proposal_timeout"),
  );
}

function entry(index: number, term: number): Entry {
  return { index, term, type: "Normal", data: new Uint8Array(0) };
}

async function outcome(p: Pending<ApplyResult>): Promise<string> {
  return p.promise.then(
    (r) => r.status,
    (e: CoordinatorError) => e.code,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe("ProposalTracker", () => {
  it("answers a proposal with the result of its own entry", async () => {
    const tracker = new ProposalTracker();
    const p = pending();
    tracker.track(5, 2, p);
    tracker.onApplied(4, 2, OK);
    expect(p.settled).toBe(false);
    tracker.onApplied(5, 2, OK);
    expect(await p.promise).toBe(OK);
    await Promise.resolve();
    expect(tracker.size).toBe(0);
  });

  it("drops a proposal whose index was applied with another term", async () => {
    const tracker = new ProposalTracker();
    const p = pending();
    tracker.track(5, 2, p);
    tracker.onApplied(5, 3, null);
    expect(await outcome(p)).toBe("proposal_dropped");
  });

  it("drops a proposal as soon as its index is overwritten, or cut off by an older-term tail", async () => {
    const tracker = new ProposalTracker();
    const [at4, at5, at6, at7] = [pending(), pending(), pending(), pending()];
    tracker.track(4, 2, at4);
    tracker.track(5, 2, at5);
    tracker.track(6, 2, at6);
    tracker.track(7, 3, at7);
    // The new leader (term 3) replaced everything from 5 on with one entry.
    tracker.onAppended([entry(5, 3)]);
    expect(await outcome(at5)).toBe("proposal_dropped");
    expect(await outcome(at6)).toBe("proposal_dropped");
    expect(at4.settled).toBe(false);
    // 7 was proposed in term 3 itself: not known to be lost by this append.
    expect(at7.settled).toBe(false);
  });

  it("keeps a proposal whose entry is written again with its own term", () => {
    const tracker = new ProposalTracker();
    const p = pending();
    tracker.track(5, 2, p);
    tracker.onAppended([entry(5, 2), entry(6, 2)]);
    expect(p.settled).toBe(false);
  });

  it("a snapshot from the leader leaves the proposals it covers with an unknown outcome", async () => {
    const tracker = new ProposalTracker();
    const covered = pending();
    const after = pending();
    tracker.track(5, 2, covered);
    tracker.track(9, 2, after);
    tracker.onSnapshotInstalled(8);
    const error = await covered.promise.catch((e: CoordinatorError) => e);
    expect((error as CoordinatorError).code).toBe("proposal_timeout");
    expect((error as CoordinatorError).message).toContain("unknown");
    expect(after.settled).toBe(false);
  });

  it("a second proposal at the same index replaces the first, which was lost", async () => {
    const tracker = new ProposalTracker();
    const first = pending();
    const second = pending();
    tracker.track(5, 2, first);
    tracker.track(5, 4, second);
    expect(await outcome(first)).toBe("proposal_dropped");
    tracker.onApplied(5, 4, OK);
    expect(await second.promise).toBe(OK);
  });

  it("forgets a proposal that timed out", async () => {
    vi.useFakeTimers();
    const tracker = new ProposalTracker();
    const p = pending(100);
    tracker.track(5, 2, p);
    vi.advanceTimersByTime(100);
    expect(await outcome(p)).toBe("proposal_timeout");
    expect(tracker.size).toBe(0);
  });

  it("failAll answers every waiting proposal with the error", async () => {
    const tracker = new ProposalTracker();
    const ps = [pending(), pending()];
    ps.forEach((p, i) => tracker.track(i + 1, 1, p));
    tracker.failAll(new CoordinatorError("node_stopping"));
    expect(await Promise.all(ps.map(outcome))).toEqual(["node_stopping", "node_stopping"]);
  });
});
