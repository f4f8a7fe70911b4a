// Proves the per-follower progress states: Probe pauses after one message, Replicate pipelines
// until the window is full, Snapshot pauses appends, stale answers are ignored, and a rejection
// always moves nextIndex strictly back within (matchIndex, rejected].
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { Progress } from "../../src/raft/progress.js";
import type { Snapshot } from "../../src/raft/types.js";

const progress = (next = 10) => new Progress(asNodeId("2"), next, false, 2, 1_000);
const snapshot: Snapshot = {
  metadata: { index: 20, term: 3, confState: { voters: [], learners: [] } },
  data: new Uint8Array(),
};

describe("Progress", () => {
  it("Probe sends one message and pauses until an answer", () => {
    const p = progress();
    expect([p.state, p.isPaused()]).toEqual(["Probe", false]);
    p.sentEntries(12, 30);
    expect([p.isPaused(), p.nextIndex]).toEqual([true, 10]); // Probe does not advance nextIndex
    expect(p.maybeUpdate(12)).toBe(true);
    expect([p.isPaused(), p.matchIndex, p.nextIndex]).toEqual([false, 12, 13]);
  });

  it("Replicate advances nextIndex optimistically and pauses when the window is full", () => {
    const p = progress();
    p.maybeUpdate(9);
    p.becomeReplicate();
    p.sentEntries(11, 10);
    p.sentEntries(13, 10);
    expect([p.nextIndex, p.isPaused()]).toEqual([14, true]);
    p.maybeUpdate(11);
    p.inflights.freeLE(11);
    expect([p.isPaused(), p.inflights.count]).toEqual([false, 1]);
    p.sentEntries(undefined, 0); // an empty AppendEntries takes no slot
    expect(p.inflights.count).toBe(1);
  });

  it("a rejection in Replicate falls back to Probe at the hint; stale rejections are ignored", () => {
    const p = progress();
    p.maybeUpdate(9);
    p.becomeReplicate();
    p.sentEntries(15, 10);
    expect(p.maybeBackOff(8, 3)).toBe(false); // answers something older than the match
    expect(p.maybeBackOff(12, 11)).toBe(true);
    expect([p.state, p.nextIndex, p.inflights.count]).toEqual(["Probe", 11, 0]);
  });

  it("a rejection in Probe counts only for the probe just sent, and stays in (match, rejected]", () => {
    const p = progress(20);
    p.maybeUpdate(5);
    p.sentEntries(undefined, 0);
    expect(p.maybeBackOff(15, 3)).toBe(false); // not the outstanding probe (prev 19)
    expect(p.maybeBackOff(19, 1)).toBe(true);
    expect([p.nextIndex, p.isPaused()]).toEqual([6, false]); // clamped above the match
    expect(p.maybeBackOff(5, 100)).toBe(true);
    expect(p.nextIndex).toBe(5 + 1); // clamped to ≤ rejected, and > match
  });

  it("Snapshot pauses appends until the follower holds the snapshot", () => {
    const p = progress();
    p.becomeSnapshot(snapshot);
    expect([p.state, p.isPaused(), p.snapshotTransfer?.ackedBytes]).toEqual(["Snapshot", true, 0]);
    expect(p.maybeBackOff(9, 1)).toBe(false);
    p.maybeUpdate(20);
    p.becomeReplicate();
    expect([p.snapshotTransfer, p.nextIndex]).toEqual([undefined, 21]);
  });

  it("describes itself for status()", () => {
    const p = progress();
    p.maybeUpdate(9);
    expect(p.describe()).toEqual({
      id: "2",
      matchIndex: 9,
      nextIndex: 10,
      state: "Probe",
      inflightMessages: 0,
      ticksSinceContact: 0,
      isLearner: false,
    });
  });
});
