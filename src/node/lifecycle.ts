/**
 * The lifecycle of a coordinator node (docs/ARCHITECTURE.md §4.3): begin (transport handlers,
 * the tick), hand leadership over (Raft thesis §3.10), stop gracefully, halt, and fail. A
 * failure (a StorageError, a corrupt snapshot, a broken invariant) halts the node and calls the
 * injected `onFatal`: what happens next — exit the process, or, in the simulator, count the
 * node as crashed — is the caller's decision; src/node never exits the process.
 */
import { CoordinatorError } from "../errors.js";
import type { MemoryStorage } from "../raft/memory-storage.js";
import type { Message } from "../raft/messages.js";
import type { RawNode } from "../raft/raw-node.js";
import type { NodeId } from "../util/ids.js";
import type { ConditionWaiters } from "./conditions.js";
import type { NodeConfig } from "./config.js";
import type { NodeEvents } from "./events.js";
import type { LeaderDuties } from "./leader-duties.js";
import type { NodeLogger, NodeStore, NodeTimers, NodeTransport, TimerHandle } from "./ports.js";
import type { ProposalTracker } from "./proposals.js";
import type { ReadBatcher } from "./reads.js";
import type { ReadyLoop } from "./ready-loop.js";
import type { Snapshotter } from "./snapshots.js";
import type { NodePhase, Submitter } from "./submitter.js";

/** What the lifecycle starts, stops and answers. */
export interface LifecycleDeps {
  readonly config: NodeConfig;
  readonly store: NodeStore;
  readonly transport: NodeTransport;
  readonly timers: NodeTimers;
  readonly logger: NodeLogger;
  readonly events: NodeEvents;
  readonly storage: MemoryStorage;
  readonly raw: RawNode;
  readonly loop: ReadyLoop;
  readonly phase: NodePhase;
  readonly submitter: Submitter;
  readonly proposals: ProposalTracker;
  readonly reads: ReadBatcher;
  readonly conditions: ConditionWaiters;
  readonly duties: LeaderDuties;
  readonly snapshots: Snapshotter;
  /** The node stopped on an error it cannot continue after (production: exit non-zero). */
  readonly onFatal: (error: Error) => void;
}

/** Starts, hands over, stops and fails one node. */
export class NodeLifecycle {
  private failure: Error | null = null;
  private ticker: TimerHandle | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: LifecycleDeps) {}

  /** Subscribes to the transport, starts it and the tick, and wakes the loop. */
  begin(): void {
    const { transport, loop, config, timers, logger, store, storage } = this.deps;
    transport.subscribe({
      onMessage: (message) => this.onPeerMessage(message),
      onPeerStatus: (peer, status) => {
        if (status === "down" && !loop.halted) loop.inbox.peerUnreachable(peer);
      },
    });
    transport.start();
    this.ticker = timers.setInterval(() => loop.inbox.tick(), config.tickIntervalMs);
    logger.info(
      {
        nodeId: config.nodeId,
        dataDir: store.dataDir,
        term: loop.term,
        lastLogIndex: storage.lastIndex(),
      },
      "coordinator node started",
    );
    loop.wake();
  }

  /** Throws `node_stopping` unless the node takes new work. */
  assertAccepting(): void {
    if (!this.deps.phase.accepting()) {
      throw new CoordinatorError("node_stopping", `node ${this.deps.config.nodeId} is stopping`);
    }
  }

  /**
   * Hands leadership to voter `target` (thesis §3.10) and waits, at most
   * `leadershipTransferTimeoutMs`, until this node steps down or the core abandons the transfer.
   * @returns whether this node stepped down
   * @throws CoordinatorError "not_leader" | "no_leader" | "invalid_request" (not a voter)
   */
  async handOver(target: NodeId): Promise<boolean> {
    const { submitter, raw, conditions, loop, config } = this.deps;
    await submitter.inLoop(() => raw.transferLeadership(target));
    await conditions.wait(
      () => loop.role !== "Leader" || raw.status().leadTransferee === null,
      config.leadershipTransferTimeoutMs,
    );
    return loop.role !== "Leader";
  }

  /**
   * Hands leadership to `target` ({@link handOver}) and waits, at most
   * `leadershipTransferTimeoutMs` more, until another leader is known.
   * @returns whether another node now leads
   */
  async moveLeadership(target: NodeId): Promise<boolean> {
    const { loop, conditions, config } = this.deps;
    const steppedDown = await this.handOver(target);
    return (
      steppedDown &&
      (await conditions.wait(
        () => loop.leaderId !== null && loop.leaderId !== config.nodeId,
        config.leadershipTransferTimeoutMs,
      ))
    );
  }

  /** The voter to hand leadership to: connected first, then the most caught up, then by id. */
  mostCaughtUpPeer(): NodeId | null {
    const { raw, transport } = this.deps;
    const candidates = raw
      .status()
      .progress.filter((peer) => !peer.isLearner)
      .sort(
        (a, b) =>
          Number(transport.isConnected(b.id)) - Number(transport.isConnected(a.id)) ||
          b.matchIndex - a.matchIndex ||
          (a.id < b.id ? -1 : 1),
      );
    return candidates[0]?.id ?? null;
  }

  /**
   * Stops gracefully, once (later calls return the same promise): refuses new work
   * (`node_stopping`); a leader first hands leadership to the most caught-up peer (bounded by
   * `leadershipTransferTimeoutMs`); in-flight proposals and reads get `stopDrainTimeoutMs` to be
   * answered, the rest fail with `node_stopping`; then the tick and the loop stop, the commit
   * index is written, the transport closes and the store closes cleanly.
   */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    const { phase, duties, conditions, proposals, reads, loop, config } = this.deps;
    const wasRunning = phase.accepting();
    phase.value = "stopping";
    duties.stop();
    if (wasRunning) {
      await this.handOffOnStop();
      await conditions.wait(
        () => proposals.size === 0 && reads.size === 0 && loop.inbox.queuedProposals.length === 0,
        config.stopDrainTimeoutMs,
      );
    }
    await this.halt(new CoordinatorError("node_stopping", "the node is stopping"));
    if (this.failure === null) {
      await this.deps.snapshots.idle();
      if (wasRunning) await loop.flushHardState();
    }
    await this.deps.transport.close();
    await this.deps.store.close();
    phase.value = "stopped";
    this.deps.logger.info({ nodeId: config.nodeId }, "coordinator node stopped");
  }

  private async handOffOnStop(): Promise<void> {
    if (this.deps.loop.role !== "Leader") return;
    const target = this.mostCaughtUpPeer();
    if (target === null || !this.deps.transport.isConnected(target)) return;
    try {
      const steppedDown = await this.handOver(target);
      this.deps.logger.info({ target, steppedDown }, "leadership hand-over before stopping");
    } catch (error) {
      this.deps.logger.warn({ err: String(error) }, "leadership hand-over before stopping failed");
    }
  }

  private onPeerMessage(message: Message): void {
    const { loop, events } = this.deps;
    if (loop.halted) return;
    if (events.has("message")) {
      events.emit("message", { direction: "received", type: message.type, peer: message.from });
    }
    loop.inbox.message(message);
  }

  /**
   * Stops the loop for good and answers everyone waiting with `error`; resolves once a turn of
   * the loop under way has finished.
   */
  private halt(error: CoordinatorError): Promise<void> {
    const { loop, timers, duties, proposals, reads, conditions } = this.deps;
    const turnFinished = loop.halt();
    if (this.ticker !== null) timers.clearInterval(this.ticker);
    this.ticker = null;
    duties.stop();
    const left = loop.inbox.take();
    for (const proposal of left.proposals) proposal.pending.reject(error);
    for (const control of left.controls) control.cancel(error);
    proposals.failAll(error);
    reads.failAll(error);
    conditions.releaseAll();
    return turnFinished;
  }

  /** The node cannot go on (storage, corrupt snapshot, broken invariant): halt, say why. */
  fail(error: unknown): void {
    if (this.failure !== null) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    this.failure = failure;
    const { config, store, logger, events } = this.deps;
    void this.halt(new CoordinatorError("node_stopping", `the node stopped: ${failure.message}`));
    logger.error(
      { nodeId: config.nodeId, dataDir: store.dataDir, err: failure.message },
      `node ${config.nodeId} stopped: ${failure.message}`,
    );
    events.emit("fatal", { error: failure });
    this.deps.onFatal(failure);
  }
}
