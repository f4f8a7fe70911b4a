// Proves MemoryStorage keeps a contiguous log after a compacted prefix: appends truncate a
// conflicting suffix, snapshots replace or cover the log, compaction keeps the boundary term,
// and misuse is a typed error while broken contiguity is an invariant violation.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/util/assert.js";
import { asNodeId } from "../../src/util/ids.js";
import { MemoryStorage, StorageMisuseError } from "../../src/raft/memory-storage.js";
import { LogCompactedError, LogUnavailableError } from "../../src/raft/storage.js";
import type { Entry, Snapshot } from "../../src/raft/types.js";
import { entriesOf, logWithTerms } from "./harness.js";

const confState = { voters: [asNodeId("1"), asNodeId("2"), asNodeId("3")], learners: [] };

function storageWith(terms: number[], commit = terms.length): MemoryStorage {
  return new MemoryStorage({
    confState,
    hardState: { term: terms.at(-1) ?? 0, vote: null, commit },
    entries: logWithTerms(terms),
  });
}

const positions = (s: MemoryStorage) =>
  s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => `${e.index}/${e.term}`);

describe("MemoryStorage", () => {
  it("starts empty with the zero snapshot and term 0 at index 0", () => {
    const s = new MemoryStorage({ confState });
    expect([s.firstIndex(), s.lastIndex(), s.term(0)]).toEqual([1, 0, 0]);
    expect(s.snapshot().metadata).toEqual({ index: 0, term: 0, confState });
    expect(s.initialState()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      confState,
    });
  });

  it("reads entries in [lo, hi) and terms, and refuses ranges outside the log", () => {
    const s = storageWith([1, 1, 2, 3]);
    expect(s.entries(2, 4, Infinity).map((e) => e.index)).toEqual([2, 3]);
    expect(s.term(4)).toBe(3);
    expect(() => s.term(5)).toThrow(LogUnavailableError);
    expect(() => s.entries(1, 6, Infinity)).toThrow(LogUnavailableError);
  });

  it("limits entries by bytes but always returns at least one", () => {
    const s = storageWith([1, 1, 1, 1]); // each entry: 1 byte of data + 24 B overhead
    expect(s.entries(1, 5, 0)).toHaveLength(1);
    expect(s.entries(1, 5, 50)).toHaveLength(2);
    expect(s.entries(1, 5, 74)).toHaveLength(2);
    expect(s.entries(1, 5, 75)).toHaveLength(3);
  });

  it("append replaces a conflicting suffix and extends the log (Raft §5.3)", () => {
    const s = storageWith([1, 1, 2, 2]);
    s.append(entriesOf([3, 3], [4, 3], [5, 3]));
    expect(positions(s)).toEqual(["1/1", "2/1", "3/3", "4/3", "5/3"]);
    s.append(entriesOf([6, 3]));
    expect(s.lastIndex()).toBe(6);
  });

  it("append refuses a gap or non-contiguous entries as an invariant violation", () => {
    const s = storageWith([1, 1]);
    expect(() => s.append(entriesOf([4, 1]))).toThrow(InvariantViolation);
    expect(() => s.append(entriesOf([3, 1], [5, 1]))).toThrow(InvariantViolation);
    expect(() => s.append(entriesOf([3, 2], [4, 1]))).toThrow(InvariantViolation);
  });

  it("createSnapshot records the state at an applied index; compact keeps the boundary term", () => {
    const s = storageWith([1, 1, 2, 2, 3]);
    const snap = s.createSnapshot(4, new Uint8Array([9]));
    expect(snap.metadata).toEqual({ index: 4, term: 2, confState });
    expect(s.firstIndex()).toBe(1); // nothing dropped yet
    s.compact(2); // keep a tail behind the snapshot
    expect([s.firstIndex(), s.term(2), s.term(3)]).toEqual([3, 1, 2]);
    expect(() => s.term(1)).toThrow(LogCompactedError);
    expect(() => s.entries(2, 4, Infinity)).toThrow(LogCompactedError);
    s.compact(1); // already compacted: nothing happens
    s.compact(4);
    expect([s.firstIndex(), s.lastIndex(), s.term(4)]).toEqual([5, 5, 2]);
    expect(positions(s)).toEqual(["5/3"]);
  });

  it("createSnapshot records the configuration in force at its index, not a later one", () => {
    const config = (index: number, voters: string[]): Entry => ({
      index,
      term: 1,
      type: "Config",
      data: new Uint8Array(0),
      config: { voters: voters.map(asNodeId), learners: [] },
    });
    const one = (index: number): Entry => entriesOf([index, 1])[0]!;
    const s = new MemoryStorage({
      confState,
      hardState: { term: 1, vote: null, commit: 5 },
      entries: [one(1), config(2, ["1", "2"]), one(3), config(4, ["1"]), one(5)],
    });
    expect(s.createSnapshot(1, new Uint8Array()).metadata.confState).toEqual(confState);
    expect(s.createSnapshot(3, new Uint8Array()).metadata.confState.voters).toEqual(["1", "2"]);
    expect(s.initialState().confState.voters).toEqual(["1", "2"]);
    expect(s.createSnapshot(5, new Uint8Array()).metadata.confState.voters).toEqual(["1"]);
  });

  it("refuses snapshots and compactions the log rules out, with a typed error", () => {
    const s = storageWith([1, 1, 2], 2);
    expect(() => s.createSnapshot(3, new Uint8Array())).toThrow(StorageMisuseError); // beyond commit
    s.createSnapshot(2, new Uint8Array());
    expect(() => s.createSnapshot(2, new Uint8Array())).toThrow(StorageMisuseError); // not newer
    expect(() => s.compact(3)).toThrow(StorageMisuseError); // beyond the snapshot
  });

  it("applySnapshot replaces the whole log and adopts the snapshot's configuration", () => {
    const s = storageWith([1, 1, 2]);
    const learnerConf = { voters: confState.voters, learners: [asNodeId("4")] };
    const snap: Snapshot = {
      metadata: { index: 10, term: 4, confState: learnerConf },
      data: new Uint8Array([1, 2]),
    };
    s.applySnapshot(snap);
    expect([s.firstIndex(), s.lastIndex(), s.term(10)]).toEqual([11, 10, 4]);
    expect(s.initialState().confState).toEqual(learnerConf);
    expect(s.snapshot()).toBe(snap);
    expect(() => s.applySnapshot(snap)).toThrow(StorageMisuseError);
    s.append(entriesOf([11, 4]));
    expect(positions(s)).toEqual(["11/4"]);
  });

  it("restarts from a snapshot plus a log that still holds a tail before it", () => {
    const snapshot: Snapshot = {
      metadata: { index: 3, term: 2, confState },
      data: new Uint8Array(),
    };
    const s = new MemoryStorage({ confState, snapshot, entries: logWithTerms([1, 1, 2, 2, 3]) });
    expect([s.firstIndex(), s.lastIndex(), s.term(3)]).toEqual([4, 5, 2]);
    expect(() => new MemoryStorage({ confState, snapshot, entries: entriesOf([6, 3]) })).toThrow(
      InvariantViolation,
    );
  });
});
