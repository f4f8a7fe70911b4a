/**
 * Single-server membership changes (Raft thesis §4.1, docs/MEMBERSHIP.md): when a leader may
 * propose one, and how a node's configuration follows its log.
 *
 * A configuration takes effect on a node as soon as its `Config` entry is appended to that
 * node's log, committed or not, and is rolled back if the entry is truncated away. A leader
 * proposes a change only (1) after it committed an entry of its own term and (2) while no other
 * change is uncommitted; (1) is the correction to the original single-server algorithm
 * (docs/MEMBERSHIP.md §3): without it, two changes from leaders of different terms can each be
 * based on a configuration the other never saw, and their majorities need not overlap.
 */
import { CoordinatorError } from "../errors.js";
import type { LogIndex, Term } from "../util/ids.js";
import { applyConfChange } from "./conf-change.js";
import { maybeCommit } from "./leader.js";
import type { RaftCore as Raft } from "./raft-core.js";
import type { ConfChange, Entry } from "./types.js";

/**
 * Entries were just appended to `r`'s log at `entries[0].index`: follows the configurations
 * they add or truncate away.
 */
export function onLogAppended(r: Raft, entries: readonly Entry[]): void {
  if (r.configs.append(entries, r.log.committed)) adoptLatestConfig(r);
}

/**
 * Makes the latest configuration of the log the one in force: voters and learners for quorum
 * and elections, and on a leader the progress of each member. A leader whose change lowered the
 * quorum may commit at once; a transfer to a server that is no longer a voter is abandoned.
 */
export function adoptLatestConfig(r: Raft): void {
  r.tracker.setConfState(r.configs.latest().confState);
  if (r.role !== "Leader") return;
  r.tracker.syncProgress(r.log.lastIndex() + 1);
  if (r.leadTransferee !== null && !r.tracker.isVoter(r.leadTransferee)) r.leadTransferee = null;
  maybeCommit(r);
  r.appendPending = true;
}

/** Whether the latest configuration's entry is not yet committed. */
export function configChangeInFlight(r: Raft): boolean {
  return r.configs.latest().index > r.log.committed;
}

/**
 * Leader: appends a `Config` entry with the configuration after `change`; it is in force from
 * now on (thesis §4.1), on each follower once appended there.
 * @throws CoordinatorError "not_leader", "leadership_transfer_in_progress",
 *   "config_change_too_early" (no entry of this term committed yet), "config_change_in_flight",
 *   "uncommitted_tail_full", and the refusals of {@link applyConfChange}
 */
export function proposeConfChange(r: Raft, change: ConfChange): { index: LogIndex; term: Term } {
  if (r.role !== "Leader") {
    throw new CoordinatorError("not_leader", undefined, { leaderId: r.leaderId });
  }
  if (r.leadTransferee !== null) {
    throw new CoordinatorError("leadership_transfer_in_progress", undefined, {
      transferee: r.leadTransferee,
    });
  }
  const skipOwnTermRule = r.config.faults?.proposeConfigBeforeOwnTermCommit === true; // TEST ONLY
  if (r.log.term(r.log.committed) !== r.term && !skipOwnTermRule) {
    throw new CoordinatorError(
      "config_change_too_early",
      "the leader has not yet committed an entry of its term",
      { term: r.term, commitIndex: r.log.committed },
    );
  }
  const latest = r.configs.latest();
  if (configChangeInFlight(r)) {
    throw new CoordinatorError(
      "config_change_in_flight",
      `the configuration change at index ${latest.index} is not yet committed`,
      { configIndex: latest.index, commitIndex: r.log.committed },
    );
  }
  const config = applyConfChange(latest.confState, change);
  return r.appendEntry({ type: "Config", data: new Uint8Array(0), config });
}
