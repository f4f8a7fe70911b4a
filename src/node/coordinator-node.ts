/**
 * The coordinator node: the ONLY place where I/O meets consensus (docs/ARCHITECTURE.md §2, §4).
 * It is built by ./node-wiring.ts from its ports (./ports.ts) and the state its store loads;
 * socket and HTTP handlers and timers only push onto its serial {@link ReadyLoop}'s inbox. On top
 * it implements {@link NodeService} for the HTTP API (and the simulator's clients): proposals
 * answered by (index, term), linearizable reads through ReadIndex, leadership transfer,
 * snapshots on demand; ./lifecycle.ts starts, stops and fails it.
 *
 * A StorageError, a corrupt snapshot or a broken invariant stops the node and calls the injected
 * `onFatal`: it never continues on a guess.
 */
import * as constants from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { RaftStatus } from "../raft/ready.js";
import {
  checkCommand,
  stateHash,
  type ApplyResult,
  type Command,
  type CoordinatorState,
} from "../state-machine/index.js";
import type { NodeId } from "../util/ids.js";
import { encodeCommand } from "../wire/command-codec.js";
import { validateNodeConfig } from "./config.js";
import type { NodeEvents } from "./events.js";
import { wireNode, type NodeDeps, type NodeParts } from "./node-wiring.js";
import { Pending } from "./pending.js";
import type { NodeTimers } from "./ports.js";
import { pendingRead } from "./reads.js";
import type { LoopStats } from "./ready-loop.js";
import type {
  LeaderInfo,
  MembershipView,
  NodeService,
  PeerStatusView,
  ProposeOptions,
  RaftStatusView,
  ReadConsistency,
  RemoveMemberOptions,
} from "./service.js";
import type { SnapshotInfo } from "./snapshots.js";
import { notLeaderError } from "./submitter.js";

export type { NodeDeps } from "./node-wiring.js";

/** A coordinator node; see the module comment. Create with {@link CoordinatorNode.start}. */
export class CoordinatorNode implements NodeService {
  readonly nodeId: NodeId;
  /** Typed events for metrics, the mirror and tests (./events.ts). */
  readonly events: NodeEvents;

  /**
   * Loads the node's durable state from `deps.store`, restores the state machine from the
   * latest snapshot, builds the node over it and starts the transport, the tick and the loop.
   * @throws NodeConfigError for a configuration that cannot work or does not match the data
   * @throws StorageError when the store cannot be read (the caller closes it)
   * @throws SnapshotFormatError when the stored snapshot is not a coordinator snapshot
   */
  static async start(deps: NodeDeps): Promise<CoordinatorNode> {
    validateNodeConfig(deps.config);
    const loaded = await deps.store.load();
    const node = new CoordinatorNode(wireNode(deps, loaded), deps.timers);
    node.parts.membership.afterTurn();
    node.parts.lifecycle.begin();
    return node;
  }

  private constructor(
    private readonly parts: NodeParts,
    private readonly timers: NodeTimers,
  ) {
    this.nodeId = parts.config.nodeId;
    this.events = parts.events;
  }

  // ── NodeService ──────────────────────────────────────────────────────────────────────────

  /** {@inheritDoc NodeService.propose} */
  async propose(command: Command, options: ProposeOptions = {}): Promise<ApplyResult> {
    const { lifecycle, loop, config, clock, submitter } = this.parts;
    lifecycle.assertAccepting();
    if (loop.role !== "Leader") throw notLeaderError(this.leader());
    const timeoutMs = options.timeoutMs ?? config.proposalTimeoutMs;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new CoordinatorError("invalid_request", `timeoutMs must be a positive integer`);
    }
    const checked = checkCommand(command);
    if ("status" in checked) throw new CoordinatorError("invalid_request", checked.detail);
    const data = encodeCommand({
      proposedAtMs: Math.floor(clock.nowMs()),
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
    return submitter.submit(data, command, timeoutMs);
  }

  /** {@inheritDoc NodeService.read} */
  async read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T> {
    const { lifecycle, loop, applier, config, reads } = this.parts;
    lifecycle.assertAccepting();
    if (consistency === "stale") return query(applier.state);
    if (loop.leaderId === null) {
      throw new CoordinatorError("no_leader", "no leader is known to serve a linearizable read");
    }
    const timeoutMs = config.proposalTimeoutMs;
    const pending = new Pending<T>(
      this.timers,
      timeoutMs,
      () =>
        new CoordinatorError("proposal_timeout", `the read was not served within ${timeoutMs} ms`),
    );
    reads.enqueue(pendingRead(query, pending));
    loop.wake();
    return pending.promise;
  }

  /** {@inheritDoc NodeService.leader} */
  leader(): LeaderInfo {
    return this.parts.leader();
  }

  /** {@inheritDoc NodeService.raftStatus} */
  raftStatus(options: { withStateHash?: boolean } = {}): RaftStatusView {
    const { raw, config, transport, applier } = this.parts;
    const status = raw.status();
    const configuration = raw.configuration();
    const peers: PeerStatusView[] = status.progress.map((peer) => ({
      id: peer.id,
      matchIndex: peer.matchIndex,
      nextIndex: peer.nextIndex,
      state: peer.state,
      lastContactMs: peer.ticksSinceContact * config.tickIntervalMs,
      connected: transport.isConnected(peer.id),
    }));
    return {
      nodeId: this.nodeId,
      role: status.role,
      term: status.term,
      leaderId: status.leaderId,
      commitIndex: status.commitIndex,
      lastApplied: applier.appliedIndex,
      lastLogIndex: status.lastLogIndex,
      snapshotIndex: status.snapshotIndex,
      peers,
      membership: {
        voters: configuration.voters,
        learners: configuration.learners,
        configIndex: configuration.index,
        changeInFlight: configuration.changeInFlight,
      },
      ...(options.withStateHash === true ? { stateHash: stateHash(applier.state) } : {}),
    };
  }

  /** {@inheritDoc NodeService.isReady} */
  isReady(): boolean {
    const { phase, loop, applier } = this.parts;
    return phase.accepting() && loop.leaderId !== null && applier.appliedIndex >= loop.commitIndex;
  }

  /** {@inheritDoc NodeService.waitForApply} */
  waitForApply(sinceIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const { loop, conditions, applier } = this.parts;
    if (loop.halted) return Promise.resolve(false);
    return conditions.wait(() => applier.appliedIndex > sinceIndex, timeoutMs, signal);
  }

  /** {@inheritDoc NodeService.appliedIndex} */
  appliedIndex(): number {
    return this.parts.applier.appliedIndex;
  }

  /** {@inheritDoc NodeService.transferLeadership} */
  async transferLeadership(to?: NodeId): Promise<LeaderInfo> {
    const { lifecycle, loop, config } = this.parts;
    lifecycle.assertAccepting();
    if (loop.role !== "Leader") throw notLeaderError(this.leader());
    const target = to ?? lifecycle.mostCaughtUpPeer();
    if (target === null) throw new CoordinatorError("invalid_request", "no peer to hand over to");
    if (target === this.nodeId) return this.leader();
    const timeoutMs = config.leadershipTransferTimeoutMs;
    if (!(await lifecycle.moveLeadership(target))) {
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
    const { lifecycle, snapshots, submitter, applier } = this.parts;
    lifecycle.assertAccepting();
    await snapshots.idle();
    return submitter.inLoop<Promise<SnapshotInfo>>(() =>
      snapshots.takeNow(applier.state, applier.appliedIndex),
    );
  }

  /** {@inheritDoc NodeService.members} */
  members(): MembershipView {
    return this.parts.membership.view();
  }

  /** {@inheritDoc NodeService.addMember} */
  addMember(id: NodeId, address: string): Promise<MembershipView> {
    this.parts.lifecycle.assertAccepting();
    return this.parts.membership.add(id, address);
  }

  /** {@inheritDoc NodeService.promoteMember} */
  promoteMember(id: NodeId): Promise<MembershipView> {
    this.parts.lifecycle.assertAccepting();
    return this.parts.membership.promote(id);
  }

  /** {@inheritDoc NodeService.removeMember} */
  removeMember(id: NodeId, options?: RemoveMemberOptions): Promise<MembershipView> {
    this.parts.lifecycle.assertAccepting();
    return this.parts.membership.remove(id, options);
  }

  // ── Beyond NodeService ───────────────────────────────────────────────────────────────────

  /** Counters of the loop (group commit figures). */
  loopStats(): LoopStats {
    return this.parts.loop.stats();
  }

  /** The Raft core's own status (term, vote, commit, applied, role), for checkers and tests. */
  coreStatus(): RaftStatus {
    return this.parts.raw.status();
  }

  /** The applied state (read-only by contract), for checkers comparing replicas. */
  appliedState(): CoordinatorState {
    return this.parts.applier.state;
  }

  /**
   * Stops gracefully, once; see {@link NodeLifecycle.stop} in ./lifecycle.ts.
   */
  stop(): Promise<void> {
    return this.parts.lifecycle.stop();
  }
}
