/**
 * The public face of the Raft core (after etcd-io/raft's `rawnode.go`): inputs are
 * ticks, peer messages, proposals and read requests; the output is a {@link Ready} that says
 * what to persist, send and apply, in that order, acknowledged with {@link RawNode.advance}.
 *
 * The application loop, per Ready (src/raft/ready.ts, docs/ARCHITECTURE.md §4.1):
 * 1. persist `hardState`, `entries` and `snapshot` durably, then mirror them into MemoryStorage;
 * 2. send `messages`;
 * 3. install `snapshot`, apply `committedEntries` (skipping NoOp; a `Config` entry is a committed
 *    configuration, never a command), answer `readStates`;
 * 4. `advance()`.
 */
import { learnerCaughtUpEntriesMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import type { RaftConfig } from "./config.js";
import { mostUpToDateVoter, readIndexAsLeader, transferLeadership } from "./leader.js";
import { applyConfChange } from "./conf-change.js";
import { configChangeInFlight, proposeConfChange } from "./membership.js";
import type { Message } from "./messages.js";
import { hasQuorum } from "./quorum.js";
import { Raft } from "./raft.js";
import type {
  ConfigurationStatus,
  LearnerProgress,
  RaftStatus,
  Ready,
  SoftState,
} from "./ready.js";
import type { ConfChange, HardState } from "./types.js";

/** The Ready/advance protocol was not followed (a caller mistake). */
export class RaftUsageError extends Error {
  override readonly name = "RaftUsageError";
}

/** What a handed-out Ready asked for, to acknowledge on `advance()`. */
interface HandedOut {
  readonly hardState: HardState;
  readonly softState: SoftState;
  readonly lastEntry: { readonly index: LogIndex; readonly term: Term } | undefined;
  readonly snapshotIndex: LogIndex | undefined;
  readonly appliedTo: LogIndex | undefined;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leaderId === b.leaderId;
}

/**
 * The Raft core of one node, driven by the application loop (see the module comment).
 * Not thread-safe by design: one serial loop owns it.
 */
export class RawNode {
  private readonly raft: Raft;
  private prevHardState: HardState;
  private prevSoftState: SoftState;
  private handedOut: HandedOut | undefined;

  /**
   * Restores term, vote and commit from `config.storage.initialState()`; starts as a follower.
   * @throws RaftConfigError if the configuration cannot work or does not match the storage
   */
  constructor(config: RaftConfig) {
    this.raft = new Raft(config);
    this.prevHardState = this.raft.hardState();
    this.prevSoftState = this.raft.softState();
  }

  /** One logical clock tick: election timeouts, heartbeats, CheckQuorum all count these. */
  tick(): void {
    this.raft.tick();
  }

  /**
   * A message from a peer (`message.to` is this node). Malformed and stale-term messages are
   * ignored; a sender outside the configuration is heard, but its answers count for nothing
   * (docs/MEMBERSHIP.md §9). Never throws for peer input.
   */
  step(message: Message): void {
    this.raft.step(message);
  }

  /**
   * Appends a Normal entry with `data` to the leader's log and returns its position; it commits
   * when a later Ready lists it in `committedEntries` with the same term. `data` is not copied.
   * @throws CoordinatorError "not_leader" (details: leaderId), "leadership_transfer_in_progress",
   *   "uncommitted_tail_full" (thesis §10.2.3)
   */
  propose(data: Uint8Array): { index: LogIndex; term: Term } {
    return this.raft.propose(data);
  }

  /**
   * Proposes one membership change (thesis §4.1, docs/MEMBERSHIP.md): appends a `Config` entry
   * that is in force from now on and commits like any entry. The caller decides policy the core
   * cannot see: promote a learner only once {@link learnerProgress} says it caught up; before
   * removing this leader, hand leadership over ({@link bestTransferee}, {@link
   * transferLeadership}); otherwise the leader steps down once its removal commits.
   * @throws CoordinatorError "not_leader" (details: leaderId), "leadership_transfer_in_progress",
   *   "config_change_too_early" (this leader has not committed an entry of its term yet),
   *   "config_change_in_flight" (an earlier change is not committed), "member_exists",
   *   "node_id_reused", "unknown_member", "not_a_learner", "no_voters_left", "invalid_request"
   *   (bad id or address, limits of src/constants.ts), "uncommitted_tail_full"
   */
  proposeConfChange(change: ConfChange): { index: LogIndex; term: Term } {
    return proposeConfChange(this.raft, change);
  }

  /** The configuration in force on this node (the latest in its log) and whether it is committed. */
  configuration(): ConfigurationStatus {
    const r = this.raft;
    return {
      ...r.tracker.confState(),
      index: r.configs.latest().index,
      changeInFlight: configChangeInFlight(r),
    };
  }

  /**
   * Leader: each learner's matchIndex and whether it is within `entriesMax` entries of the
   * leader's last index (caught up, may be promoted). Empty on other roles.
   */
  learnerProgress(entriesMax: number = learnerCaughtUpEntriesMax): LearnerProgress[] {
    const r = this.raft;
    if (r.role !== "Leader") return [];
    const lastIndex = r.log.lastIndex();
    return r.tracker
      .peers(r.id)
      .filter((pr) => r.tracker.learners.includes(pr.id))
      .map((pr) => {
        const entriesBehind = lastIndex - pr.matchIndex;
        return {
          id: pr.id,
          matchIndex: pr.matchIndex,
          entriesBehind,
          caughtUp: entriesBehind <= entriesMax,
        };
      });
  }

  /**
   * Leader: whether the voters of the configuration after `change` that this leader heard from
   * within the last election timeout (itself included, if it stays a voter) form a majority of
   * them, i.e. whether the cluster would keep a live quorum (the API refuses a change without
   * one unless forced). False on other roles.
   * @throws CoordinatorError the refusals of an invalid change, as {@link proposeConfChange}
   */
  liveQuorumAfter(change: ConfChange): boolean {
    const r = this.raft;
    if (r.role !== "Leader") return false;
    const next = applyConfChange(r.configs.latest().confState, change);
    return hasQuorum(next.voters, (id) => this.isLive(id));
  }

  /**
   * Leader: the members (itself included) heard from within an election timeout — those
   * {@link liveQuorumAfter} counts as live. Empty on other roles.
   */
  liveMembers(): NodeId[] {
    const r = this.raft;
    if (r.role !== "Leader") return [];
    const { voters, learners } = r.tracker.confState();
    return [...voters, ...learners].filter((id) => this.isLive(id));
  }

  private isLive(id: NodeId): boolean {
    const r = this.raft;
    if (id === r.id) return true;
    const pr = r.tracker.progress.get(id);
    return pr !== undefined && pr.ticksSinceContact < r.config.electionTimeoutTicks;
  }

  /**
   * Leader: removed members it still replicates to — until each has been told its removal
   * committed, or has been silent for an election timeout (docs/MEMBERSHIP.md §8). Empty on
   * other roles, and whenever no removal is under way.
   */
  departedMembers(): NodeId[] {
    const r = this.raft;
    return r.role === "Leader" ? r.tracker.departed(r.id).map((pr) => pr.id) : [];
  }

  /**
   * Leader: the voter to hand leadership to before this leader is removed: the one holding the
   * most of the log (ties: the lowest id); null when there is no other voter or not leader.
   */
  bestTransferee(): NodeId | null {
    const r = this.raft;
    return r.role === "Leader" ? (mostUpToDateVoter(r)?.id ?? null) : null;
  }

  /**
   * Asks for a linearizable read (thesis §6.4). The answer comes in a later Ready: a ReadState
   * (serve the read once the application has applied its index) or a ReadIndexFailure. On a
   * follower the request is forwarded to the leader; with no known leader it fails at once.
   */
  readIndex(requestId: string): void {
    const r = this.raft;
    if (r.role === "Leader") {
      readIndexAsLeader(r, requestId, r.id);
    } else if (r.leaderId !== null) {
      r.send({ type: "ReadIndex", to: r.leaderId, requestId });
    } else {
      r.readIndexFailures.push({ requestId, reason: "no_leader" });
    }
  }

  /**
   * Hands leadership to voter `to` (thesis §3.10): once `to` holds the whole log it receives
   * TimeoutNow and campaigns; proposals are refused meanwhile; the attempt is abandoned after an
   * election timeout. Transferring to this node itself cancels a transfer under way.
   * @throws CoordinatorError "not_leader" on a non-leader, "invalid_request" if `to` is not a voter
   */
  transferLeadership(to: NodeId): void {
    const r = this.raft;
    if (r.role !== "Leader") {
      throw new CoordinatorError("not_leader", undefined, { leaderId: r.leaderId });
    }
    transferLeadership(r, to);
  }

  /** Starts an election now (with PreVote when configured); a leader ignores it. */
  campaign(): void {
    const r = this.raft;
    if (r.role !== "Leader") r.campaign(r.config.preVote ? "PreVote" : "Election");
  }

  /** The transport lost the link to `peer`: stop streaming to it and probe instead. */
  reportUnreachable(peer: NodeId): void {
    const pr = this.raft.role === "Leader" ? this.raft.tracker.progress.get(peer) : undefined;
    if (pr?.state === "Replicate") pr.becomeProbe();
  }

  /** Whether {@link ready} has anything; false while a Ready is handed out and not advanced. */
  hasReady(): boolean {
    if (this.handedOut !== undefined) return false;
    const r = this.raft;
    return (
      r.hasPendingBroadcast() ||
      !sameSoftState(r.softState(), this.prevSoftState) ||
      !sameHardState(r.hardState(), this.prevHardState) ||
      r.log.unstable.entries.length > 0 ||
      r.log.unstable.snapshot !== undefined ||
      r.messages.length > 0 ||
      r.log.hasNextCommittedEntries() ||
      r.readStates.length > 0 ||
      r.readIndexFailures.length > 0
    );
  }

  /**
   * What to persist, send and apply now. Call {@link advance} once it is fully handled.
   * @throws RaftUsageError if the previous Ready was not advanced
   */
  ready(): Ready {
    if (this.handedOut !== undefined) {
      throw new RaftUsageError("ready() called again before advance()");
    }
    const r = this.raft;
    r.flush();
    const softState = r.softState();
    const hardState = r.hardState();
    const entries = [...r.log.unstable.entries];
    const snapshot = r.log.unstable.snapshot;
    const committedEntries = r.log.nextCommittedEntries();
    const lastEntry = entries[entries.length - 1];
    const lastCommitted = committedEntries[committedEntries.length - 1];
    const ready: Ready = {
      ...(sameSoftState(softState, this.prevSoftState) ? {} : { softState }),
      ...(sameHardState(hardState, this.prevHardState) ? {} : { hardState }),
      entries,
      ...(snapshot === undefined ? {} : { snapshot }),
      messages: r.messages,
      committedEntries,
      readStates: r.readStates,
      readIndexFailures: r.readIndexFailures,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        hardState.term !== this.prevHardState.term ||
        hardState.vote !== this.prevHardState.vote,
    };
    r.messages = [];
    r.readStates = [];
    r.readIndexFailures = [];
    this.handedOut = {
      hardState,
      softState,
      lastEntry: lastEntry && { index: lastEntry.index, term: lastEntry.term },
      snapshotIndex: snapshot?.metadata.index,
      appliedTo: snapshot?.metadata.index ?? lastCommitted?.index,
    };
    return ready;
  }

  /**
   * Acknowledges the last Ready as fully handled: its state persisted, messages sent, entries
   * applied. What changed meanwhile stays for the next Ready.
   * @throws RaftUsageError if no Ready is handed out
   */
  advance(): void {
    const handed = this.handedOut;
    if (handed === undefined) throw new RaftUsageError("advance() without a ready()");
    const log = this.raft.log;
    this.prevHardState = handed.hardState;
    this.prevSoftState = handed.softState;
    if (handed.snapshotIndex !== undefined) log.unstable.stableSnapshotTo(handed.snapshotIndex);
    if (handed.lastEntry !== undefined) {
      log.unstable.stableTo(handed.lastEntry.index, handed.lastEntry.term);
    }
    if (handed.appliedTo !== undefined) log.appliedTo(handed.appliedTo);
    this.handedOut = undefined;
    this.raft.onPersisted();
    log.assertPositions();
  }

  /** A point-in-time description: role, term, indexes, and per-peer progress when leader. */
  status(): RaftStatus {
    const r = this.raft;
    const unstableSnapshot = r.log.unstable.snapshot;
    return {
      id: r.id,
      role: r.role,
      term: r.term,
      vote: r.vote,
      leaderId: r.leaderId,
      commitIndex: r.log.committed,
      lastApplied: r.log.applied,
      lastLogIndex: r.log.lastIndex(),
      snapshotIndex: (unstableSnapshot ?? r.log.storage.snapshot()).metadata.index,
      leadTransferee: r.leadTransferee,
      progress: r.tracker.peers(r.id).map((pr) => pr.describe()),
    };
  }
}
