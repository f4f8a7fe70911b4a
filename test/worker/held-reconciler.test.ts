// Proves how heartbeat answers are judged: a running grant missing from the held list (or under
// another token) is lost only if it was received before the heartbeat left; a held partition
// the worker does not run is released at once when the worker retired that grant, otherwise
// only on a second sighting after the acquires in flight at the first one were answered.
import { describe, expect, it } from "vitest";
import { HeldReconciler } from "../../src/worker/held-reconciler.js";
import type { RunningPartition } from "../../src/worker/partition-runner.js";
import type { HeldPartition } from "../../src/worker/worker-client.js";

function held(partitionId: number, fencingToken: number): HeldPartition {
  return { planId: "p", partitionId, fencingToken };
}

function running(partitionId: number, fencingToken: number, grantNo: number): RunningPartition {
  return {
    key: `p/${partitionId}`,
    grant: {
      ...held(partitionId, fencingToken),
      minId: 1,
      maxId: 2,
      checkpointId: null,
      processedCount: 0,
      attempts: 0,
    },
    grantNo,
    receivedAtMs: 0,
    lostReason: null,
    drained: false,
  } as unknown as RunningPartition;
}

describe("lost partitions", () => {
  it("a running grant not held, or held under another token, is lost", () => {
    const r = new HeldReconciler();
    const a = running(0, 5, 1);
    const b = running(1, 6, 2);
    const c = running(2, 7, 3);
    const verdict = r.reconcile([held(0, 5), held(1, 9)], [a, b, c], 3);
    expect(verdict.lost).toEqual([b, c]);
  });

  it("a grant received after the heartbeat left is not judged by it", () => {
    const r = new HeldReconciler();
    expect(r.reconcile([], [running(0, 5, 4)], 3).lost).toEqual([]);
  });

  it("a partition already lost is not lost again", () => {
    const r = new HeldReconciler();
    const a = running(0, 5, 1);
    a.lostReason = "refused";
    expect(r.reconcile([], [a], 3).lost).toEqual([]);
  });
});

describe("orphans", () => {
  it("a retired grant still held is released at once", () => {
    const r = new HeldReconciler();
    r.retire("p/0", held(0, 5));
    expect(r.reconcile([held(0, 5), held(1, 6)], [], 0).orphans).toEqual([held(0, 5)]);
  });

  it("an unknown held partition is released on the second sighting when no acquire was in flight", () => {
    const r = new HeldReconciler();
    expect(r.reconcile([held(1, 6)], [], 0).orphans).toEqual([]);
    expect(r.reconcile([held(1, 6)], [], 0).orphans).toEqual([held(1, 6)]);
  });

  it("waits for the acquire in flight at the first sighting to be answered", () => {
    const r = new HeldReconciler();
    r.acquireStarted();
    expect(r.reconcile([held(1, 6)], [], 0).orphans).toEqual([]);
    expect(r.reconcile([held(1, 6)], [], 0).orphans).toEqual([]);
    r.acquireSettled();
    expect(r.reconcile([held(1, 6)], [], 0).orphans).toEqual([held(1, 6)]);
  });

  it("a new token restarts the count, and a partition that runs is never an orphan", () => {
    const r = new HeldReconciler();
    r.reconcile([held(1, 6)], [], 0);
    expect(r.reconcile([held(1, 8)], [], 0).orphans).toEqual([]);
    expect(r.reconcile([held(1, 8)], [running(1, 8, 1)], 1).orphans).toEqual([]);
    expect(r.reconcile([held(1, 8)], [], 1).orphans).toEqual([]);
  });
});
