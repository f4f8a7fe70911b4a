/**
 * The serial Ready loop of one node (docs/ARCHITECTURE.md §4), after the application loop around
 * etcd-io/raft's `rawnode.go` (its `contrib/raftexample`). It is the only code that touches the
 * Raft core; everyone else pushes onto its {@link Inbox}. Each turn:
 *
 * 1. drains the inbox into `tick()` / `step()` / `propose()` / `readIndex()` (all reads queued
 *    since the last turn share one ReadIndex request);
 * 2. takes `ready()` and writes its entries, hard state and snapshot in ONE synced batch — all
 *    that arrived during the previous fsync shares this one (group commit); a Ready that only
 *    moves the commit index is not synced (commit is a hint, written with the next batch);
 * 3. mirrors the Ready into MemoryStorage and sends its messages — after the fsync, except a
 *    leader's, which leave before it (Raft thesis §10.2.1);
 * 4. installs a received snapshot, applies committed entries (answering proposals by (index,
 *    term)) and answers ReadStates once applied;
 * 5. `advance()`; then the node's hooks (snapshots, leader duties) and the condition waiters.
 *
 * Anything thrown inside a turn other than a failpoint crash is the node's failure: the loop
 * stops and reports it; it never continues on a guess.
 */
import { CoordinatorError } from "../errors.js";
import type { MemoryStorage } from "../raft/memory-storage.js";
import type { Message } from "../raft/messages.js";
import type { RawNode } from "../raft/raw-node.js";
import type { Ready, SoftState } from "../raft/ready.js";
import type { Entry, HardState, Role, Snapshot } from "../raft/types.js";
import type { NodeId, Term } from "../util/ids.js";
import type { Applier } from "./applier.js";
import type { ConditionWaiters } from "./conditions.js";
import type { NodeEvents } from "./events.js";
import { FailpointCrash, type Failpoint } from "./failpoints.js";
import type { NodeFaults } from "./faults.js";
import { Inbox, type QueuedProposal } from "./inbox.js";
import type { NodeClock, NodeLogger, NodeStore, NodeTimers, NodeTransport } from "./ports.js";
import type { ProposalTracker } from "./proposals.js";
import type { ReadBatcher } from "./reads.js";

/** Counters of the loop, for tests and benchmarks (group commit: proposals per synced write). */
export interface LoopStats {
  /** Readies handled. */
  readonly readies: number;
  /** Synced writes (fsyncs) of Readies. */
  readonly persists: number;
  readonly persistedEntries: number;
  /** Proposals handed to the core, and the most that shared one synced write. */
  readonly proposals: number;
  readonly proposalsPerPersistMax: number;
}

/** What the loop tells the node. */
export interface ReadyLoopHooks {
  /** The role changed (leader duties start or stop). */
  readonly onRoleChanged: () => void;
  /**
   * Entries or a snapshot were applied (snapshot policy, leader duties); `noOpTerm` is the term
   * of a NoOp among them (a leader's first entry of its term committed), else null.
   */
  readonly afterApply: (noOpTerm: Term | null) => void;
  /** Every Ready was handled (the configuration may have changed: ./membership.ts). */
  readonly afterReady: () => void;
  /** The error a proposal gets when this node is not the leader. */
  readonly notLeader: () => CoordinatorError;
  /** The loop stopped on an error the node cannot continue after. */
  readonly onFailure: (error: unknown) => void;
  /** An armed failpoint was reached (the loop halts right after). */
  readonly onCrash: (failpoint: Failpoint) => void;
}

/** The parts the loop drives; the node builds them (./node-wiring.ts). */
export interface ReadyLoopParts {
  readonly raw: RawNode;
  readonly storage: MemoryStorage;
  readonly store: NodeStore;
  readonly transport: NodeTransport;
  readonly applier: Applier;
  readonly proposals: ProposalTracker;
  readonly reads: ReadBatcher;
  readonly conditions: ConditionWaiters;
  readonly events: NodeEvents;
  readonly clock: NodeClock;
  readonly timers: NodeTimers;
  readonly logger: NodeLogger;
  readonly failpoints: ReadonlySet<Failpoint>;
  /** Deliberate bugs, TEST ONLY (./faults.ts). */
  readonly faults: NodeFaults;
}

/** The Ready loop of one node; see the module comment. */
export class ReadyLoop {
  /** Where handlers and timers leave work for the loop. */
  readonly inbox = new Inbox(() => this.wake());
  private currentRole: Role = "Follower";
  private currentLeaderId: NodeId | null = null;
  private currentTerm: Term;
  private currentCommitIndex: number;
  private stopped = false;
  private hooks: ReadyLoopHooks | null = null;
  private loopScheduled = false;
  private loopRunning: Promise<void> | null = null;
  /** A hard state whose only change was the commit index: written with the next synced batch. */
  private unsyncedHardState: HardState | null = null;
  private proposalsSinceReady = 0;
  private readonly counters = {
    readies: 0,
    persists: 0,
    persistedEntries: 0,
    proposals: 0,
    proposalsPerPersistMax: 0,
  };

  /** @param start the durable term and commit index the node starts from */
  constructor(
    private readonly parts: ReadyLoopParts,
    start: { readonly term: Term; readonly commitIndex: number },
  ) {
    this.currentTerm = start.term;
    this.currentCommitIndex = start.commitIndex;
  }

  /**
   * Connects the loop to the parts built after it (leader duties, snapshots, the lifecycle);
   * the loop takes no turn before. Called once, by the wiring.
   */
  attach(hooks: ReadyLoopHooks): void {
    if (this.hooks !== null) throw new Error("the Ready loop is attached already");
    this.hooks = hooks;
  }

  private get attached(): ReadyLoopHooks {
    if (this.hooks === null) throw new Error("the Ready loop is not attached");
    return this.hooks;
  }

  /** The role this node plays, as of the last Ready. */
  get role(): Role {
    return this.currentRole;
  }

  /** The leader this node knows of, as of the last Ready. */
  get leaderId(): NodeId | null {
    return this.currentLeaderId;
  }

  /** The durable term. */
  get term(): Term {
    return this.currentTerm;
  }

  /** The commit index this node knows. */
  get commitIndex(): number {
    return this.currentCommitIndex;
  }

  /** Whether the loop stopped for good (stopped, failed or crashed at a failpoint). */
  get halted(): boolean {
    return this.stopped;
  }

  /** The loop's counters so far. */
  stats(): LoopStats {
    return { ...this.counters };
  }

  /** Stops the loop for good (at once); resolves once a turn under way has finished. */
  halt(): Promise<void> {
    this.stopped = true;
    return this.loopRunning ?? Promise.resolve();
  }

  /**
   * Something beside the loop that the node cannot continue after (a snapshot that could not be
   * made durable): the loop stops and reports it like a failure of its own, once.
   */
  fail(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.attached.onFailure(error);
  }

  /** Writes a commit index not yet synced (on a graceful stop, after {@link halt}). */
  async flushHardState(): Promise<void> {
    const hardState = this.unsyncedHardState;
    if (hardState === null) return;
    this.unsyncedHardState = null;
    await this.parts.store.persist({ hardState, entries: [] });
  }

  /** Schedules a turn of the loop (after the I/O callbacks of this event-loop turn: batching). */
  wake(): void {
    if (this.stopped || this.loopScheduled || this.hooks === null) return;
    this.loopScheduled = true;
    this.parts.timers.setImmediate(() => {
      this.loopScheduled = false;
      if (this.loopRunning !== null || this.stopped) return;
      this.loopRunning = this.runLoop().finally(() => (this.loopRunning = null));
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (!this.stopped) {
        this.proposalsSinceReady += this.drain();
        if (!this.parts.raw.hasReady()) break;
        const proposals = this.proposalsSinceReady;
        this.proposalsSinceReady = 0;
        await this.handleReady(this.parts.raw.ready(), proposals);
      }
      this.parts.conditions.check();
    } catch (error) {
      this.stopped = true;
      if (!(error instanceof FailpointCrash)) this.attached.onFailure(error);
    }
  }

  /** Hands everything in the inbox to the core; returns how many proposals it took. */
  private drain(): number {
    const work = this.inbox.take();
    for (const message of work.messages) this.parts.raw.step(message);
    for (const peer of work.unreachable) this.parts.raw.reportUnreachable(peer);
    for (let i = 0; i < work.ticks; i++) this.parts.raw.tick();
    let proposed = 0;
    for (const proposal of work.proposals) {
      if (this.proposeToCore(proposal)) proposed++;
    }
    for (const control of work.controls) control.run();
    const requestId = this.parts.reads.takeBatch();
    if (requestId !== null) this.parts.raw.readIndex(requestId);
    return proposed;
  }

  private proposeToCore(proposal: QueuedProposal): boolean {
    if (proposal.pending.settled) return false;
    try {
      const { index, term } = this.parts.raw.propose(proposal.data);
      this.parts.proposals.track(index, term, proposal.pending);
      return true;
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      proposal.pending.reject(error.code === "not_leader" ? this.attached.notLeader() : error);
      return false;
    }
  }

  /** Steps 2–5 of docs/ARCHITECTURE.md §4 for one Ready. */
  private async handleReady(ready: Ready, proposals: number): Promise<void> {
    this.counters.readies++;
    this.observeSoftState(ready.softState, ready.hardState?.term ?? this.currentTerm);
    const sendFirst = this.sendsBeforePersist(ready);
    if (sendFirst) this.sendAll(ready.messages);
    await this.persist(ready, proposals);
    this.mirror(ready);
    if (!sendFirst) this.sendAll(ready.messages);
    if (ready.snapshot !== undefined) this.installSnapshot(ready.snapshot);
    const noOpTerm = this.parts.applier.applyEntries(this.toApply(ready));
    const { state, appliedIndex } = this.parts.applier;
    this.parts.reads.onReadStates(ready.readStates, appliedIndex, state);
    this.parts.reads.onFailures(ready.readIndexFailures);
    this.parts.reads.onApplied(appliedIndex, state);
    this.parts.raw.advance();
    this.afterReady(ready, noOpTerm);
  }

  /**
   * The committed entries of this Ready. (With the `applyBeforeCommit` fault, TEST ONLY, a
   * leader also applies what it just appended, and later skips what it applied already.)
   */
  private toApply(ready: Ready): readonly Entry[] {
    if (this.parts.faults.applyBeforeCommit !== true) return ready.committedEntries;
    const early = this.currentRole === "Leader" ? ready.entries : [];
    const fresh: Entry[] = [];
    let next = this.parts.applier.appliedIndex + 1;
    for (const entry of [...ready.committedEntries, ...early]) {
      if (entry.index !== next) continue;
      fresh.push(entry);
      next++;
    }
    return fresh;
  }

  /** Step 2: one synced batch, unless only the commit index moved (then it waits for the next). */
  private async persist(ready: Ready, proposals: number): Promise<void> {
    if (!ready.mustSync) {
      if (ready.hardState !== undefined) this.unsyncedHardState = ready.hardState;
      return;
    }
    this.failpoint("crash-before-persist");
    const hardState = ready.hardState ?? this.unsyncedHardState;
    this.unsyncedHardState = null;
    const report = await this.parts.store.persist({
      ...(hardState === null ? {} : { hardState }),
      entries: ready.entries,
      ...(ready.snapshot === undefined ? {} : { snapshot: ready.snapshot }),
    });
    this.failpoint("crash-after-persist");
    const c = this.counters;
    c.persists++;
    c.persistedEntries += ready.entries.length;
    c.proposals += proposals;
    c.proposalsPerPersistMax = Math.max(c.proposalsPerPersistMax, proposals);
    this.parts.events.emit("persist", {
      durationMs: report.syncDurationMs,
      entries: ready.entries.length,
      proposals,
      bytes: report.bytes,
      lastIndex: ready.entries.at(-1)?.index ?? null,
    });
  }

  /** Step 3a: what is durable becomes readable by the core. */
  private mirror(ready: Ready): void {
    if (ready.snapshot !== undefined) this.parts.storage.applySnapshot(ready.snapshot);
    if (ready.entries.length > 0) {
      this.parts.storage.append(ready.entries);
      this.parts.proposals.onAppended(ready.entries);
    }
    if (ready.hardState !== undefined) {
      this.parts.storage.setHardState(ready.hardState);
      if (ready.hardState.term !== this.currentTerm) {
        this.parts.events.emit("term", { term: ready.hardState.term });
      }
      this.currentTerm = ready.hardState.term;
      this.currentCommitIndex = ready.hardState.commit;
    }
  }

  /**
   * Whether this Ready's messages may leave before its fsync: a leader's may (Raft thesis
   * §10.2.1, the leader writes its log in parallel with replicating it), since the core counts
   * the leader's own entries towards commit only once `advance()` reports them persisted, and a
   * leader's term and vote are durable since its candidacy. Everyone else sends only what is
   * durable (a vote or an acknowledgement must never be forgotten by a crash).
   */
  private sendsBeforePersist(ready: Ready): boolean {
    if (this.parts.faults.ackBeforeFsync === true && ready.messages.length > 0) return true;
    return (
      this.currentRole === "Leader" &&
      ready.messages.length > 0 &&
      (ready.hardState === undefined || ready.hardState.term === this.currentTerm)
    );
  }

  private sendAll(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.failpoint("crash-before-send");
    const observed = this.parts.events.has("message");
    for (const message of messages) {
      this.parts.transport.send(message);
      if (observed) {
        this.parts.events.emit("message", {
          direction: "sent",
          type: message.type,
          peer: message.to,
        });
      }
    }
  }

  private installSnapshot(snapshot: Snapshot): void {
    this.failpoint("crash-before-apply-snapshot");
    const startedAtMs = this.parts.clock.monotonicMs();
    this.parts.applier.install(snapshot);
    const restoreMs = this.parts.clock.monotonicMs() - startedAtMs;
    this.failpoint("crash-after-apply-snapshot");
    const { index } = snapshot.metadata;
    const bytes = snapshot.data.byteLength;
    this.parts.logger.info({ index, bytes, restoreMs }, "installed a snapshot from the leader");
    this.parts.events.emit("snapshot", {
      origin: "leader",
      index,
      bytes,
      encodeMs: 0,
      saveMs: 0,
      restoreMs,
    });
  }

  private observeSoftState(softState: SoftState | undefined, term: Term): void {
    if (softState === undefined) return;
    const changedRole = softState.role !== this.currentRole;
    this.currentRole = softState.role;
    this.currentLeaderId = softState.leaderId;
    this.parts.logger.info(
      { role: softState.role, leaderId: softState.leaderId, term },
      "raft role",
    );
    this.parts.events.emit("role", { role: softState.role, leaderId: softState.leaderId, term });
    if (changedRole) this.attached.onRoleChanged();
  }

  /** Step 5: what follows an apply — snapshot policy, leader duties, waiters, index events. */
  private afterReady(ready: Ready, noOpTerm: Term | null): void {
    const appliedSomething = ready.committedEntries.length > 0 || ready.snapshot !== undefined;
    if (appliedSomething) this.attached.afterApply(noOpTerm);
    if (appliedSomething || ready.hardState !== undefined) {
      this.parts.events.emit("indexes", {
        commitIndex: this.currentCommitIndex,
        appliedIndex: this.parts.applier.appliedIndex,
      });
    }
    this.attached.afterReady();
    this.parts.conditions.check();
  }

  private failpoint(name: Failpoint): void {
    if (!this.parts.failpoints.has(name)) return;
    this.stopped = true;
    this.parts.logger.warn({ failpoint: name }, "failpoint reached: crashing");
    this.attached.onCrash(name);
    throw new FailpointCrash(name);
  }
}
