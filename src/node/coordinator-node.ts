/**
 * The coordinator node: the ONLY place where I/O meets consensus (DESIGN.md §2, §4). It builds
 * the Raft core over a MemoryStorage mirror of its durable store, restores the state machine,
 * and hands them to its serial {@link ReadyLoop}; socket and HTTP handlers and timers only push
 * onto the loop's inbox. On top it implements {@link NodeService} for the HTTP API: proposals
 * answered by (index, term), linearizable reads through ReadIndex, leadership transfer,
 * snapshots on demand, and the lifecycle — start from disk, graceful stop with a hand-over.
 *
 * A StorageError, a corrupt snapshot or a broken invariant stops the node (`onFatal`; the
 * process exits non-zero): it never continues on a guess.
 */
import * as constants from "../constants.js";
import { CoordinatorError } from "../errors.js";
import { defaultRaftConfig } from "../raft/config.js";
import { MemoryStorage } from "../raft/memory-storage.js";
import type { Message } from "../raft/messages.js";
import { RawNode } from "../raft/raw-node.js";
import type { ConfState, Snapshot } from "../raft/types.js";
import {
  checkCommand,
  stateHash,
  type ApplyResult,
  type Command,
  type CoordinatorState,
} from "../state-machine/index.js";
import type { LoadedRaftState } from "../storage/raft-store.js";
import type { NodeId } from "../util/ids.js";
import type { Prng } from "../util/prng.js";
import { encodeCommand } from "../wire/command-codec.js";
import { Applier } from "./applier.js";
import { ConditionWaiters } from "./conditions.js";
import { NodeConfigError, validateNodeConfig, type NodeConfig } from "./config.js";
import { NodeEvents, type ProposalOutcome } from "./events.js";
import type { Failpoint } from "./failpoints.js";
import { LeaderDuties } from "./leader-duties.js";
import { Pending, type Settlement } from "./pending.js";
import type { NodeClock, NodeLogger, NodeStore, NodeTransport } from "./ports.js";
import { ProposalTracker } from "./proposals.js";
import { ReadBatcher, pendingRead } from "./reads.js";
import { ReadyLoop, type LoopStats } from "./ready-loop.js";
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
  private readonly storage: MemoryStorage;
  private readonly raw: RawNode;
  private readonly applier: Applier;
  private readonly proposals = new ProposalTracker();
  private readonly reads: ReadBatcher;
  private readonly conditions = new ConditionWaiters();
  private readonly duties: LeaderDuties;
  private readonly snapshots: Snapshotter;
  private readonly loop: ReadyLoop;
  private phase: Phase = "running";
  private failure: Error | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

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
    this.events = new NodeEvents((name, error) =>
      this.logger.error({ event: name, err: String(error) }, "a node event listener failed"),
    );
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
    this.duties = this.createDuties();
    this.snapshots = new Snapshotter({
      store: this.store,
      storage: this.storage,
      everyEntries: config.snapshotEveryEntries,
      tailEntries: config.snapshotLogTailEntries,
      dutyCyclePercentMax: constants.snapshotDutyCyclePercentMax,
      monotonicMs: () => this.clock.monotonicMs(),
      events: this.events,
      onFailure: (error) => this.fail(error),
    });
    const commitIndex = Math.max(hardState.commit, this.applier.appliedIndex);
    this.loop = this.createLoop(deps.onCrash ?? exitOnCrash, hardState.term, commitIndex);
  }

  private createDuties(): LeaderDuties {
    return new LeaderDuties({
      clock: this.clock,
      events: this.events,
      logger: this.logger,
      leaderChangeLeaseGraceMs: this.config.leaderChangeLeaseGraceMs,
      tickIntervalMs: this.config.tickIntervalMs,
      leadingTerm: () => (this.loop.role === "Leader" && this.accepting() ? this.loop.term : null),
      state: () => this.applier.state,
      propose: (command) => this.proposeOwn(command),
    });
  }

  private createLoop(onCrash: (failpoint: Failpoint) => void, term: number, commitIndex: number) {
    const parts = {
      raw: this.raw,
      storage: this.storage,
      store: this.store,
      transport: this.transport,
      applier: this.applier,
      proposals: this.proposals,
      reads: this.reads,
      conditions: this.conditions,
      events: this.events,
      clock: this.clock,
      logger: this.logger,
      failpoints: this.config.failpoints ?? new Set<Failpoint>(),
      hooks: {
        onRoleChanged: () => this.duties.rearm(),
        afterApply: () => {
          this.duties.rearm();
          this.snapshots.maybeTake(this.applier.state, this.applier.appliedIndex);
        },
        notLeader: () => this.notLeader(),
        onFailure: (error: unknown) => this.fail(error),
        onCrash,
      },
    };
    return new ReadyLoop(parts, { term, commitIndex });
  }

  private begin(): void {
    this.transport.subscribe({
      onMessage: (message) => this.onPeerMessage(message),
      onPeerStatus: (peer, status) => {
        if (status === "down" && !this.loop.halted) this.loop.inbox.peerUnreachable(peer);
      },
    });
    this.transport.start();
    this.ticker = setInterval(() => this.loop.inbox.tick(), this.config.tickIntervalMs);
    this.logger.info(
      {
        nodeId: this.nodeId,
        dataDir: this.store.dataDir,
        term: this.loop.term,
        appliedIndex: this.applier.appliedIndex,
        lastLogIndex: this.storage.lastIndex(),
      },
      "coordinator node started",
    );
    this.loop.wake();
  }

  // ── NodeService ──────────────────────────────────────────────────────────────────────────

  /** {@inheritDoc NodeService.propose} */
  async propose(command: Command, options: ProposeOptions = {}): Promise<ApplyResult> {
    this.assertAccepting();
    if (this.loop.role !== "Leader") throw this.notLeader();
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

  /** {@inheritDoc NodeService.read} */
  async read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T> {
    this.assertAccepting();
    if (consistency === "stale") return query(this.applier.state);
    if (this.loop.leaderId === null) {
      throw new CoordinatorError("no_leader", "no leader is known to serve a linearizable read");
    }
    const timeoutMs = this.config.proposalTimeoutMs;
    const pending = new Pending<T>(
      timeoutMs,
      () =>
        new CoordinatorError("proposal_timeout", `the read was not served within ${timeoutMs} ms`),
    );
    this.reads.enqueue(pendingRead(query, pending));
    this.loop.wake();
    return pending.promise;
  }

  /** {@inheritDoc NodeService.leader} */
  leader(): LeaderInfo {
    const leaderId = this.loop.leaderId;
    return {
      leaderId,
      leaderUrl: leaderId === null ? null : (this.config.peers.get(leaderId) ?? null),
    };
  }

  /** {@inheritDoc NodeService.raftStatus} */
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

  /** {@inheritDoc NodeService.isReady} */
  isReady(): boolean {
    return (
      this.accepting() &&
      this.loop.leaderId !== null &&
      this.applier.appliedIndex >= this.loop.commitIndex
    );
  }

  /** {@inheritDoc NodeService.waitForApply} */
  waitForApply(sinceIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.loop.halted) return Promise.resolve(false);
    return this.conditions.wait(() => this.applier.appliedIndex > sinceIndex, timeoutMs, signal);
  }

  /** {@inheritDoc NodeService.appliedIndex} */
  appliedIndex(): number {
    return this.applier.appliedIndex;
  }

  /** {@inheritDoc NodeService.transferLeadership} */
  async transferLeadership(to?: NodeId): Promise<LeaderInfo> {
    this.assertAccepting();
    if (this.loop.role !== "Leader") throw this.notLeader();
    const target = to ?? this.mostCaughtUpPeer();
    if (target === null) throw new CoordinatorError("invalid_request", "no peer to hand over to");
    if (target === this.nodeId) return this.leader();
    const timeoutMs = this.config.leadershipTransferTimeoutMs;
    const steppedDown = await this.handOver(target);
    const moved =
      steppedDown &&
      (await this.conditions.wait(
        () => this.loop.leaderId !== null && this.loop.leaderId !== this.nodeId,
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

  /** {@inheritDoc NodeService.snapshotNow} */
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
    return this.loop.stats();
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
          this.loop.inbox.queuedProposals.length === 0,
        this.config.stopDrainTimeoutMs,
      );
    }
    await this.halt(new CoordinatorError("node_stopping", "the node is stopping"));
    if (this.failure === null) {
      await this.snapshots.idle();
      if (wasRunning) await this.loop.flushHardState();
    }
    await this.transport.close();
    await this.store.close();
    this.phase = "stopped";
    this.logger.info({ nodeId: this.nodeId }, "coordinator node stopped");
  }

  private async handOffOnStop(): Promise<void> {
    if (this.loop.role !== "Leader") return;
    const target = this.mostCaughtUpPeer();
    if (target === null || !this.transport.isConnected(target)) return;
    try {
      const steppedDown = await this.handOver(target);
      this.logger.info({ target, steppedDown }, "leadership hand-over before stopping");
    } catch (error) {
      this.logger.warn({ err: String(error) }, "leadership hand-over before stopping failed");
    }
  }

  // ── Inputs ───────────────────────────────────────────────────────────────────────────────

  private accepting(): boolean {
    return this.phase === "running" && !this.loop.halted;
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
    if (this.loop.halted) return;
    if (this.events.has("message")) {
      this.events.emit("message", {
        direction: "received",
        type: message.type,
        peer: message.from,
      });
    }
    this.loop.inbox.message(message);
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
    this.loop.inbox.proposal({ data, commandType, pending });
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
    if (this.loop.halted) {
      return Promise.reject(new CoordinatorError("node_stopping", "the node is stopping"));
    }
    return new Promise<T>((resolve, reject) => {
      this.loop.inbox.control({
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
      () => this.loop.role !== "Leader" || this.raw.status().leadTransferee === null,
      this.config.leadershipTransferTimeoutMs,
    );
    return this.loop.role !== "Leader";
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

  // ── Failure ──────────────────────────────────────────────────────────────────────────────

  /**
   * Stops the loop for good and answers everyone waiting with `error`; resolves once a turn of
   * the loop under way has finished.
   */
  private halt(error: CoordinatorError): Promise<void> {
    const turnFinished = this.loop.halt();
    if (this.ticker !== null) clearInterval(this.ticker);
    this.ticker = null;
    this.duties.stop();
    const left = this.loop.inbox.take();
    for (const proposal of left.proposals) proposal.pending.reject(error);
    for (const control of left.controls) control.cancel(error);
    this.proposals.failAll(error);
    this.reads.failAll(error);
    this.conditions.releaseAll();
    return turnFinished;
  }

  /** The node cannot go on (storage, corrupt snapshot, broken invariant): stop, say why, exit. */
  private fail(error: unknown): void {
    if (this.failure !== null) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    void this.halt(new CoordinatorError("node_stopping", `the node stopped: ${failure.message}`));
    this.logger.error(
      { nodeId: this.nodeId, dataDir: this.store.dataDir, err: failure.message },
      `node ${this.nodeId} stopped: ${failure.message}`,
    );
    this.events.emit("fatal", { error: failure });
    this.onFatal(failure);
  }
}
