// Proves the simulated disk makes writes durable only on sync and loses unsynced writes on a crash.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import type { Entry, Snapshot } from "../../src/raft/types.js";
import { SimDisk, emptyDurableState } from "./disk.js";

const conf = { voters: [asNodeId("n1"), asNodeId("n2"), asNodeId("n3")], learners: [] };
const entry = (index: number, term: number): Entry => ({
  index,
  term,
  type: "Normal",
  data: new Uint8Array([index]),
});
const snapshotAt = (index: number, term: number): Snapshot => ({
  metadata: { index, term, confState: conf },
  data: new Uint8Array([1, 2, 3]),
});

describe("SimDisk", () => {
  it("keeps writes out of the durable state until sync", () => {
    const disk = new SimDisk(emptyDurableState(conf));
    disk.write({ kind: "entries", entries: [entry(1, 1), entry(2, 1)] });
    disk.write({ kind: "hardState", hardState: { term: 1, vote: asNodeId("n1"), commit: 1 } });
    expect(disk.durable().entries).toEqual([]);
    expect(disk.unsyncedWrites).toBe(2);
    disk.sync();
    expect(disk.durable().entries.map((e) => e.index)).toEqual([1, 2]);
    expect(disk.durableHardState()).toEqual({ term: 1, vote: "n1", commit: 1 });
    expect(disk.lastIndex()).toBe(2);
    expect(disk.unsyncedWrites).toBe(0);
  });

  it("a crash keeps only a prefix of the unsynced writes, and never synced data", () => {
    const outcomes = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const disk = new SimDisk(emptyDurableState(conf));
      disk.write({ kind: "entries", entries: [entry(1, 1)] });
      disk.sync();
      disk.write({ kind: "entries", entries: [entry(2, 1)] });
      disk.write({ kind: "entries", entries: [entry(3, 1)] });
      disk.write({ kind: "hardState", hardState: { term: 1, vote: null, commit: 3 } });
      const { kept, lost } = disk.crash(createPrng(seed));
      expect(kept).toHaveLength(3 - lost);
      const last = disk.lastIndex();
      outcomes.add(lost);
      expect(last).toBeGreaterThanOrEqual(1);
      // A later write survives only if every earlier one did.
      expect(last).toBe(1 + Math.min(2, 3 - lost));
      expect(disk.durableHardState().commit).toBe(lost === 0 ? 3 : 0);
      expect(disk.unsyncedWrites).toBe(0);
    }
    expect(outcomes).toEqual(new Set([0, 1, 2, 3]));
  });

  it("truncates a conflicting suffix when entries overlap the stored log", () => {
    const disk = new SimDisk(emptyDurableState(conf));
    disk.write({ kind: "entries", entries: [entry(1, 1), entry(2, 1), entry(3, 1)] });
    disk.write({ kind: "entries", entries: [entry(2, 2)] });
    disk.sync();
    expect(disk.durable().entries.map((e) => `${e.index}/${e.term}`)).toEqual(["1/1", "2/2"]);
    expect(disk.termAt(3)).toBeUndefined();
  });

  it("refuses entries that leave a gap", () => {
    const disk = new SimDisk(emptyDurableState(conf));
    disk.write({ kind: "entries", entries: [entry(3, 1)] });
    expect(() => disk.sync()).toThrow(/do not attach/);
  });

  it("an installed snapshot replaces the log; a saved one keeps it until compaction", () => {
    const disk = new SimDisk(emptyDurableState(conf));
    disk.write({ kind: "entries", entries: [1, 2, 3, 4].map((i) => entry(i, 1)) });
    disk.write({ kind: "saveSnapshot", snapshot: snapshotAt(3, 1) });
    disk.sync();
    expect(disk.durable().entries.map((e) => e.index)).toEqual([4]);
    expect(disk.termAt(2)).toBe(1);
    disk.write({ kind: "compact", index: 2 });
    disk.sync();
    expect(disk.termAt(2)).toBeUndefined();
    expect(disk.termAt(3)).toBe(1);
    disk.write({ kind: "installSnapshot", snapshot: snapshotAt(10, 4) });
    disk.sync();
    expect(disk.durable().entries).toEqual([]);
    expect([disk.snapshotIndex(), disk.lastIndex(), disk.termAt(10)]).toEqual([10, 10, 4]);
    disk.write({ kind: "entries", entries: [entry(11, 4)] });
    disk.sync();
    expect(disk.durable().entries.map((e) => e.index)).toEqual([11]);
  });
});
