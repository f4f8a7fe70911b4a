/**
 * The safety invariants of the simulator, checked as the run goes (Raft paper Figure 3, thesis
 * §3.6 and §6.4), from observations the simulator reports at the moments they happen:
 *
 * - election safety: at most one leader per term;
 * - log matching: an (index, term) pair names one entry with one predecessor term, everywhere;
 * - leader completeness: a leader holds every entry committed in an earlier term;
 * - a leader moves its commit index only onto an entry of its own term (Raft §5.4.2, Figure 8),
 *   which catches a Figure 8 commit when it happens rather than when it is later overwritten;
 * - state machine safety: no two nodes commit or apply different entries at one index, and equal
 *   applied prefixes give equal application hashes (also across snapshots);
 * - applied ≤ committed, and term, commitIndex and lastApplied never decrease within a node's
 *   life; across crashes the *durable* term, commit and snapshot index never decrease, nothing is
 *   sent with a term that is not yet durable, and a restarted node resumes its durable state;
 * - one vote per term per node, durable before the vote is sent;
 * - a leader only appends to its log within its term (leader append-only);
 * - a follower acknowledges an AppendEntries only for entries on its disk.
 *
 * The coordinator's own invariants (acknowledged commands, reads, fencing, leases) are in
 * ./coordinator-checker.ts, the membership ones (configuration agreement, removed ids, voters,
 * one change in flight, removed nodes stop) in ./membership-checker.ts.
 *
 * The checker holds no reference to the Raft core: it reads nodes' durable state from their
 * {@link SimDisk} and their volatile state from `RaftStatus` snapshots, so a bug in the core's
 * own storage cannot hide itself.
 */
import type { LogIndex, NodeId, Term } from "../../src/util/ids.js";
import type { Message } from "../../src/raft/messages.js";
import type { RaftStatus } from "../../src/raft/ready.js";
import type { Entry } from "../../src/raft/types.js";
import type { SimDisk } from "./disk.js";

/** The invariant a {@link Violation} breaks. */
export type InvariantName =
  | "election-safety"
  | "log-matching"
  | "leader-completeness"
  | "current-term-commit"
  | "state-machine-safety"
  | "applied-le-committed"
  | "monotonic"
  | "durable-state"
  | "single-vote"
  | "leader-append-only"
  | "node-failed"
  | "acknowledged-command-lost"
  | "stale-read"
  | "not-linearizable"
  | "fencing-token-order"
  | "two-lease-holders"
  | "stale-fencing-write"
  | "lease-expiry-by-non-leader"
  | "configuration-agreement"
  | "removed-id-reused"
  | "no-voters"
  | "config-changes-in-flight"
  | "removed-node-stops";

/** A broken invariant: which, where, when (virtual ms), and the evidence. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly nodeId: NodeId | null;
  readonly atMs: number;
  readonly detail: string;
}

interface EntryFacts {
  readonly prevTerm: Term | undefined;
  readonly data: Uint8Array;
}

interface NodeFacts {
  /** Last status seen in the current life (reset on restart). */
  last: RaftStatus | undefined;
  /** Highest durable term / commit / snapshot index ever seen on the node's disk. */
  durableTerm: Term;
  durableCommit: LogIndex;
  durableSnapshotIndex: LogIndex;
  /** Highest commit index whose entries were recorded as committed. */
  commitRecorded: LogIndex;
  /** Term in which this node is leader, if it is. */
  leaderTerm: Term | undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Collects violations of the invariants above for one simulated cluster. */
export class InvariantChecker {
  readonly violations: Violation[] = [];
  /** Virtual time stamped on violations; the simulator keeps it current. */
  nowMs = 0;
  private readonly nodes = new Map<NodeId, NodeFacts>();
  private readonly leaderOfTerm = new Map<Term, NodeId>();
  private readonly votes = new Map<string, NodeId>();
  private readonly entries = new Map<string, EntryFacts>();
  /** committedTerm[i]: the term of the entry committed at i; committedSeenTerm[i]: when seen. */
  private readonly committedTerm: Term[] = [];
  private readonly committedSeenTerm: Term[] = [];
  /** The term of the entry applied at each index (by whichever node applied it first). */
  private readonly applied: (Term | undefined)[] = [];
  private readonly stateHashAt = new Map<LogIndex, string>();
  /** The highest commit index any node has reported (what a read must at least return). */
  maxCommitKnown: LogIndex = 0;

  constructor(
    nodeIds: readonly NodeId[],
    private readonly diskOf: (id: NodeId) => SimDisk,
  ) {
    for (const id of nodeIds) {
      this.nodes.set(id, {
        last: undefined,
        durableTerm: 0,
        durableCommit: 0,
        durableSnapshotIndex: 0,
        commitRecorded: 0,
        leaderTerm: undefined,
      });
    }
  }

  /** Whether anything has been violated so far. */
  get failed(): boolean {
    return this.violations.length > 0;
  }

  /** Records a violation found by the simulator itself (e.g. the core threw). */
  report(invariant: InvariantName, nodeId: NodeId | null, detail: string): void {
    this.violations.push({ invariant, nodeId, atMs: this.nowMs, detail });
  }

  private facts(id: NodeId): NodeFacts {
    const facts = this.nodes.get(id);
    if (facts === undefined) throw new Error(`unknown node ${id}`);
    return facts;
  }

  /** A node's volatile state after an event touched it. */
  observeStatus(status: RaftStatus): void {
    const facts = this.facts(status.id);
    const prev = facts.last;
    if (prev !== undefined) {
      for (const field of ["term", "commitIndex", "lastApplied"] as const) {
        if (status[field] < prev[field]) {
          this.report(
            "monotonic",
            status.id,
            `${field} went from ${prev[field]} to ${status[field]}`,
          );
        }
      }
    }
    facts.last = status;
    // Within one life the vote of a term never changes. Across lives only votes that reached
    // disk or the network count (see observeDurable, observeSent): a vote lost in a crash
    // before it was persisted or sent was never cast.
    if (
      prev !== undefined &&
      prev.term === status.term &&
      prev.vote !== null &&
      prev.vote !== status.vote
    ) {
      this.report(
        "single-vote",
        status.id,
        `vote in term ${status.term} changed from ${prev.vote} to ${status.vote ?? "none"}`,
      );
    }
    if (prev !== undefined) {
      this.checkLeaderCommit(prev, status);
      this.checkLeaderAppendOnly(prev, status);
    }
    if (status.lastApplied > status.commitIndex) {
      this.report(
        "applied-le-committed",
        status.id,
        `lastApplied ${status.lastApplied} > commitIndex ${status.commitIndex}`,
      );
    }
    this.maxCommitKnown = Math.max(this.maxCommitKnown, status.commitIndex);
    this.observeRole(status, facts);
  }

  /** Raft §5.4.2: a leader commits by counting replicas only entries of its current term. */
  private checkLeaderCommit(prev: RaftStatus, status: RaftStatus): void {
    if (status.role !== "Leader" || prev.role !== "Leader" || prev.term !== status.term) return;
    if (status.commitIndex <= prev.commitIndex) return;
    const termAtCommit = this.diskOf(status.id).termAt(status.commitIndex);
    if (termAtCommit !== status.term) {
      this.report(
        "current-term-commit",
        status.id,
        `leader of term ${status.term} moved its commit index to ${status.commitIndex}, an entry of term ${termAtCommit ?? "?"}`,
      );
    }
  }

  /** Raft Figure 3: a leader never overwrites or deletes entries of its log within its term. */
  private checkLeaderAppendOnly(prev: RaftStatus, status: RaftStatus): void {
    if (status.role !== "Leader" || prev.role !== "Leader" || prev.term !== status.term) return;
    if (status.lastLogIndex < prev.lastLogIndex) {
      this.report(
        "leader-append-only",
        status.id,
        `leader of term ${status.term} went from last index ${prev.lastLogIndex} to ${status.lastLogIndex}`,
      );
    }
  }

  private observeRole(status: RaftStatus, facts: NodeFacts): void {
    if (status.role !== "Leader") {
      facts.leaderTerm = undefined;
      return;
    }
    const other = this.leaderOfTerm.get(status.term);
    if (other !== undefined && other !== status.id) {
      this.report(
        "election-safety",
        status.id,
        `${other} and ${status.id} both lead term ${status.term}`,
      );
    }
    this.leaderOfTerm.set(status.term, status.id);
    if (facts.leaderTerm !== status.term) {
      facts.leaderTerm = status.term;
      this.checkLeaderHolds(status.id, status.term, 1, this.committedTerm.length - 1);
    }
  }

  /** Leader completeness (Raft §5.4): `leader` of `term` holds committed entries of earlier terms. */
  private checkLeaderHolds(leader: NodeId, term: Term, from: LogIndex, to: LogIndex): void {
    const disk = this.diskOf(leader);
    for (let i = Math.max(from, disk.snapshotIndex() + 1); i <= to; i++) {
      const committed = this.committedTerm[i];
      const seen = this.committedSeenTerm[i];
      if (committed === undefined || seen === undefined || seen >= term) continue;
      const held = disk.termAt(i);
      if (held !== committed) {
        this.report(
          "leader-completeness",
          leader,
          `leader of term ${term} holds ${i}/${held ?? "-"} but ${i}/${committed} was committed in term ≤ ${seen}`,
        );
        return;
      }
    }
  }

  /** A node died; `survivors` are the entries of the unsynced writes its disk kept. */
  observeCrash(id: NodeId, survivors: readonly Entry[]): void {
    this.facts(id).leaderTerm = undefined;
    this.observePersisted(id, survivors);
  }

  /**
   * A node restarted from its disk: it must resume its durable state (term, vote, commit) with
   * the application at the snapshot index.
   */
  observeRestart(status: RaftStatus): void {
    const facts = this.facts(status.id);
    const hardState = this.diskOf(status.id).durableHardState();
    if (status.term !== hardState.term || status.commitIndex < hardState.commit) {
      this.report(
        "durable-state",
        status.id,
        `restarted at term ${status.term} commit ${status.commitIndex}, disk says term ${hardState.term} commit ${hardState.commit}`,
      );
    }
    facts.last = undefined;
    this.observeStatus(status);
  }

  /** After an fsync or a crash: the durable term, commit and snapshot index never decrease. */
  observeDurable(id: NodeId): void {
    const facts = this.facts(id);
    const disk = this.diskOf(id);
    const { term, commit } = disk.durableHardState();
    const snapshotIndex = disk.snapshotIndex();
    if (term < facts.durableTerm || commit < facts.durableCommit) {
      this.report(
        "durable-state",
        id,
        `durable term/commit went from ${facts.durableTerm}/${facts.durableCommit} to ${term}/${commit}`,
      );
    }
    if (snapshotIndex < facts.durableSnapshotIndex) {
      this.report(
        "durable-state",
        id,
        `durable snapshot went back from ${facts.durableSnapshotIndex} to ${snapshotIndex}`,
      );
    }
    if (commit > disk.lastIndex()) {
      this.report(
        "durable-state",
        id,
        `durable commit ${commit} > durable last index ${disk.lastIndex()}`,
      );
    }
    facts.durableTerm = Math.max(facts.durableTerm, term);
    facts.durableCommit = Math.max(facts.durableCommit, commit);
    facts.durableSnapshotIndex = Math.max(facts.durableSnapshotIndex, snapshotIndex);
    const { vote } = disk.durableHardState();
    if (vote !== null) this.recordVote(id, term, vote);
    this.recordDurableCommit(id);
  }

  /**
   * Entries reached `id`'s disk (a synced Ready, or what a crash let through): register them
   * (log matching), then check the durable state and the commits it now covers.
   */
  observePersisted(id: NodeId, entries: readonly Entry[]): void {
    const disk = this.diskOf(id);
    for (const entry of entries) this.registerEntry(id, entry, disk.termAt(entry.index - 1));
    this.observeDurable(id);
  }

  /** Records the entries `id`'s durable commit index covers (commit agreement, completeness). */
  private recordDurableCommit(id: NodeId): void {
    const disk = this.diskOf(id);
    const facts = this.facts(id);
    const { term, commit } = disk.durableHardState();
    const from = Math.max(facts.commitRecorded + 1, disk.snapshotIndex() + 1);
    for (let i = from; i <= commit; i++) this.recordCommitted(id, i, disk.termAt(i), term);
    facts.commitRecorded = Math.max(facts.commitRecorded, commit);
    this.maxCommitKnown = Math.max(this.maxCommitKnown, commit);
  }

  private registerEntry(id: NodeId, entry: Entry, prevTerm: Term | undefined): void {
    const key = `${entry.index}/${entry.term}`;
    const known = this.entries.get(key);
    if (known === undefined) {
      this.entries.set(key, { prevTerm, data: entry.data });
      return;
    }
    if (!bytesEqual(known.data, entry.data)) {
      this.report("log-matching", id, `two different entries carry ${key}`);
    } else if (
      prevTerm !== undefined &&
      known.prevTerm !== undefined &&
      known.prevTerm !== prevTerm
    ) {
      this.report(
        "log-matching",
        id,
        `${key} follows term ${prevTerm} here and term ${known.prevTerm} elsewhere`,
      );
    }
  }

  private recordCommitted(
    id: NodeId,
    index: LogIndex,
    term: Term | undefined,
    seenTerm: Term,
  ): void {
    if (term === undefined) {
      this.report("durable-state", id, `commit covers ${index}, which is not on disk`);
      return;
    }
    const known = this.committedTerm[index];
    if (known !== undefined) {
      if (known !== term) {
        this.report(
          "state-machine-safety",
          id,
          `committed ${index}/${term}; ${index}/${known} was committed before`,
        );
      }
      return;
    }
    this.committedTerm[index] = term;
    this.committedSeenTerm[index] = seenTerm;
    for (const [leader, facts] of this.nodes) {
      if (facts.leaderTerm !== undefined && facts.leaderTerm > seenTerm) {
        this.checkLeaderHolds(leader, facts.leaderTerm, index, index);
      }
    }
  }

  private recordVote(voter: NodeId, term: Term, candidate: NodeId): void {
    const key = `${voter}/${term}`;
    const before = this.votes.get(key);
    if (before === undefined) this.votes.set(key, candidate);
    else if (before !== candidate) {
      this.report("single-vote", voter, `voted for ${before} and for ${candidate} in term ${term}`);
    }
  }

  /**
   * A message leaves `id` (after its Ready was persisted): its term must already be durable
   * (PreVote traffic excepted, it carries a prospective term), and a granted vote must be the
   * durable vote, unless a later durable term has superseded it.
   */
  observeSent(id: NodeId, message: Message): void {
    const hardState = this.diskOf(id).durableHardState();
    if (message.type === "PreVote" || message.type === "PreVoteResponse") return;
    if (message.term > hardState.term) {
      this.report(
        "durable-state",
        id,
        `sent ${message.type} in term ${message.term}, durable term is ${hardState.term}`,
      );
    }
    if (message.type === "AppendEntriesResponse" && message.success) {
      this.checkAckDurable(id, message.matchIndex);
    }
    if (message.type === "RequestVote") this.recordVote(id, message.term, id);
    if (message.type === "RequestVoteResponse" && message.voteGranted) {
      this.recordVote(id, message.term, message.to);
      // A later term on disk supersedes the vote (the node can never vote in that term again).
      if (hardState.term === message.term && hardState.vote !== message.to) {
        this.report(
          "durable-state",
          id,
          `granted a vote to ${message.to} in term ${message.term}; durable term ${hardState.term} vote ${hardState.vote ?? "none"}`,
        );
      }
    }
  }

  /**
   * A follower acknowledges only what is on its disk (Raft §5.3, Figure 2 "persist before
   * responding"): a leader counts the acknowledgement towards commit.
   */
  private checkAckDurable(id: NodeId, matchIndex: LogIndex): void {
    const disk = this.diskOf(id);
    if (matchIndex > disk.lastIndex() || disk.termAt(matchIndex) === undefined) {
      if (matchIndex <= disk.snapshotIndex()) return;
      this.report(
        "durable-state",
        id,
        `acknowledged entries up to ${matchIndex}; its disk holds up to ${disk.lastIndex()}`,
      );
    }
  }

  /**
   * `id` applied the entry (index, term) while its core's commit index was `commitIndex`: it
   * must be committed, and be the entry every other node applied there.
   */
  observeApplied(id: NodeId, index: LogIndex, term: Term, commitIndex: LogIndex): void {
    const committed = this.committedTerm[index];
    if (index > commitIndex) {
      this.report(
        "applied-le-committed",
        id,
        `applied ${index}; its commit index is ${commitIndex}`,
      );
    } else if (committed !== undefined && committed !== term) {
      this.report(
        "applied-le-committed",
        id,
        `applied ${index}/${term}, committed there: ${committed}`,
      );
    }
    const before = this.applied[index];
    if (before === undefined) this.applied[index] = term;
    else if (before !== term) {
      this.report(
        "state-machine-safety",
        id,
        `applied ${index}/${term}; another node applied ${index}/${before}`,
      );
    }
  }

  /** `id`'s state machine has hash `stateHash` at applied index `index` (also after a restore). */
  observeStateHash(id: NodeId, index: LogIndex, stateHash: string): void {
    if (index > 0) this.checkStateHash(id, index, stateHash);
  }

  private checkStateHash(id: NodeId, index: LogIndex, stateHash: string): void {
    const before = this.stateHashAt.get(index);
    if (before === undefined) this.stateHashAt.set(index, stateHash);
    else if (before !== stateHash) {
      this.report(
        "state-machine-safety",
        id,
        `application hash at ${index} is ${stateHash}, elsewhere ${before}`,
      );
    }
  }
}
