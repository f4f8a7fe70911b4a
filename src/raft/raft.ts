/**
 * The Raft state machine of one node (after etcd-io/raft's `raft.go`): terms, roles, elections
 * and the dispatch of every input to the rules of the current role. Roles are functions, not
 * scattered ifs: `becomeFollower`/`becomePreCandidate`/`becomeCandidate`/`becomeLeader` swap in
 * the role's `step` and `tick` (src/raft/follower.ts, candidate.ts, leader.ts).
 *
 * Pure and deterministic: time is `tick()`, randomness is the injected Prng, output is queued
 * (messages, read states) for {@link RawNode} to hand out in a Ready. It never throws on peer
 * input: malformed or stale messages are dropped.
 *
 * The class's fields are shared with the role modules of src/raft (as `RaftCore`, raft-core.ts)
 * and are not an API; the API is {@link RawNode}.
 */
import { CoordinatorError } from "../errors.js";
import { assert } from "../util/assert.js";
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import { stepCandidate } from "./candidate.js";
import { validateRaftConfig, type RaftConfig } from "./config.js";
import { stepFollower } from "./follower.js";
import { configHistoryOf, type ConfigHistory } from "./config-history.js";
import { flushBroadcasts, leaderPersisted, stepLeader, tickLeader } from "./leader.js";
import { RaftLog } from "./log.js";
import { adoptLatestConfig, onLogAppended } from "./membership.js";
import { isWellFormedMessage } from "./message-checks.js";
import type { Message, PreVote, RequestVote } from "./messages.js";
import type { CampaignKind, DeferredRead, EntryContent, Outgoing, RaftCore } from "./raft-core.js";
import { ReadOnly } from "./read-only.js";
import type { ReadIndexFailure, ReadState, SoftState } from "./ready.js";
import { SnapshotAssembly } from "./snapshot-assembly.js";
import { entrySizeBytes } from "./storage.js";
import { ProgressTracker } from "./tracker.js";
import type { Entry, HardState, Role, Snapshot } from "./types.js";
import { UncommittedTail } from "./uncommitted-tail.js";

/** One node's Raft state machine; see the module comment. Internal to src/raft. */
export class Raft implements RaftCore {
  readonly id: NodeId;
  readonly config: RaftConfig;
  /** `currentTerm` (Raft Figure 2). */
  term: Term = 0;
  /** `votedFor` in `term`, or null. */
  vote: NodeId | null = null;
  /** The leader of `term` as far as this node knows. */
  leaderId: NodeId | null = null;
  role: Role = "Follower";
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  /** The configurations in the log; the latest is in force (thesis §4.1). */
  readonly configs: ConfigHistory;
  /** Ticks since the last election timeout reset (follower, candidate) or CheckQuorum round (leader). */
  electionElapsed = 0;
  /** Leader: ticks since the last heartbeat broadcast. */
  heartbeatElapsed = 0;
  /** This term's election timeout, drawn from [base, 2·base) (Raft §5.2). */
  randomizedElectionTimeoutTicks: number;
  /** Leader: the voter leadership is being handed to (thesis §3.10), or null. */
  leadTransferee: NodeId | null = null;
  /** Leader: ReadIndex requests waiting for a heartbeat quorum. */
  readOnly = new ReadOnly();
  /** Leader: reads waiting for the first commit of this term. */
  deferredReads: DeferredRead[] = [];
  readonly uncommittedTail = new UncommittedTail();
  readonly snapshotAssembly = new SnapshotAssembly();
  /** Leader: broadcast AppendEntries / heartbeats before the next Ready (batches proposals). */
  appendPending = false;
  heartbeatPending = false;
  /** Output waiting for the next Ready. */
  messages: Message[] = [];
  readStates: ReadState[] = [];
  readIndexFailures: ReadIndexFailure[] = [];
  private stepRole: (r: Raft, m: Message) => void = stepFollower;
  private tickRole: (r: Raft) => void = tickElection;

  /**
   * Restores term, vote, commit and the configuration (the latest in the stored log) from
   * `config.storage` and starts as a follower.
   * @throws RaftConfigError if the configuration cannot work or does not match the storage
   */
  constructor(config: RaftConfig) {
    validateRaftConfig(config);
    this.id = config.id;
    this.config = config;
    const { hardState } = config.storage.initialState();
    this.log = new RaftLog(config.storage, config.applied);
    this.configs = configHistoryOf(config.storage);
    this.tracker = new ProgressTracker(
      this.configs.latest().confState,
      config.inflightMessagesMax,
      config.inflightBytesMax ?? config.inflightMessagesMax * config.appendBytesMax,
    );
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.randomizedElectionTimeoutTicks = config.electionTimeoutTicks;
    this.becomeFollower(hardState.term, null);
  }

  /** The durable part of the state (Raft Figure 2 plus the commit index). */
  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { role: this.role, leaderId: this.leaderId };
  }

  /** Whether this node may campaign: a voter of its configuration. */
  promotable(): boolean {
    return this.tracker.isVoter(this.id);
  }

  /** Queues `message` for the next Ready, from this node, in `term` (default: the current one). */
  send(message: Outgoing, term: Term = this.term): void {
    this.messages.push({ ...message, from: this.id, term } as Message);
  }

  tick(): void {
    this.tickRole(this);
  }

  /**
   * Handles one peer message; drops it when malformed, misaddressed or stale. The sender need not
   * be in our configuration (thesis §4.1): a leader or candidate added after our latest
   * configuration must still reach us, and answers from non-members count for nothing (the
   * leader keeps progress and the candidate counts votes of members only).
   */
  step(m: Message): void {
    if (!isWellFormedMessage(m) || m.to !== this.id || m.from === this.id) return;
    if (m.term > this.term) {
      if (!this.stepHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.stepLowerTerm(m);
      return;
    }
    if (m.type === "RequestVote" || m.type === "PreVote") {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(this, m);
  }

  /** A message from a later term. Returns whether to go on handling it. */
  private stepHigherTerm(m: Message): boolean {
    if (m.type === "RequestVote" || m.type === "PreVote") {
      const forced = m.type === "RequestVote" && m.leadershipTransfer;
      // CheckQuorum (thesis §6.2, §9.6): a node that hears from a live leader ignores elections.
      if (this.inLeaderLease() && !forced) return false;
    }
    // PreVote never changes terms (thesis §9.6); a granted pre-vote names our future term.
    if (m.type === "PreVote" || (m.type === "PreVoteResponse" && m.voteGranted)) return true;
    const fromLeader =
      m.type === "AppendEntries" || m.type === "Heartbeat" || m.type === "InstallSnapshot";
    this.becomeFollower(m.term, fromLeader ? m.from : null);
    return true;
  }

  /** A message from an earlier term: ignored, but tell a stale leader or pre-candidate our term. */
  private stepLowerTerm(m: Message): void {
    const { checkQuorum, preVote } = this.config;
    if ((checkQuorum || preVote) && (m.type === "AppendEntries" || m.type === "Heartbeat")) {
      // A node cut off with a higher term would otherwise ignore this leader forever while
      // PreVote/CheckQuorum keep it from disrupting anyone: make the stale leader step down.
      this.send({
        type: "AppendEntriesResponse",
        to: m.from,
        success: false,
        matchIndex: 0,
        conflictIndex: 0,
        conflictTerm: 0,
      });
    } else if (m.type === "PreVote") {
      this.send({ type: "PreVoteResponse", to: m.from, voteGranted: false });
    }
  }

  /** Whether a leader was heard from within the (base) election timeout (CheckQuorum). */
  private inLeaderLease(): boolean {
    return (
      this.config.checkQuorum &&
      this.leaderId !== null &&
      this.electionElapsed < this.config.electionTimeoutTicks
    );
  }

  /**
   * RequestVote and PreVote, in any role (Raft §5.2, §5.4.1; thesis §9.6): grant when this node
   * may still vote in the term and the candidate's log is at least as up-to-date as ours.
   */
  private handleVoteRequest(m: RequestVote | PreVote): void {
    const canVote =
      this.vote === m.from ||
      (this.vote === null && this.leaderId === null) ||
      (m.type === "PreVote" && m.term > this.term) ||
      // TEST ONLY fault: forget the vote already cast in this term.
      (this.config.faults?.grantVoteTwice === true && m.type === "RequestVote");
    const granted = canVote && this.log.isUpToDate(m.lastLogIndex, m.lastLogTerm);
    const responseType = m.type === "PreVote" ? "PreVoteResponse" : "RequestVoteResponse";
    this.send(
      { type: responseType, to: m.from, voteGranted: granted },
      granted ? m.term : this.term,
    );
    if (granted && m.type === "RequestVote") {
      this.electionElapsed = 0;
      this.vote = m.from;
    }
  }

  /**
   * Starts an election (Raft §5.2): with a PreVote round first (thesis §9.6), or directly; a
   * `Transfer` election (TimeoutNow, thesis §3.10) skips PreVote and overrides leader leases.
   */
  campaign(kind: CampaignKind): void {
    if (!this.promotable()) return;
    if (kind === "PreVote") this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = kind === "PreVote" ? this.term + 1 : this.term;
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes() === "Won") {
      if (kind === "PreVote") this.campaign("Election");
      else this.becomeLeader();
      return;
    }
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    for (const to of this.tracker.voters) {
      if (to === this.id) continue;
      if (kind === "PreVote") {
        this.send({ type: "PreVote", to, lastLogIndex, lastLogTerm }, voteTerm);
      } else {
        const leadershipTransfer = kind === "Transfer";
        this.send({ type: "RequestVote", to, lastLogIndex, lastLogTerm, leadershipTransfer });
      }
    }
  }

  /** Counts a (pre-)vote answer; wins or loses the election when the tally decides. */
  poll(from: NodeId, granted: boolean): void {
    this.tracker.recordVote(from, granted);
    const result = this.tracker.tallyVotes();
    if (result === "Lost") this.becomeFollower(this.term, null);
    else if (result === "Won" && this.role === "PreCandidate") this.campaign("Election");
    else if (result === "Won") this.becomeLeader();
  }

  becomeFollower(term: Term, leaderId: NodeId | null): void {
    this.reset(term);
    this.leaderId = leaderId;
    this.role = "Follower";
    this.stepRole = stepFollower;
    this.tickRole = tickElection;
  }

  /** PreCandidate: asks for pre-votes for `term + 1` without changing any durable state. */
  becomePreCandidate(): void {
    assert(this.role !== "Leader", "a leader does not pre-campaign");
    this.tracker.resetVotes();
    this.leaderId = null;
    this.electionElapsed = 0;
    this.randomizedElectionTimeoutTicks = this.drawElectionTimeout();
    this.role = "PreCandidate";
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
  }

  becomeCandidate(): void {
    assert(this.role !== "Leader", "a leader does not campaign");
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = "Candidate";
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
  }

  /**
   * Leader of the current term: probes every follower from its own last index and appends a
   * NoOp, the entry of its own term that lets it commit everything before it (Raft §5.4.2, §8).
   */
  becomeLeader(): void {
    assert(this.role === "Candidate", () => `only a candidate becomes leader, not a ${this.role}`);
    this.reset(this.term);
    this.leaderId = this.id;
    this.role = "Leader";
    this.stepRole = stepLeader;
    this.tickRole = tickLeader;
    this.tracker.resetProgress(this.log.lastIndex() + 1);
    const self = this.tracker.progress.get(this.id);
    assert(self !== undefined, "a leader is a voter");
    self.maybeUpdate(this.log.persistedLastIndex());
    self.becomeReplicate();
    self.recentActive = true;
    this.appendEntry({ type: "NoOp", data: new Uint8Array(0) });
  }

  /**
   * Appends a new entry of the current term to the leader's log; it is sent with the next
   * broadcast. Refused while a transfer is under way or the uncommitted tail is full.
   * @throws CoordinatorError "not_leader", "leadership_transfer_in_progress", "uncommitted_tail_full"
   */
  propose(data: Uint8Array): { index: LogIndex; term: Term } {
    if (this.role !== "Leader") {
      throw new CoordinatorError("not_leader", undefined, { leaderId: this.leaderId });
    }
    if (this.leadTransferee !== null) {
      throw new CoordinatorError("leadership_transfer_in_progress", undefined, {
        transferee: this.leadTransferee,
      });
    }
    return this.appendEntry({ type: "Normal", data });
  }

  /**
   * Leader: appends an entry of the current term with `content` (a `Config` entry takes effect
   * at once). Internal to src/raft.
   * @throws CoordinatorError "uncommitted_tail_full"
   */
  appendEntry(content: EntryContent): { index: LogIndex; term: Term } {
    const entry: Entry = { index: this.log.lastIndex() + 1, term: this.term, ...content };
    const bytes = entrySizeBytes(entry);
    if (this.uncommittedTail.wouldExceed(bytes, this.config.uncommittedBytesMax)) {
      throw new CoordinatorError("uncommitted_tail_full", undefined, {
        uncommittedBytes: this.uncommittedTail.bytes,
      });
    }
    this.log.append([entry]);
    this.uncommittedTail.add(entry.index, bytes);
    this.appendPending = true;
    onLogAppended(this, [entry]);
    return { index: entry.index, term: entry.term };
  }

  /** Installs a snapshot received from the leader (Raft §7): log and configuration. */
  restore(snapshot: Snapshot): void {
    this.log.restore(snapshot);
    this.configs.reset(snapshot.metadata.confState, snapshot.metadata.index);
    adoptLatestConfig(this);
  }

  /**
   * The application persisted what the last Ready asked for: the leader counts its own log as
   * replicated only now (its own vote towards commit needs a durable copy).
   */
  onPersisted(): void {
    if (this.role === "Leader") leaderPersisted(this);
  }

  /** Leader: sends what proposals, reads and commits queued since the last Ready. */
  flush(): void {
    flushBroadcasts(this);
  }

  /** Whether a flush would send something. */
  hasPendingBroadcast(): boolean {
    return this.role === "Leader" && (this.appendPending || this.heartbeatPending);
  }

  private reset(term: Term): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.failPendingReads();
    this.leaderId = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeoutTicks = this.drawElectionTimeout();
    this.leadTransferee = null;
    this.tracker.resetVotes();
    this.tracker.clearProgress();
    this.uncommittedTail.reset();
    this.snapshotAssembly.reset();
    this.appendPending = false;
    this.heartbeatPending = false;
  }

  /** Reads pending at a leader that stops being one fail at once instead of timing out. */
  private failPendingReads(): void {
    const pending = [...this.deferredReads, ...this.readOnly.takeAll()];
    this.deferredReads = [];
    this.readOnly = new ReadOnly();
    for (const read of pending) {
      if (read.from === this.id) {
        this.readIndexFailures.push({ requestId: read.requestId, reason: "stepped_down" });
      } else {
        this.send({
          type: "ReadIndexResponse",
          to: read.from,
          requestId: read.requestId,
          index: null,
        });
      }
    }
  }

  private drawElectionTimeout(): number {
    const base = this.config.electionTimeoutTicks;
    return base + this.config.prng.nextInt(base);
  }
}

/** Follower and candidates: campaign when no leader was heard from for a whole timeout. */
function tickElection(r: Raft): void {
  r.electionElapsed += 1;
  if (r.promotable() && r.electionElapsed >= r.randomizedElectionTimeoutTicks) {
    r.electionElapsed = 0;
    r.campaign(r.config.preVote ? "PreVote" : "Election");
  }
}
