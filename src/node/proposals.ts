/**
 * Proposals waiting to be applied, keyed by the log position (index, term) the leader gave them
 * (after etcd's `wait` registry). A proposal is answered when the entry at its index is applied:
 * with the state machine's result if that entry has its term, else with `proposal_dropped` (a
 * new leader overwrote it, Raft §5.3). It also learns it was dropped as soon as the log shows a
 * different term at its index, and fails with an unknown outcome when a snapshot from the leader
 * jumps over it. Proposals the node never learns about time out in their {@link Pending}.
 */
import { CoordinatorError } from "../errors.js";
import type { Entry } from "../raft/types.js";
import type { ApplyResult } from "../state-machine/index.js";
import { assert } from "../util/assert.js";
import type { LogIndex, Term } from "../util/ids.js";
import { NO_FAULTS, type NodeFaults } from "./faults.js";
import type { Pending } from "./pending.js";

/** A command's proposal (answered with its result) or a configuration change's (with null). */
type Waiter =
  | { readonly term: Term; readonly config: false; readonly pending: Pending<ApplyResult> }
  | { readonly term: Term; readonly config: true; readonly pending: Pending<null> };

function dropped(index: LogIndex, term: Term): CoordinatorError {
  return new CoordinatorError(
    "proposal_dropped",
    `the entry proposed at ${index} in term ${term} was replaced after a leader change`,
    { index, term },
  );
}

/** The proposals of one node waiting for their entries to apply. */
export class ProposalTracker {
  private readonly byIndex = new Map<LogIndex, Waiter>();

  /** @param faults deliberate bugs, TEST ONLY (./faults.ts) */
  constructor(private readonly faults: NodeFaults = NO_FAULTS) {}

  /** Proposals waiting for their entry. */
  get size(): number {
    return this.byIndex.size;
  }

  /** `pending` was appended at (index, term); a settled proposal forgets its slot. */
  track(index: LogIndex, term: Term, pending: Pending<ApplyResult>): void {
    this.add(index, { term, config: false, pending });
  }

  /**
   * A configuration change was appended at (index, term) (docs/MEMBERSHIP.md): `pending` resolves
   * once that entry is committed and applied here, and fails like a command's proposal when the
   * entry is lost.
   */
  trackConfig(index: LogIndex, term: Term, pending: Pending<null>): void {
    this.add(index, { term, config: true, pending });
  }

  private add(index: LogIndex, waiter: Waiter): void {
    const { term, pending } = waiter;
    this.byIndex.get(index)?.pending.reject(dropped(index, term));
    this.byIndex.set(index, waiter);
    void pending.promise.then(
      () => this.forget(index, waiter),
      () => this.forget(index, waiter),
    );
  }

  /**
   * `entries` were written to the log, replacing everything from `entries[0].index` on: a
   * proposal at such an index whose entry now has another term, or that lay beyond the new last
   * entry with an older term, lost its entry.
   */
  onAppended(entries: readonly Entry[]): void {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined || this.byIndex.size === 0) return;
    for (const [index, waiter] of this.byIndex) {
      if (index < first.index) continue;
      const entry = entries[index - first.index];
      const lost = entry === undefined ? waiter.term < last.term : entry.term !== waiter.term;
      if (this.faults.answerByIndexOnly === true) continue;
      if (lost) waiter.pending.reject(dropped(index, waiter.term));
    }
  }

  /**
   * The entry at (index, term) was applied with `result` (null for a NoOp or a Config entry): the
   * proposal at `index`, if any, is answered.
   */
  onApplied(index: LogIndex, term: Term, result: ApplyResult | null): void {
    const waiter = this.byIndex.get(index);
    if (waiter === undefined) return;
    if (waiter.term !== term && this.faults.answerByIndexOnly !== true) {
      waiter.pending.reject(dropped(index, waiter.term));
      return;
    }
    if (waiter.config) {
      // Same (index, term) is the same entry (Raft's Log Matching): the change committed.
      waiter.pending.resolve(null);
      return;
    }
    if (result === null) {
      assert(this.faults.answerByIndexOnly === true, () => `${index}/${term} answered by a NoOp`);
      waiter.pending.reject(dropped(index, waiter.term));
      return;
    }
    waiter.pending.resolve(result);
  }

  /**
   * A snapshot from the leader replaced the log up to `index`: whether the proposals at or below
   * it were applied cannot be known any more.
   */
  onSnapshotInstalled(index: LogIndex): void {
    for (const [at, waiter] of this.byIndex) {
      if (at > index) continue;
      waiter.pending.reject(
        new CoordinatorError(
          "proposal_timeout",
          `the outcome of the entry proposed at ${at} is unknown: a snapshot from the leader ` +
            `replaced the log up to ${index}`,
          { index: at },
        ),
      );
    }
  }

  /** Rejects every waiting proposal with `error` (the node stops). */
  failAll(error: CoordinatorError): void {
    for (const waiter of [...this.byIndex.values()]) waiter.pending.reject(error);
  }

  private forget(index: LogIndex, waiter: Waiter): void {
    if (this.byIndex.get(index) === waiter) this.byIndex.delete(index);
  }
}
