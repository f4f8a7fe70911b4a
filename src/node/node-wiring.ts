/**
 * Builds one coordinator node from its ports and its durable state, in one explicit order
 * (docs/ARCHITECTURE.md §4.2): every part is made after the parts it calls, so no callback
 * reaches a part that does not exist yet. The Ready loop is made before the parts that react to
 * it (leader duties, snapshots, lifecycle) and is attached to them last.
 */
import * as constants from "../constants.js";
import { defaultRaftConfig } from "../raft/config.js";
import { MemoryStorage } from "../raft/memory-storage.js";
import { RawNode } from "../raft/raw-node.js";
import type { RaftConfig, RaftFaults } from "../raft/config.js";
import type { ConfState, Snapshot } from "../raft/types.js";
import type { LoadedRaftState } from "../storage/raft-store.js";
import type { Prng } from "../util/prng.js";
import { Applier } from "./applier.js";
import { ConditionWaiters } from "./conditions.js";
import { NodeConfigError, type NodeConfig } from "./config.js";
import { NodeEvents } from "./events.js";
import type { Failpoint } from "./failpoints.js";
import { NO_FAULTS, type NodeFaults } from "./faults.js";
import { LeaderDuties } from "./leader-duties.js";
import { MemberDirectory } from "./member-directory.js";
import { Membership } from "./membership.js";
import { NodeLifecycle } from "./lifecycle.js";
import type { NodeClock, NodeLogger, NodeStore, NodeTimers, NodeTransport } from "./ports.js";
import { ProposalTracker } from "./proposals.js";
import { ReadBatcher } from "./reads.js";
import { ReadyLoop } from "./ready-loop.js";
import type { LeaderInfo } from "./service.js";
import { Snapshotter } from "./snapshots.js";
import { NodePhase, Submitter, leaderInfo, notLeaderError } from "./submitter.js";

/** What a node is built from (all injected: production passes the real ports, tests fakes). */
export interface NodeDeps {
  readonly config: NodeConfig;
  /** The node's durable Raft store, open; the node closes it on stop. */
  readonly store: NodeStore;
  readonly transport: NodeTransport;
  readonly clock: NodeClock;
  readonly timers: NodeTimers;
  /** Randomness for election timeouts and read request ids. */
  readonly prng: Prng;
  readonly logger: NodeLogger;
  /** The node stopped on an error it cannot continue after (production: exit non-zero). */
  readonly onFatal: (error: Error) => void;
  /** An armed failpoint was reached (production: exit as if SIGKILLed). */
  readonly onCrash: (failpoint: Failpoint) => void;
  /**
   * Overrides of the Raft core's flow-control and election defaults (the simulator draws them
   * per seed, so that small windows and one-entry messages make rare interleavings common).
   */
  readonly raftTuning?: RaftTuning;
  /** Deliberate bugs, TEST ONLY (./faults.ts and the Raft core's RaftFaults). */
  readonly faults?: NodeFaults;
  readonly raftFaults?: RaftFaults;
}

/** The Raft core's knobs a node's builder may override. */
export type RaftTuning = Partial<
  Pick<
    RaftConfig,
    | "preVote"
    | "checkQuorum"
    | "inflightMessagesMax"
    | "inflightBytesMax"
    | "appendBytesMax"
    | "uncommittedBytesMax"
    | "snapshotChunkBytesMax"
  >
>;

/** Every part of a built node. */
export interface NodeParts {
  readonly config: NodeConfig;
  readonly store: NodeStore;
  readonly transport: NodeTransport;
  readonly clock: NodeClock;
  readonly logger: NodeLogger;
  readonly events: NodeEvents;
  readonly storage: MemoryStorage;
  readonly raw: RawNode;
  readonly applier: Applier;
  readonly proposals: ProposalTracker;
  readonly reads: ReadBatcher;
  readonly conditions: ConditionWaiters;
  readonly loop: ReadyLoop;
  readonly phase: NodePhase;
  readonly submitter: Submitter;
  readonly duties: LeaderDuties;
  readonly snapshots: Snapshotter;
  readonly lifecycle: NodeLifecycle;
  readonly directory: MemberDirectory;
  readonly membership: Membership;
  /** The leader as this node knows it, with its URL. */
  readonly leader: () => LeaderInfo;
}

/**
 * The configuration the node starts from, before the `Config` entries of its log: that of its
 * latest snapshot; on a data directory without one, the voters named by the flags (bootstrap),
 * with their addresses, or none for a joining node (docs/MEMBERSHIP.md §4, §7). A stored configuration wins over the
 * flags: membership is replicated state, and the flags only named the first voters.
 */
function startConfState(config: NodeConfig, snapshot: Snapshot | null): ConfState {
  const stored = snapshot?.metadata.confState;
  if (stored !== undefined) return stored;
  if (config.joining === true) return { voters: [], learners: [] };
  // The flags' addresses become the bootstrap configuration's, so the first change carries every
  // member's address to the nodes that join later (docs/MEMBERSHIP.md §2).
  const addresses = [...config.peers]
    .map(([id, url]) => ({ id, address: new URL(url).host }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { voters: addresses.map(({ id }) => id), learners: [], addresses };
}

/**
 * @throws NodeConfigError when the recovered configuration has committed this node's removal:
 *   its id is never a member again (docs/MEMBERSHIP.md §5), so it must not serve
 */
function checkNotRemoved(config: NodeConfig, raw: RawNode): void {
  const conf = raw.configuration();
  if (conf.changeInFlight || !(conf.removed ?? []).includes(config.nodeId)) return;
  throw new NodeConfigError(
    `node ${config.nodeId} was removed from the cluster (configuration at index ${conf.index}); ` +
      `its id is never reused: start a new node with a new id and an empty data directory, ` +
      `and add it with \`member add\` (docs/RUNBOOKS.md)`,
  );
}

/** The Raft core and the applied state, recovered from what the store loaded. */
function recoverCore(deps: NodeDeps, loaded: LoadedRaftState, events: NodeEvents) {
  const { config } = deps;
  const faults = deps.faults ?? NO_FAULTS;
  const { hardState, snapshot, entries } = loaded;
  const storage = new MemoryStorage({
    hardState,
    confState: startConfState(config, snapshot),
    ...(snapshot === null ? {} : { snapshot }),
    entries,
  });
  const proposals = new ProposalTracker(faults);
  const applier = new Applier(snapshot, proposals, events, faults);
  const raw = new RawNode({
    ...defaultRaftConfig(config.nodeId, storage, deps.prng.fork()),
    ...deps.raftTuning,
    electionTimeoutTicks: config.electionTimeoutTicks,
    heartbeatIntervalTicks: config.heartbeatIntervalTicks,
    applied: applier.appliedIndex,
    ...(deps.raftFaults === undefined ? {} : { faults: deps.raftFaults }),
  });
  checkNotRemoved(config, raw);
  const start = {
    term: hardState.term,
    commitIndex: Math.max(hardState.commit, applier.appliedIndex),
  };
  return { storage, proposals, applier, raw, start };
}

/**
 * Builds every part of a node over `loaded` (the production recovery path: hard state, latest
 * snapshot, log after it; the state machine restored from the snapshot, the core re-emits the
 * committed entries after it).
 * @throws NodeConfigError when the data directory belongs to another cluster layout
 * @throws SnapshotFormatError when the stored snapshot is not a coordinator snapshot
 */
export function wireNode(deps: NodeDeps, loaded: LoadedRaftState): NodeParts {
  const { config, store, transport, clock, timers, logger } = deps;
  const faults = deps.faults ?? NO_FAULTS;
  const events = new NodeEvents((name, error) =>
    logger.error({ event: name, err: String(error) }, "a node event listener failed"),
  );
  const { storage, proposals, applier, raw, start } = recoverCore(deps, loaded, events);
  const reads = new ReadBatcher(`${config.nodeId}.${deps.prng.nextUint32().toString(36)}`, faults);
  const conditions = new ConditionWaiters(timers);
  const failpoints = config.failpoints ?? new Set<Failpoint>();
  const loop = new ReadyLoop(
    {
      ...{ raw, storage, store, transport, applier, proposals, reads, conditions, events },
      ...{ clock, timers, logger, failpoints, faults },
    },
    start,
  );
  const phase = new NodePhase(loop);
  const submitter = new Submitter({ config, loop, phase, clock, timers, events });
  const duties = new LeaderDuties({
    clock,
    timers,
    events,
    logger,
    faults,
    leaderChangeLeaseGraceMs: config.leaderChangeLeaseGraceMs,
    tickIntervalMs: config.tickIntervalMs,
    leadingTerm: () => (loop.role === "Leader" && phase.accepting() ? loop.term : null),
    state: () => applier.state,
    propose: (command) => submitter.proposeOwn(command),
  });
  const snapshots = new Snapshotter({
    store,
    storage,
    everyEntries: config.snapshotEveryEntries,
    tailEntries: config.snapshotLogTailEntries,
    dutyCyclePercentMax: constants.snapshotDutyCyclePercentMax,
    monotonicMs: () => clock.monotonicMs(),
    events,
    onFailure: (error) => loop.fail(error),
  });
  const directory = new MemberDirectory(config, raw.configuration());
  const lifecycle = new NodeLifecycle({
    ...{ config, store, transport, timers, logger, events, storage, raw, loop, phase },
    ...{ submitter, proposals, reads, conditions, duties, snapshots, onFatal: deps.onFatal },
  });
  const leader = () => leaderInfo(directory, loop);
  const membership = new Membership({
    ...{ config, raw, loop, submitter, proposals, directory, transport, timers, events, logger },
    moveLeadership: (target) => lifecycle.moveLeadership(target),
    leader,
    stop: () => void lifecycle.stop(),
  });
  loop.attach({
    onRoleChanged: () => duties.rearm(),
    afterApply: (noOpTerm) => {
      if (noOpTerm !== null) duties.onNoOpApplied(noOpTerm);
      duties.rearm();
      snapshots.maybeTake(applier.state, applier.appliedIndex);
    },
    afterReady: () => membership.afterTurn(),
    notLeader: () => notLeaderError(leader()),
    onFailure: (error) => lifecycle.fail(error),
    onCrash: deps.onCrash,
  });
  return {
    ...{ config, store, transport, clock, logger, events, storage, raw, applier, proposals },
    ...{ reads, conditions, loop, phase, submitter, duties, snapshots, lifecycle },
    ...{ directory, membership, leader },
  };
}
