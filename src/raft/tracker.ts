/**
 * The cluster configuration as the core reads it (voters and learners from {@link ConfState},
 * never hard-coded peers), with the leader's per-member {@link Progress} and a candidate's vote
 * tally (after etcd-io/raft's `tracker/tracker.go`). Members are kept sorted, so every walk over
 * them is deterministic.
 */
import type { LogIndex, NodeId } from "../util/ids.js";
import { canonicalConfState } from "./conf-change.js";
import { Progress } from "./progress.js";
import { hasQuorum, majorityAckedIndex, voteResult, type VoteResult } from "./quorum.js";
import type { ConfState } from "./types.js";

/** Members, their replication progress (leader) and votes (candidate). */
export class ProgressTracker {
  /** Members that vote and count towards quorum, sorted. */
  voters: readonly NodeId[] = [];
  /** Non-voting members that receive the log, sorted, disjoint from `voters`. */
  learners: readonly NodeId[] = [];
  /** The whole configuration (with addresses and removed ids), canonical. */
  private conf: ConfState = { voters: [], learners: [] };
  /** Per-member progress (the leader's view); empty unless leader. */
  readonly progress = new Map<NodeId, Progress>();
  /** Votes received in the current (pre-)election: granted or rejected. */
  readonly votes = new Map<NodeId, boolean>();

  constructor(
    confState: ConfState,
    private readonly inflightMessagesMax: number,
    private readonly inflightBytesMax: number,
  ) {
    this.setConfState(confState);
  }

  /**
   * Adopts a configuration (at start, from a snapshot, or from a `Config` entry just appended or
   * truncated away). Duplicates are dropped. A leader's progress is not touched: see
   * {@link syncProgress}.
   */
  setConfState(confState: ConfState): void {
    this.conf = canonicalConfState(confState);
    this.voters = this.conf.voters;
    this.learners = this.conf.learners;
  }

  /** The configuration in canonical form. */
  confState(): ConfState {
    return this.conf;
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.voters.includes(id) || this.learners.includes(id);
  }

  /**
   * Leader: makes the progress map match the configuration after a change (thesis §4.1): a new
   * member is probed from `nextIndex`, a promoted learner counts as a voter from now on. A
   * removed member counts for nothing from now on but keeps its progress until the removal
   * commits and it has been told so ({@link departed}, {@link forget}), so that it receives the
   * entry that removes it, knows to stop campaigning, and learns its removal committed.
   */
  syncProgress(nextIndex: LogIndex): void {
    for (const pr of this.progress.values()) {
      if (!this.isMember(pr.id)) pr.isLearner = true;
    }
    for (const id of [...this.voters, ...this.learners]) {
      const isLearner = !this.voters.includes(id);
      const existing = this.progress.get(id);
      if (existing !== undefined) existing.isLearner = isLearner;
      else this.progress.set(id, this.newProgress(id, nextIndex, isLearner));
    }
    // Keep the map in id order, so that every walk over it stays deterministic and sorted.
    const sorted = [...this.progress.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
    this.progress.clear();
    for (const pr of sorted) this.progress.set(pr.id, pr);
  }

  /** Leader: the progress kept for removed members (not `selfId`), in id order. */
  departed(selfId: NodeId): Progress[] {
    if (this.progress.size <= this.voters.length + this.learners.length) return [];
    return [...this.progress.values()].filter((pr) => pr.id !== selfId && !this.isMember(pr.id));
  }

  /** Leader: forgets a removed member's progress (nothing more is sent to it). */
  forget(id: NodeId): void {
    this.progress.delete(id);
  }

  /** Fresh progress for every member: nothing known matched, probing from `nextIndex`. */
  resetProgress(nextIndex: LogIndex): void {
    this.progress.clear();
    for (const id of [...this.voters, ...this.learners].sort()) {
      const isLearner = !this.voters.includes(id);
      this.progress.set(id, this.newProgress(id, nextIndex, isLearner));
    }
  }

  private newProgress(id: NodeId, nextIndex: LogIndex, isLearner: boolean): Progress {
    return new Progress(id, nextIndex, isLearner, this.inflightMessagesMax, this.inflightBytesMax);
  }

  /** Drops all progress (not leader). */
  clearProgress(): void {
    this.progress.clear();
  }

  /** The progress of every member except `self`, in id order. */
  peers(self: NodeId): Progress[] {
    return [...this.progress.values()].filter((p) => p.id !== self);
  }

  /** The largest index a majority of voters hold (Raft §5.3). */
  majorityMatchIndex(): LogIndex {
    return majorityAckedIndex(this.voters, (id) => this.progress.get(id)?.matchIndex);
  }

  /** Whether a majority of voters (counting `self`) were heard from recently (thesis §6.2). */
  quorumActive(self: NodeId): boolean {
    return hasQuorum(
      this.voters,
      (id) => id === self || this.progress.get(id)?.recentActive === true,
    );
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records `id`'s answer; only its first answer in an election counts. */
  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }
}
