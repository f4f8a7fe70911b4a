// Proves RaftLog: it reads across stable storage and the unstable tail, accepts a leader's entries
// per the AppendEntries receiver rules, gives conflict hints, and asserts
// applied ≤ committed ≤ lastIndex on every move.
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/util/assert.js";
import { asNodeId } from "../../src/util/ids.js";
import { RaftLog } from "../../src/raft/log.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import type { Snapshot } from "../../src/raft/types.js";
import { entriesOf, logWithTerms } from "./harness.js";

const confState = { voters: [asNodeId("1")], learners: [] };

function logOf(stable: number[], commit = 0, applied = 0): RaftLog {
  const storage = new MemoryStorage({
    confState,
    hardState: { term: stable.at(-1) ?? 0, vote: null, commit },
    entries: logWithTerms(stable),
  });
  return new RaftLog(storage, applied);
}

const positions = (log: RaftLog) =>
  log.entries(log.firstIndex(), log.lastIndex() + 1, Infinity).map((e) => `${e.index}/${e.term}`);

describe("RaftLog", () => {
  it("reads across stable storage and the unstable tail, with terms and byte limits", () => {
    const log = logOf([1, 1, 2]);
    log.append(entriesOf([4, 3], [5, 3]));
    expect(positions(log)).toEqual(["1/1", "2/1", "3/2", "4/3", "5/3"]);
    expect([log.firstIndex(), log.lastIndex(), log.lastTerm()]).toEqual([1, 5, 3]);
    expect([log.term(0), log.term(3), log.term(5), log.term(6)]).toEqual([0, 2, 3, undefined]);
    expect(log.entries(2, 6, 50).map((e) => e.index)).toEqual([2, 3]);
    expect(log.entries(4, 6, 0).map((e) => e.index)).toEqual([4]);
  });

  it("unstable entries shadow a stable suffix they replace", () => {
    const log = logOf([1, 1, 1, 1]);
    log.append(entriesOf([3, 2]));
    expect(positions(log)).toEqual(["1/1", "2/1", "3/2"]);
    expect(log.persistedLastIndex()).toBe(2);
  });

  it("isUpToDate compares last terms, then lengths (Raft §5.4.1)", () => {
    const log = logOf([1, 2, 2]);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(9, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });

  describe("maybeAppend (AppendEntries receiver rules 2–4, Raft §5.3)", () => {
    it("rejects when the log lacks (prevLogIndex, prevLogTerm)", () => {
      const log = logOf([1, 1, 2]);
      expect(log.maybeAppend(3, 3, [])).toEqual({ kind: "mismatch" });
      expect(log.maybeAppend(4, 2, [])).toEqual({ kind: "mismatch" });
    });

    it("appends new entries and reports the last index the leader's message covers", () => {
      const log = logOf([1, 1]);
      const fresh = entriesOf([3, 2], [4, 2]);
      expect(log.maybeAppend(2, 1, fresh)).toEqual({ kind: "appended", lastNewIndex: 4, fresh });
      expect(positions(log)).toEqual(["1/1", "2/1", "3/2", "4/2"]);
    });

    it("keeps entries the message already matches and never truncates a matching suffix", () => {
      const log = logOf([1, 1, 1, 1]);
      expect(log.maybeAppend(1, 1, entriesOf([2, 1]))).toEqual({
        kind: "appended",
        lastNewIndex: 2,
        fresh: [],
      });
      expect(log.lastIndex()).toBe(4);
    });

    it("drops the conflicting suffix from the first conflicting entry", () => {
      const log = logOf([1, 1, 2, 2, 2], 2);
      const outcome = log.maybeAppend(2, 1, entriesOf([3, 2], [4, 3]));
      expect(positions(log)).toEqual(["1/1", "2/1", "3/2", "4/3"]);
      expect(outcome).toMatchObject({ fresh: entriesOf([4, 3]) });
    });

    it("refuses to contradict a committed entry (a broken leader) without changing the log", () => {
      const log = logOf([1, 1, 2], 3);
      expect(log.maybeAppend(1, 1, entriesOf([2, 1], [3, 3]))).toEqual({
        kind: "contradicts-commit",
      });
      expect(positions(log)).toEqual(["1/1", "2/1", "3/2"]);
    });
  });

  it("conflictHint names our term at prevLogIndex and the first index of that term", () => {
    const log = logOf([1, 1, 2, 2, 2, 3], 1);
    expect(log.conflictHint(5)).toEqual({ conflictIndex: 3, conflictTerm: 2 });
    expect(log.conflictHint(6)).toEqual({ conflictIndex: 6, conflictTerm: 3 });
    expect(log.conflictHint(9)).toEqual({ conflictIndex: 7, conflictTerm: 0 });
    // The search does not go below the commit index.
    expect(logOf([2, 2, 2, 2], 2).conflictHint(4)).toEqual({ conflictIndex: 3, conflictTerm: 2 });
  });

  it("lastIndexWithTermAtMost finds the last entry of a term or earlier", () => {
    const log = logOf([1, 1, 3, 3, 5, 5]);
    expect(log.lastIndexWithTermAtMost(6, 4)).toEqual({ index: 4, term: 3 });
    expect(log.lastIndexWithTermAtMost(6, 3)).toEqual({ index: 4, term: 3 });
    expect(log.lastIndexWithTermAtMost(3, 9)).toEqual({ index: 3, term: 3 });
    expect(log.lastIndexWithTermAtMost(6, 0)).toEqual({ index: 0, term: 0 });
  });

  it("asserts applied ≤ committed ≤ lastIndex and never moves them back", () => {
    const log = logOf([1, 1, 1], 2, 1);
    log.commitTo(1);
    expect(log.committed).toBe(2);
    expect(() => log.commitTo(4)).toThrow(InvariantViolation);
    expect(() => log.appliedTo(3)).toThrow(InvariantViolation);
    log.appliedTo(2);
    expect(() => log.appliedTo(1)).toThrow(InvariantViolation);
    expect(() => log.append(entriesOf([2, 2]))).toThrow(InvariantViolation); // below commit
  });

  it("hands out committed entries after applied, none while a snapshot is pending", () => {
    const log = logOf([1, 1, 1], 3, 1);
    expect(log.nextCommittedEntries().map((e) => e.index)).toEqual([2, 3]);
    const snapshot: Snapshot = {
      metadata: { index: 9, term: 2, confState },
      data: new Uint8Array(),
    };
    log.restore(snapshot);
    expect(log.hasNextCommittedEntries()).toBe(false);
    expect([log.committed, log.firstIndex(), log.lastIndex(), log.term(9)]).toEqual([9, 10, 9, 2]);
    expect(log.persistedLastIndex()).toBe(0);
    log.appliedTo(9);
    (log.storage as MemoryStorage).applySnapshot(snapshot); // the application persisted it
    log.unstable.stableSnapshotTo(9);
    log.assertPositions();
  });

  it("restore refuses a snapshot at or below the commit index", () => {
    const log = logOf([1, 1, 1], 3);
    const snapshot: Snapshot = {
      metadata: { index: 3, term: 1, confState },
      data: new Uint8Array(),
    };
    expect(() => log.restore(snapshot)).toThrow(InvariantViolation);
  });
});

describe("RaftLog preconditions, each refused with a message naming the positions", () => {
  /** Terms 1,1,2,2,2,3,3,3 at 1..8, committed to 8, compacted through 4 (term 2). */
  function compactedLog(): RaftLog {
    const storage = new MemoryStorage({
      confState,
      hardState: { term: 3, vote: null, commit: 8 },
      entries: logWithTerms([1, 1, 2, 2, 2, 3, 3, 3]),
    });
    storage.createSnapshot(4, new Uint8Array());
    storage.compact(4);
    return new RaftLog(storage, 4);
  }

  it("entries: an empty range is empty; a range outside the log is refused", () => {
    const log = logOf([1, 1, 1]);
    expect(log.entries(2, 2, Infinity)).toEqual([]);
    expect(log.entries(4, 4, Infinity)).toEqual([]);
    expect(() => log.entries(0, 2, Infinity)).toThrow(/entries \[0, 2\) outside \[1, 4\)/);
    expect(() => log.entries(3, 2, Infinity)).toThrow(/entries \[3, 2\) outside \[1, 4\)/);
    expect(() => log.entries(1, 5, Infinity)).toThrow(/entries \[1, 5\) outside \[1, 4\)/);
  });

  it("append: nothing appends nothing; over a commit or past a gap is refused", () => {
    const log = logOf([1, 1, 1], 2);
    expect(log.append([])).toBe(3);
    expect(() => log.append(entriesOf([2, 2]))).toThrow(/append at 2 would overwrite committed 2/);
    expect(() => log.append(entriesOf([5, 1]))).toThrow(/append at 5 leaves a gap after 3/);
    expect(log.append(entriesOf([4, 1]))).toBe(4);
  });

  it("maybeAppend appends only from the first conflict, so matching committed entries stay", () => {
    const log = logOf([1, 1, 1], 2);
    const outcome = log.maybeAppend(1, 1, entriesOf([2, 1], [3, 2], [4, 2]));
    expect(outcome.kind).toBe("appended");
    if (outcome.kind !== "appended") return;
    expect(outcome.lastNewIndex).toBe(4);
    // Only the entries from the first conflict on are new to the log (the matching 2/1 is not).
    expect(outcome.fresh.map((e) => `${e.index}/${e.term}`)).toEqual(["3/2", "4/2"]);
    expect(positions(log)).toEqual(["1/1", "2/1", "3/2", "4/2"]);
  });

  it("commitTo and appliedTo refuse positions outside the log; applying the same index again is allowed", () => {
    const log = logOf([1, 1, 1], 2, 1);
    expect(() => log.commitTo(9)).toThrow(/commit 9 beyond last index 3/);
    expect(() => log.appliedTo(3)).toThrow(/applied 3 outside \[1, 2\]/);
    log.appliedTo(1);
    log.appliedTo(2);
    log.appliedTo(2);
    expect(log.applied).toBe(2);
  });

  it("restore names the commit index the snapshot does not pass", () => {
    const log = logOf([1, 1, 1], 3);
    const snapshot: Snapshot = {
      metadata: { index: 2, term: 1, confState },
      data: new Uint8Array(),
    };
    expect(() => log.restore(snapshot)).toThrow(/snapshot 2 is not beyond commit 3/);
  });

  it("conflictHint below the compacted index answers our last index + 1 and term 0", () => {
    const log = compactedLog();
    expect(log.conflictHint(3)).toEqual({ conflictIndex: 9, conflictTerm: 0 });
    expect(log.conflictHint(7)).toEqual({ conflictIndex: 7, conflictTerm: 3 }); // never below commit
  });

  it("lastIndexWithTermAtMost is undefined below the compacted index, or when the oldest term is later", () => {
    const log = compactedLog();
    expect(log.lastIndexWithTermAtMost(3, 5)).toBeUndefined();
    expect(log.lastIndexWithTermAtMost(7, 1)).toBeUndefined();
    expect(log.lastIndexWithTermAtMost(7, 2)).toEqual({ index: 5, term: 2 });
    expect(log.lastIndexWithTermAtMost(4, 2)).toEqual({ index: 4, term: 2 });
  });
});
