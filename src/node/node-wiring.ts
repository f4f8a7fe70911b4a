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
import type { NodeId } from "../util/ids.js";
import type { Prng } from "../util/prng.js";
import { Applier } from "./applier.js";
import { ConditionWaiters } from "./conditions.js";
import { NodeConfigError, type NodeConfig } from "./config.js";
import { NodeEvents } from "./events.js";
import type { Failpoint } from "./failpoints.js";
import { NO_FAULTS, type NodeFaults } from "./faults.js";
import { LeaderDuties } from "./leader-duties.js";
import { NodeLifecycle } from "./lifecycle.js";
import type { NodeClock, NodeLogger, NodeStore, NodeTimers, NodeTransport } from "./ports.js";
import { ProposalTracker } from "./proposals.js";
import { ReadBatcher } from "./reads.js";
import { ReadyLoop } from "./ready-loop.js";
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
  const lifecycle = new NodeLifecycle({
    ...{ config, store, transport, timers, logger, events, storage, raw, loop, phase },
    ...{ submitter, proposals, reads, conditions, duties, snapshots, onFatal: deps.onFatal },
  });
  loop.attach({
    onRoleChanged: () => duties.rearm(),
    afterApply: (noOpTerm) => {
      if (noOpTerm !== null) duties.onNoOpApplied(noOpTerm);
      duties.rearm();
      snapshots.maybeTake(applier.state, applier.appliedIndex);
    },
    notLeader: () => notLeaderError(leaderInfo(config.peers, loop)),
    onFailure: (error) => lifecycle.fail(error),
    onCrash: deps.onCrash,
  });
  return {
    ...{ config, store, transport, clock, logger, events, storage, raw, applier, proposals },
    ...{ reads, conditions, loop, phase, submitter, duties, snapshots, lifecycle },
  };
}
