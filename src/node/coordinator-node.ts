/**
 * The coordinator node: the ONLY place where I/O meets consensus (DESIGN.md §2, §4). One serial
 * loop owns the Raft core (RawNode), its MemoryStorage mirror and the state machine; socket and
 * HTTP handlers and timers only push onto its {@link Inbox}. Each turn of the loop:
 *
 * 1. drains the inbox into `tick()` / `step()` / `propose()` / `readIndex()`;
 * 2. takes `ready()` and writes its entries, hard state and snapshot in ONE synced batch — all
 *    that arrived during the previous fsync shares this one (group commit); a Ready that only
 *    moves the commit index is not synced (commit is a hint, written with the next batch);
 * 3. mirrors the Ready into MemoryStorage, then sends its messages (a leader sends before its
 *    fsync, in parallel with it: Raft thesis §10.2.1);
 * 4. installs a received snapshot, applies committed entries (answering proposals by (index,
 *    term)) and answers ReadStates once applied;
 * 5. `advance()`; then snapshots, leader duties and waiters catch up.
 *
 * A StorageError, a corrupt snapshot or a broken invariant stops the node (`onFatal`; the
 * process exits non-zero): it never continues on a guess. After the Ready/advance contract of
 * etcd-io/raft's `rawnode.go` and its application loop in `contrib/raftexample`.
 */
import * as constants from "../constants.js";
import { CoordinatorError } from "../errors.js";
import { defaultRaftConfig } from "../raft/config.js";
import { MemoryStorage } from "../raft/memory-storage.js";
import type { Message } from "../raft/messages.js";
import { RawNode } from "../raft/raw-node.js";
import type { Ready, SoftState } from "../raft/ready.js";
import type { ConfState, HardState, Role, Snapshot } from "../raft/types.js";
import {
  checkCommand,
  stateHash,
  type ApplyResult,
  type Command,
  type CoordinatorState,
} from "../state-machine/index.js";
import type { LoadedRaftState } from "../storage/raft-store.js";
import type { NodeId, Term } from "../util/ids.js";
import type { Prng } from "../util/prng.js";
import { encodeCommand } from "../wire/command-codec.js";
import { Applier } from "./applier.js";
import { ConditionWaiters } from "./conditions.js";
import { NodeConfigError, validateNodeConfig, type NodeConfig } from "./config.js";
import { NodeEvents, type ProposalOutcome } from "./events.js";
import { FailpointCrash, type Failpoint } from "./failpoints.js";
import { Inbox, type QueuedProposal } from "./inbox.js";
import { LeaderDuties } from "./leader-duties.js";
import { Pending, type Settlement } from "./pending.js";
import type { NodeClock, NodeLogger, NodeStore, NodeTransport } from "./ports.js";
import { ProposalTracker } from "./proposals.js";
import { ReadBatcher, pendingRead } from "./reads.js";
import type {
  LeaderInfo,
  NodeService,
  PeerStatusView,
  ProposeOptions,
  RaftStatusView,
  ReadConsistency,
} from "./service.js";
import { Snapshotter, type SnapshotInfo } from "./snapshots.js";

/** What a node is built from (all injected, so tests run it with fakes and short timings). */
export interface NodeDeps {
  readonly config: NodeConfig;
  /** The node's durable Raft store, open; the node closes it on stop. */
  readonly store: NodeStore;
  readonly transport: NodeTransport;
  readonly clock: NodeClock;
  /** Randomness for election timeouts and read request ids. */
  readonly prng: Prng;
  readonly logger: NodeLogger;
  /** The node stopped on an error it cannot continue after. Default: exit the process with 1. */
  readonly onFatal?: (error: Error) => void;
  /** An armed failpoint was reached. Default: exit the process with 137, as if SIGKILLed. */
  readonly onCrash?: (failpoint: Failpoint) => void;
}

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

type Phase = "running" | "stopping" | "stopped";

function exitOnFatal(): void {
  process.exit(1);
}

function exitOnCrash(): void {
  process.exit(137);
}

function sortedIds(peers: ReadonlyMap<NodeId, string>): NodeId[] {
  return [...peers.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The voters the node starts with: those of its latest snapshot, which must be the configured
 * peers (membership changes are not supported yet), or the configured peers on a fresh log.
 * @throws NodeConfigError when the data directory belongs to another cluster layout
 */
function startConfState(config: NodeConfig, snapshot: Snapshot | null): ConfState {
  const voters = sortedIds(config.peers);
  const stored = snapshot?.metadata.confState;
  if (stored !== undefined && stored.voters.join(",") !== voters.join(",")) {
    throw new NodeConfigError(
      `the data directory holds a snapshot of voters [${stored.voters.join(", ")}], ` +
        `but the configured peers are [${voters.join(", ")}]`,
    );
  }
  return stored ?? { voters, learners: [] };
}

/** A coordinator node; see the module comment. Create with {@link CoordinatorNode.start}. */
export class CoordinatorNode implements NodeService {
  readonly nodeId: NodeId;
  /** Typed events for metrics, the mirror and tests (./events.ts). */
  readonly events: NodeEvents;
  private readonly config: NodeConfig;
  private readonly store: NodeStore;
  private readonly transport: NodeTransport;
  private readonly clock: NodeClock;
  private readonly logger: NodeLogger;
  private readonly onFatal: (error: Error) => void;
  private readonly onCrash: (failpoint: Failpoint) => void;
  private readonly storage: MemoryStorage;
  private readonly raw: RawNode;
  private readonly applier: Applier;
  private readonly proposals = new ProposalTracker();
  private readonly reads: ReadBatcher;
  private readonly conditions = new ConditionWaiters();
  private readonly duties: LeaderDuties;
  private readonly snapshots: Snapshotter;
  private readonly inbox: Inbox;

  private role: Role = "Follower";
  private leaderId: NodeId | null = null;
  private term: Term;
  private commitIndex: number;
  private phase: Phase = "running";
  /** Set once the loop must do nothing more: stopped, failed or crashed at a failpoint. */
  private halted = false;
  private failure: Error | null = null;
  private loopScheduled = false;
  private loopRunning: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;
  /** A hard state whose only change was the commit index: written with the next synced batch. */
  private unsyncedHardState: HardState | null = null;
  private proposalsSinceReady = 0;
  private stopping: Promise<void> | null = null;
  private counters = {
    readies: 0,
    persists: 0,
    persistedEntries: 0,
    proposals: 0,
    proposalsPerPersistMax: 0,
  };

  /**
   * Loads the node's durable state from `deps.store`, restores the state machine from the
   * latest snapshot, builds the Raft core on top and starts the transport, the ticker and the
   * loop (the core re-emits the committed entries after the snapshot).
   * @throws NodeConfigError for a configuration that cannot work or does not match the data
   * @throws StorageError when the store cannot be read (the caller closes it and exits non-zero)
   * @throws SnapshotFormatError when the stored snapshot is not a coordinator snapshot
   */
  static async start(deps: NodeDeps): Promise<CoordinatorNode> {
    validateNodeConfig(deps.config);
    const loaded = await deps.store.load();
    const node = new CoordinatorNode(deps, loaded);
    node.begin();
    return node;
  }

  private constructor(deps: NodeDeps, loaded: LoadedRaftState) {
    const { config } = deps;
    this.nodeId = config.nodeId;
    this.config = config;
    this.store = deps.store;
    this.transport = deps.transport;
    this.clock = deps.clock;
    this.logger = deps.logger;
    this.onFatal = deps.onFatal ?? exitOnFatal;
    this.onCrash = deps.onCrash ?? exitOnCrash;
    this.events = new NodeEvents((name, error) =>
      this.logger.error({ event: name, err: String(error) }, "a node event listener failed"),
    );
    this.inbox = new Inbox(() => this.wake());
    this.reads = new ReadBatcher(`${config.nodeId}.${deps.prng.nextUint32().toString(36)}`);
    const { hardState, snapshot, entries } = loaded;
    this.storage = new MemoryStorage({
      hardState,
      confState: startConfState(config, snapshot),
      ...(snapshot === null ? {} : { snapshot }),
      entries,
    });
    this.applier = new Applier(snapshot, this.proposals, this.events, {
      onNoOpApplied: (term) => this.duties.onNoOpApplied(term),
    });
    this.raw = new RawNode({
      ...defaultRaftConfig(config.nodeId, this.storage, deps.prng.fork()),
      electionTimeoutTicks: config.electionTimeoutTicks,
      heartbeatIntervalTicks: config.heartbeatIntervalTicks,
      applied: this.applier.appliedIndex,
    });
    this.term = hardState.term;
    this.commitIndex = Math.max(hardState.commit, this.applier.appliedIndex);
    this.duties = this.createDuties();
    this.snapshots = new Snapshotter({
      store: this.store,
      storage: this.storage,
      everyEntries: config.snapshotEveryEntries,
      tailEntries: config.snapshotLogTailEntries,
      monotonicMs: () => this.clock.monotonicMs(),
      events: this.events,
      onFailure: (error) => this.fail(error),
    });
  }

  private createDuties(): LeaderDuties {
    return new LeaderDuties({
      clock: this.clock,
      events: this.events,
      logger: this.logger,
      leaderChangeLeaseGraceMs: this.config.leaderChangeLeaseGraceMs,
      tickIntervalMs: this.config.tickIntervalMs,
      leadingTerm: () => (this.role === "Leader" && this.accepting() ? this.term : null),
      state: () => this.applier.state,
      propose: (command) => this.proposeOwn(command),
    });
  }

  private begin(): void {
    this.transport.subscribe({
      onMessage: (message) => this.onPeerMessage(message),
      onPeerStatus: (peer, status) => {
        if (status === "down" && !this.halted) this.inbox.peerUnreachable(peer);
      },
    });
    this.transport.start();
    this.ticker = setInterval(() => this.inbox.tick(), this.config.tickIntervalMs);
    this.logger.info(
      {
        nodeId: this.nodeId,
        dataDir: this.store.dataDir,
        term: this.term,
        appliedIndex: this.applier.appliedIndex,
        lastLogIndex: this.storage.lastIndex(),
      },
      "coordinator node started",
    );
    this.wake();
  }

  // ── NodeService ──────────────────────────────────────────────────────────────────────────

  async propose(command: Command, options: ProposeOptions = {}): Promise<ApplyResult> {
    this.assertAccepting();
    if (this.role !== "Leader") throw this.notLeader();
    const timeoutMs = options.timeoutMs ?? this.config.proposalTimeoutMs;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new CoordinatorError("invalid_request", `timeoutMs must be a positive integer`);
    }
    const checked = checkCommand(command);
    if ("status" in checked) throw new CoordinatorError("invalid_request", checked.detail);
    const data = encodeCommand({
      proposedAtMs: Math.floor(this.clock.nowMs()),
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.seq === undefined ? {} : { seq: options.seq }),
      command,
    });
    if (data.byteLength > constants.commandBytesMax) {
      throw new CoordinatorError(
        "invalid_request",
        `the command is ${data.byteLength} bytes encoded; at most ${constants.commandBytesMax}`,
      );
    }
    return this.enqueueProposal(data, command, timeoutMs);
  }

  async read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T> {
    this.assertAccepting();
    if (consistency === "stale") return query(this.applier.state);
    if (this.leaderId === null) {
      throw new CoordinatorError("no_leader", "no leader is known to serve a linearizable read");
    }
    const timeoutMs = this.config.proposalTimeoutMs;
    const pending = new Pending<T>(
      timeoutMs,
      () =>
        new CoordinatorError("proposal_timeout", `the read was not served within ${timeoutMs} ms`),
    );
    this.reads.enqueue(pendingRead(query, pending));
    this.wake();
    return pending.promise;
  }

  leader(): LeaderInfo {
    const leaderId = this.leaderId;
    return {
      leaderId,
      leaderUrl: leaderId === null ? null : (this.config.peers.get(leaderId) ?? null),
    };
  }

  raftStatus(options: { withStateHash?: boolean } = {}): RaftStatusView {
    const status = this.raw.status();
    const peers: PeerStatusView[] = status.progress.map((peer) => ({
      id: peer.id,
      matchIndex: peer.matchIndex,
      nextIndex: peer.nextIndex,
      state: peer.state,
      lastContactMs: peer.ticksSinceContact * this.config.tickIntervalMs,
      connected: this.transport.isConnected(peer.id),
    }));
    return {
      nodeId: this.nodeId,
      role: status.role,
      term: status.term,
      leaderId: status.leaderId,
      commitIndex: status.commitIndex,
      lastApplied: this.applier.appliedIndex,
      lastLogIndex: status.lastLogIndex,
      snapshotIndex: status.snapshotIndex,
      peers,
      ...(options.withStateHash === true ? { stateHash: stateHash(this.applier.state) } : {}),
    };
  }

  isReady(): boolean {
    return (
      this.accepting() && this.leaderId !== null && this.applier.appliedIndex >= this.commitIndex
    );
  }

  waitForApply(sinceIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.halted) return Promise.resolve(false);
    return this.conditions.wait(() => this.applier.appliedIndex > sinceIndex, timeoutMs, signal);
  }

  appliedIndex(): number {
    return this.applier.appliedIndex;
  }

  async transferLeadership(to?: NodeId): Promise<LeaderInfo> {
    this.assertAccepting();
    if (this.role !== "Leader") throw this.notLeader();
    const target = to ?? this.mostCaughtUpPeer();
    if (target === null) throw new CoordinatorError("invalid_request", "no peer to hand over to");
    if (target === this.nodeId) return this.leader();
    const timeoutMs = this.config.leadershipTransferTimeoutMs;
    const steppedDown = await this.handOver(target);
    const moved =
      steppedDown &&
      (await this.conditions.wait(
        () => this.leaderId !== null && this.leaderId !== this.nodeId,
        timeoutMs,
      ));
    if (!moved) {
      throw new CoordinatorError(
        "proposal_timeout",
        `leadership did not move to ${target} within ${timeoutMs} ms`,
        { transferee: target },
      );
    }
    return this.leader();
  }

  async snapshotNow(): Promise<{ readonly index: number; readonly bytes: number }> {
    this.assertAccepting();
    await this.snapshots.idle();
    return this.inLoop<Promise<SnapshotInfo>>(() =>
      this.snapshots.takeNow(this.applier.state, this.applier.appliedIndex),
    );
  }

  // ── Beyond NodeService ───────────────────────────────────────────────────────────────────

  /** Counters of the loop (group commit figures). */
  loopStats(): LoopStats {
    return { ...this.counters };
  }

  /**
   * Stops gracefully, once (later calls return the same promise): refuses new work
   * (`node_stopping`); a leader first hands leadership to the most caught-up peer (bounded by
   * `leadershipTransferTimeoutMs`); in-flight proposals and reads get `stopDrainTimeoutMs` to be
   * answered, the rest fail with `node_stopping`; then the ticker and the loop stop, the commit
   * index is written, the transport closes and the store closes cleanly.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const wasRunning = this.accepting();
    this.phase = "stopping";
    this.duties.stop();
    if (wasRunning) {
      await this.handOffOnStop();
      await this.conditions.wait(
        () =>
          this.proposals.size === 0 &&
          this.reads.size === 0 &&
          this.inbox.queuedProposals.length === 0,
        this.config.stopDrainTimeoutMs,
      );
    }
    this.halt(new CoordinatorError("node_stopping", "the node is stopping"));
    await this.loopRunning;
    if (this.failure === null) {
      await this.snapshots.idle();
      if (wasRunning) await this.flushHardState();
    }
    await this.transport.close();
    await this.store.close();
    this.phase = "stopped";
    this.logger.info({ nodeId: this.nodeId }, "coordinator node stopped");
  }

  private async handOffOnStop(): Promise<void> {
    if (this.role !== "Leader") return;
    const target = this.mostCaughtUpPeer();
    if (target === null || !this.transport.isConnected(target)) return;
    try {
      const steppedDown = await this.handOver(target);
      this.logger.info({ target, steppedDown }, "leadership hand-over before stopping");
    } catch (error) {
      this.logger.warn({ err: String(error) }, "leadership hand-over before stopping failed");
    }
  }

  private async flushHardState(): Promise<void> {
    const hardState = this.unsyncedHardState;
    if (hardState === null) return;
    this.unsyncedHardState = null;
    await this.store.persist({ hardState, entries: [] });
  }

  // ── Inputs ───────────────────────────────────────────────────────────────────────────────

  private accepting(): boolean {
    return this.phase === "running" && !this.halted;
  }

  private assertAccepting(): void {
    if (!this.accepting()) {
      throw new CoordinatorError("node_stopping", `node ${this.nodeId} is stopping`);
    }
  }

  private notLeader(): CoordinatorError {
    const { leaderId, leaderUrl } = this.leader();
    if (leaderId === null) {
      return new CoordinatorError("no_leader", "no leader is known right now", { leaderId });
    }
    return new CoordinatorError("not_leader", `the leader is ${leaderId} (${leaderUrl ?? "?"})`, {
      leaderId,
      leaderUrl,
    });
  }

  private onPeerMessage(message: Message): void {
    if (this.halted) return;
    if (this.events.has("message")) {
      this.events.emit("message", {
        direction: "received",
        type: message.type,
        peer: message.from,
      });
    }
    this.inbox.message(message);
  }

  /** A command of the node's own (LeaderChanged, ExpireLeases): no client session. */
  private proposeOwn(command: Command): Promise<ApplyResult> {
    if (!this.accepting()) {
      return Promise.reject(new CoordinatorError("node_stopping", "the node is stopping"));
    }
    const data = encodeCommand({ proposedAtMs: Math.floor(this.clock.nowMs()), command });
    return this.enqueueProposal(data, command, this.config.proposalTimeoutMs);
  }

  private enqueueProposal(
    data: Uint8Array,
    command: Command,
    timeoutMs: number,
  ): Promise<ApplyResult> {
    const startedAtMs = this.clock.monotonicMs();
    const commandType = command.type;
    const pending = new Pending<ApplyResult>(
      timeoutMs,
      () =>
        new CoordinatorError(
          "proposal_timeout",
          `the ${commandType} was not applied within ${timeoutMs} ms; its outcome is unknown`,
        ),
      (settlement) => this.reportProposal(commandType, startedAtMs, settlement),
    );
    this.inbox.proposal({ data, commandType, pending });
    return pending.promise;
  }

  private reportProposal(
    commandType: Command["type"],
    startedAtMs: number,
    settlement: Settlement<ApplyResult>,
  ): void {
    if (!this.events.has("proposal")) return;
    const outcome: ProposalOutcome = settlement.ok
      ? settlement.value.status
      : settlement.error instanceof CoordinatorError
        ? settlement.error.code
        : "internal_error";
    const latencyMs = this.clock.monotonicMs() - startedAtMs;
    this.events.emit("proposal", { commandType, outcome, latencyMs });
  }

  /** Runs `fn` inside the loop (after the queued proposals) and answers with its value. */
  private inLoop<T>(fn: () => T): Promise<T> {
    if (this.halted) {
      return Promise.reject(new CoordinatorError("node_stopping", "the node is stopping"));
    }
    return new Promise<T>((resolve, reject) => {
      this.inbox.control({
        run: () => {
          try {
            resolve(fn());
          } catch (error) {
            reject(error);
            // Typed errors are the caller's answer; anything else is the node's own failure.
            if (!(error instanceof CoordinatorError)) throw error;
          }
        },
        cancel: reject,
      });
    });
  }

  /**
   * Hands leadership to voter `target` (thesis §3.10) and waits, at most
   * `leadershipTransferTimeoutMs`, until this node steps down or the core abandons the transfer.
   * @returns whether this node stepped down
   * @throws CoordinatorError "not_leader" | "no_leader" | "invalid_request" (not a voter)
   */
  private async handOver(target: NodeId): Promise<boolean> {
    await this.inLoop(() => this.raw.transferLeadership(target));
    await this.conditions.wait(
      () => this.role !== "Leader" || this.raw.status().leadTransferee === null,
      this.config.leadershipTransferTimeoutMs,
    );
    return this.role !== "Leader";
  }

  private mostCaughtUpPeer(): NodeId | null {
    const candidates = this.raw
      .status()
      .progress.filter((peer) => !peer.isLearner)
      .sort(
        (a, b) =>
          Number(this.transport.isConnected(b.id)) - Number(this.transport.isConnected(a.id)) ||
          b.matchIndex - a.matchIndex ||
          (a.id < b.id ? -1 : 1),
      );
    return candidates[0]?.id ?? null;
  }

  // ── The loop ─────────────────────────────────────────────────────────────────────────────

  /** Schedules a turn of the loop (after the I/O callbacks of this event-loop turn: batching). */
  private wake(): void {
    if (this.halted || this.loopScheduled) return;
    this.loopScheduled = true;
    setImmediate(() => {
      this.loopScheduled = false;
      if (this.loopRunning !== null || this.halted) return;
      this.loopRunning = this.runLoop().finally(() => (this.loopRunning = null));
    });
  }

  private async runLoop(): Promise<void> {
    try {
      while (!this.halted) {
        this.proposalsSinceReady += this.drain();
        if (!this.raw.hasReady()) break;
        const proposals = this.proposalsSinceReady;
        this.proposalsSinceReady = 0;
        await this.handleReady(this.raw.ready(), proposals);
      }
      this.conditions.check();
    } catch (error) {
      if (!(error instanceof FailpointCrash)) this.fail(error);
    }
  }

  /** Hands everything in the inbox to the core; returns how many proposals it took. */
  private drain(): number {
    const work = this.inbox.take();
    for (const message of work.messages) this.raw.step(message);
    for (const peer of work.unreachable) this.raw.reportUnreachable(peer);
    for (let i = 0; i < work.ticks; i++) this.raw.tick();
    let proposed = 0;
    for (const proposal of work.proposals) {
      if (this.proposeToCore(proposal)) proposed++;
    }
    for (const control of work.controls) control.run();
    const requestId = this.reads.takeBatch();
    if (requestId !== null) this.raw.readIndex(requestId);
    return proposed;
  }

  private proposeToCore(proposal: QueuedProposal): boolean {
    if (proposal.pending.settled) return false;
    try {
      const { index, term } = this.raw.propose(proposal.data);
      this.proposals.track(index, term, proposal.pending);
      return true;
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      proposal.pending.reject(error.code === "not_leader" ? this.notLeader() : error);
      return false;
    }
  }

  /** DESIGN.md §4 steps 2–5 for one Ready. */
  private async handleReady(ready: Ready, proposals: number): Promise<void> {
    this.counters.readies++;
    this.observeSoftState(ready.softState, ready.hardState?.term ?? this.term);
    const sendFirst = this.sendsBeforePersist(ready);
    if (sendFirst) this.sendAll(ready.messages);
    await this.persist(ready, proposals);
    this.mirror(ready);
    if (!sendFirst) this.sendAll(ready.messages);
    if (ready.snapshot !== undefined) this.installSnapshot(ready.snapshot);
    this.applier.applyEntries(ready.committedEntries);
    const { state, appliedIndex } = this.applier;
    this.reads.onReadStates(ready.readStates, appliedIndex, state);
    this.reads.onFailures(ready.readIndexFailures);
    this.reads.onApplied(appliedIndex, state);
    this.raw.advance();
    this.afterReady(ready);
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
    const report = await this.store.persist({
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
    this.events.emit("persist", {
      durationMs: report.syncDurationMs,
      entries: ready.entries.length,
      proposals,
      bytes: report.bytes,
    });
  }

  /** Step 3a: what is durable becomes readable by the core. */
  private mirror(ready: Ready): void {
    if (ready.snapshot !== undefined) this.storage.applySnapshot(ready.snapshot);
    if (ready.entries.length > 0) {
      this.storage.append(ready.entries);
      this.proposals.onAppended(ready.entries);
    }
    if (ready.hardState !== undefined) {
      this.storage.setHardState(ready.hardState);
      if (ready.hardState.term !== this.term)
        this.events.emit("term", { term: ready.hardState.term });
      this.term = ready.hardState.term;
      this.commitIndex = ready.hardState.commit;
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
    return (
      this.role === "Leader" &&
      ready.messages.length > 0 &&
      (ready.hardState === undefined || ready.hardState.term === this.term)
    );
  }

  private sendAll(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.failpoint("crash-before-send");
    const observed = this.events.has("message");
    for (const message of messages) {
      this.transport.send(message);
      if (observed) {
        this.events.emit("message", { direction: "sent", type: message.type, peer: message.to });
      }
    }
  }

  private installSnapshot(snapshot: Snapshot): void {
    this.failpoint("crash-before-apply-snapshot");
    const startedAtMs = this.clock.monotonicMs();
    this.applier.install(snapshot);
    const restoreMs = this.clock.monotonicMs() - startedAtMs;
    this.failpoint("crash-after-apply-snapshot");
    const { index } = snapshot.metadata;
    const bytes = snapshot.data.byteLength;
    this.logger.info({ index, bytes, restoreMs }, "installed a snapshot from the leader");
    this.events.emit("snapshot", {
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
    const changedRole = softState.role !== this.role;
    this.role = softState.role;
    this.leaderId = softState.leaderId;
    this.logger.info({ role: softState.role, leaderId: softState.leaderId, term }, "raft role");
    this.events.emit("role", { role: softState.role, leaderId: softState.leaderId, term });
    if (changedRole) this.duties.rearm();
  }

  /** Step 5: what follows an apply — snapshot policy, leader duties, waiters, index events. */
  private afterReady(ready: Ready): void {
    const appliedSomething = ready.committedEntries.length > 0 || ready.snapshot !== undefined;
    if (appliedSomething) {
      this.duties.rearm();
      this.snapshots.maybeTake(this.applier.state, this.applier.appliedIndex);
    }
    if (appliedSomething || ready.hardState !== undefined) {
      this.events.emit("indexes", {
        commitIndex: this.commitIndex,
        appliedIndex: this.applier.appliedIndex,
      });
    }
    this.conditions.check();
  }

  // ── Failure ──────────────────────────────────────────────────────────────────────────────

  private failpoint(name: Failpoint): void {
    if (this.config.failpoints?.has(name) !== true) return;
    this.halted = true;
    this.logger.warn({ failpoint: name }, "failpoint reached: crashing");
    this.onCrash(name);
    throw new FailpointCrash(name);
  }

  /** Stops the loop for good and answers everyone waiting with `error`. */
  private halt(error: CoordinatorError): void {
    this.halted = true;
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.duties.stop();
    const left = this.inbox.take();
    for (const proposal of left.proposals) proposal.pending.reject(error);
    for (const control of left.controls) control.cancel(error);
    this.proposals.failAll(error);
    this.reads.failAll(error);
    this.conditions.releaseAll();
  }

  /** The node cannot go on (storage, corrupt snapshot, broken invariant): stop, say why, exit. */
  private fail(error: unknown): void {
    if (this.failure !== null) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    this.halt(new CoordinatorError("node_stopping", `the node stopped: ${failure.message}`));
    this.logger.error(
      { nodeId: this.nodeId, dataDir: this.store.dataDir, err: failure.message },
      `node ${this.nodeId} stopped: ${failure.message}`,
    );
    this.events.emit("fatal", { error: failure });
    this.onFatal(failure);
  }
}
