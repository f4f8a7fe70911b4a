/**
 * The Raft log as the core sees it: stable storage (read through {@link Storage}) followed by the
 * unstable tail not yet persisted, plus the commit and apply positions (after etcd-io/raft's
 * `log.go`).
 *
 * Invariants, asserted on every move: `firstIndex() - 1 ≤ applied ≤ committed ≤ lastIndex()`
 * (Raft Figure 2: `lastApplied ≤ commitIndex`), and neither position ever decreases.
 */
import { assert } from "../util/assert.js";
import type { LogIndex, Term } from "../util/ids.js";
import { entrySizeBytes, type Storage } from "./storage.js";
import type { Entry, Snapshot } from "./types.js";
import { UnstableLog } from "./unstable-log.js";

/** The outcome of offering a leader's entries after (`prevLogIndex`, `prevLogTerm`). */
export type AppendOutcome =
  /**
   * Our log matches the leader's up to `lastNewIndex`; `fresh` are the entries actually written
   * (empty when we held them all), replacing our log from `fresh[0].index` on.
   */
  | { readonly kind: "appended"; readonly lastNewIndex: LogIndex; readonly fresh: readonly Entry[] }
  /** We do not hold an entry matching (`prevLogIndex`, `prevLogTerm`) (Raft §5.3). */
  | { readonly kind: "mismatch" }
  /** The entries contradict a committed entry: impossible from a correct leader; ignored. */
  | { readonly kind: "contradicts-commit" };

/**
 * Stable storage plus the unstable tail, with `committed` and `applied`. Reads never touch I/O;
 * writes go to the unstable tail and reach storage through a Ready.
 */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: UnstableLog;
  /** `commitIndex`: the highest index known to be committed. */
  committed: LogIndex;
  /** `lastApplied`: the highest index the application has applied. */
  applied: LogIndex;

  /**
   * @param storage the stable log (its hard state's commit and `applied` were checked by
   *   `validateRaftConfig`)
   * @param applied what the application has already applied
   */
  constructor(storage: Storage, applied: LogIndex) {
    this.storage = storage;
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    const compacted = storage.firstIndex() - 1;
    this.committed = Math.max(storage.initialState().hardState.commit, compacted);
    this.applied = applied;
    this.assertPositions();
  }

  firstIndex(): LogIndex {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): LogIndex {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The term at `index`, or undefined when it is compacted away or beyond the last index. */
  term(index: LogIndex): Term | undefined {
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    return this.unstable.maybeTerm(index) ?? this.storage.term(index);
  }

  lastTerm(): Term {
    const term = this.term(this.lastIndex());
    assert(term !== undefined, "the last entry's term is always known");
    return term;
  }

  /** Whether the log holds an entry at `index` with `term` (the log-matching check, Raft §5.3). */
  matchTerm(index: LogIndex, term: Term): boolean {
    return this.term(index) === term;
  }

  /**
   * Whether a log ending at (`lastIndex`, `lastTerm`) is at least as up-to-date as ours
   * (Raft §5.4.1): a later last term wins, equal last terms compare length.
   */
  isUpToDate(lastIndex: LogIndex, lastTerm: Term): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Entries in `[lo, hi)`, stopping once their size passes `bytesMax` (at least one entry).
   * The caller keeps the range inside `[firstIndex(), lastIndex() + 1)`.
   */
  entries(lo: LogIndex, hi: LogIndex, bytesMax: number): Entry[] {
    assert(
      this.firstIndex() <= lo && lo <= hi && hi <= this.lastIndex() + 1,
      () => `entries [${lo}, ${hi}) outside [${this.firstIndex()}, ${this.lastIndex() + 1})`,
    );
    if (lo === hi) return [];
    const offset = this.unstable.offset;
    if (hi <= offset) return this.storage.entries(lo, hi, bytesMax);
    if (lo >= offset) return limitBytes(this.unstable.slice(lo, hi), bytesMax);
    const stable = this.storage.entries(lo, offset, bytesMax);
    if (stable.length < offset - lo) return stable;
    return limitBytes(stable.concat(this.unstable.slice(offset, hi)), bytesMax);
  }

  /** Appends entries after our last index or over an uncommitted suffix; returns the last index. */
  append(entries: readonly Entry[]): LogIndex {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    assert(
      first.index > this.committed,
      () => `append at ${first.index} would overwrite committed ${this.committed}`,
    );
    assert(
      first.index <= this.lastIndex() + 1,
      () => `append at ${first.index} leaves a gap after ${this.lastIndex()}`,
    );
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * Offers a leader's `entries` following (`prevLogIndex`, `prevLogTerm`) (Raft §5.3, receiver
   * rules 2–4): on a match, drops our conflicting suffix (never a committed entry) and appends
   * what is new. The caller has checked that `entries` continue `prevLogIndex` contiguously.
   */
  maybeAppend(prevLogIndex: LogIndex, prevLogTerm: Term, entries: readonly Entry[]): AppendOutcome {
    if (!this.matchTerm(prevLogIndex, prevLogTerm)) return { kind: "mismatch" };
    const lastNewIndex = prevLogIndex + entries.length;
    const conflict = entries.findIndex((e) => !this.matchTerm(e.index, e.term));
    if (conflict === -1) return { kind: "appended", lastNewIndex, fresh: [] };
    const fresh = entries.slice(conflict);
    const firstFresh = fresh[0];
    assert(firstFresh !== undefined, "a conflict position lies inside the entries");
    if (firstFresh.index <= this.committed) return { kind: "contradicts-commit" };
    this.append(fresh);
    return { kind: "appended", lastNewIndex, fresh };
  }

  /**
   * The conflict hint for a rejected AppendEntries at `prevLogIndex` (fast backtracking,
   * Raft §5.3): our term there (0 when our log is shorter) and the first index we hold with that
   * term (our last index + 1 when shorter). The search never goes below the commit index, whose
   * entries match every leader's.
   */
  conflictHint(prevLogIndex: LogIndex): { conflictIndex: LogIndex; conflictTerm: Term } {
    const term = this.term(prevLogIndex);
    if (prevLogIndex > this.lastIndex() || term === undefined) {
      return { conflictIndex: this.lastIndex() + 1, conflictTerm: 0 };
    }
    let lo = Math.max(this.committed + 1, this.firstIndex());
    let hi = prevLogIndex;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((this.term(mid) ?? 0) < term) lo = mid + 1;
      else hi = mid;
    }
    return { conflictIndex: Math.min(lo, prevLogIndex), conflictTerm: term };
  }

  /**
   * The largest index in `[firstIndex() - 1, index]` whose term is at most `term`, with that
   * term; undefined when even the oldest known entry is later. Terms never decrease along a
   * log, so this is a binary search. Used by the leader to skip a divergent term at once.
   */
  lastIndexWithTermAtMost(
    index: LogIndex,
    term: Term,
  ): { index: LogIndex; term: Term } | undefined {
    let lo = this.firstIndex() - 1;
    let hi = Math.min(index, this.lastIndex());
    if (hi < lo || (this.term(lo) ?? Infinity) > term) return undefined;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((this.term(mid) ?? Infinity) <= term) lo = mid;
      else hi = mid - 1;
    }
    const found = this.term(lo);
    assert(found !== undefined, "the search stays inside the log");
    return { index: lo, term: found };
  }

  /** Raises the commit index to `index` (never lowers it). */
  commitTo(index: LogIndex): void {
    if (index <= this.committed) return;
    assert(
      index <= this.lastIndex(),
      () => `commit ${index} beyond last index ${this.lastIndex()}`,
    );
    this.committed = index;
  }

  /** Records that the application applied everything up to `index`. */
  appliedTo(index: LogIndex): void {
    assert(
      this.applied <= index && index <= this.committed,
      () => `applied ${index} outside [${this.applied}, ${this.committed}]`,
    );
    this.applied = index;
  }

  /** Whether committed entries wait to be applied (none while a snapshot is pending). */
  hasNextCommittedEntries(): boolean {
    return this.unstable.snapshot === undefined && this.applied < this.committed;
  }

  /** The committed entries after `applied`, in order. */
  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.entries(this.applied + 1, this.committed + 1, Infinity);
  }

  /**
   * Replaces the log by a snapshot from the leader (Raft §7): everything up to its index is
   * committed, and the unstable tail restarts after it.
   */
  restore(snapshot: Snapshot): void {
    const index = snapshot.metadata.index;
    assert(
      index > this.committed,
      () => `snapshot ${index} is not beyond commit ${this.committed}`,
    );
    this.unstable.restore(snapshot);
    this.committed = index;
  }

  /**
   * The last index of our log that is also persisted: everything before the unstable tail, or 0
   * while a snapshot waits to be persisted (until then, nothing of the new log is durable).
   */
  persistedLastIndex(): LogIndex {
    if (this.unstable.snapshot !== undefined) return 0;
    return Math.min(this.storage.lastIndex(), this.unstable.offset - 1);
  }

  /** Asserts `firstIndex() - 1 ≤ applied ≤ committed ≤ lastIndex()`. */
  assertPositions(): void {
    assert(
      this.firstIndex() - 1 <= this.applied || this.unstable.snapshot !== undefined,
      () => `applied ${this.applied} is behind the compacted index ${this.firstIndex() - 1}`,
    );
    assert(
      this.applied <= this.committed && this.committed <= this.lastIndex(),
      () =>
        `expected applied ${this.applied} ≤ committed ${this.committed} ≤ last ${this.lastIndex()}`,
    );
  }
}

function limitBytes(entries: Entry[], bytesMax: number): Entry[] {
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assert(entry !== undefined, "index inside the array");
    bytes += entrySizeBytes(entry);
    if (i > 0 && bytes > bytesMax) return entries.slice(0, i);
  }
  return entries;
}
