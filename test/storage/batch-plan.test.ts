// Proves a planned batch puts and deletes exactly the keys that move the stored log from one
// consistent state to the next: appends, suffix truncation and snapshot replacement.
import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/raft/types.js";
import { BatchPlan, lastIndexOf, type StoredBounds } from "../../src/storage/batch-plan.js";
import { logIndexOfKey, snapshotChunkKey } from "../../src/storage/key-layout.js";
import { InvariantViolation } from "../../src/util/assert.js";
import { asNodeId } from "../../src/util/ids.js";

const entry = (index: number, term = 1): Entry => ({
  index,
  term,
  type: "Normal",
  data: Uint8Array.of(index),
});
const bounds = (firstStored: number, lastStored: number, snapshotIndex = 0): StoredBounds => ({
  firstStored,
  lastStored,
  snapshotIndex,
  snapshotChunks: 0,
});
/** "put 4", "del 7": the log operations of a plan, readable. */
const logOps = (plan: BatchPlan) =>
  plan.ops.flatMap((op) => {
    const index = logIndexOfKey(op.key);
    return index === undefined ? [] : [`${op.type} ${index}`];
  });

describe("batch plan", () => {
  it("appends after the last entry without deleting anything", () => {
    const plan = new BatchPlan();
    const next = plan.append(bounds(1, 3), [entry(4), entry(5)]);
    expect(logOps(plan)).toEqual(["put 4", "put 5"]);
    expect(next).toEqual(bounds(1, 5));
  });

  it("overwrites a conflicting suffix and deletes what lies beyond the new tail (Raft §5.3)", () => {
    const plan = new BatchPlan();
    const next = plan.append(bounds(1, 8), [entry(4, 2), entry(5, 2)]);
    expect(logOps(plan)).toEqual(["del 6", "del 7", "del 8", "put 4", "put 5"]);
    expect(lastIndexOf(next)).toBe(5);
  });

  it("starts an empty log right after the snapshot", () => {
    const plan = new BatchPlan();
    expect(plan.append(bounds(11, 10, 10), [entry(11)])).toEqual(bounds(11, 11, 10));
  });

  it("refuses entries that skip, overlap the snapshot, or leave a gap", () => {
    expect(() => new BatchPlan().append(bounds(1, 3), [entry(4), entry(6)])).toThrow(
      InvariantViolation,
    );
    expect(() => new BatchPlan().append(bounds(6, 10, 5), [entry(5)])).toThrow(InvariantViolation);
    expect(() => new BatchPlan().append(bounds(1, 3), [entry(5)])).toThrow(InvariantViolation);
  });

  it("writes a snapshot in chunks and deletes the previous snapshot's extra chunks", () => {
    const plan = new BatchPlan();
    const previous = { ...bounds(1, 0), snapshotChunks: 5 };
    const snapshot = {
      metadata: { index: 9, term: 2, confState: { voters: [asNodeId("n1")], learners: [] } },
      data: new Uint8Array(25),
    };
    expect(plan.putSnapshot(previous, snapshot, 10)).toBe(3);
    const deleted = plan.ops.filter((op) => op.type === "del").map((op) => op.key);
    expect(deleted).toEqual([snapshotChunkKey(3), snapshotChunkKey(4)]);
    const chunkSizes = plan.ops.flatMap((op) =>
      op.type === "put" && op.key[0] === 0x04 ? [op.value.byteLength] : [],
    );
    expect(chunkSizes).toEqual([10, 10, 5]);
  });
});
