/**
 * What one seed simulates: cluster size, Raft tuning, network behaviour, disk latency, how
 * often the nemesis strikes and with what, and how hard the client pushes. Every seed draws its
 * own mix and intensity (TigerBeetle's VOPR "swarm testing": a fault that is rare in one seed is
 * everywhere in another), so 1,000 seeds cover calm clusters, lossy ones, crash storms and
 * netsplit storms alike.
 */
import { assert } from "../../src/util/assert.js";
import type { Prng } from "../../src/util/prng.js";
import type { NodeTimings } from "../../src/node/config.js";
import type { RaftTuning } from "../../src/node/node-wiring.js";
import type { NetworkConfig } from "./network.js";
import type { MembershipConfig, MembershipOperation } from "./membership-operator.js";
import type { DiskConfig } from "./sim-store.js";
import type { WorkloadConfig } from "./workload.js";

/**
 * A fault the nemesis can inject (a network fault is always called a netsplit). A crashed node
 * restarts, and a paused one resumes, by itself after a random downtime.
 */
export type NemesisAction =
  | "crash"
  | "crashLeader"
  | "pause"
  | "netsplit"
  | "oneWayCut"
  | "isolateLeader"
  | "healNetwork"
  | "resetConnection"
  | "transferLeadership";

/** Every nemesis action, in a fixed order (weights are drawn in this order). */
export const NEMESIS_ACTIONS: readonly NemesisAction[] = Object.freeze([
  "crash",
  "crashLeader",
  "pause",
  "netsplit",
  "oneWayCut",
  "isolateLeader",
  "healNetwork",
  "resetConnection",
  "transferLeadership",
]);

/** One seed's world. Times in virtual ms. */
export interface Scenario {
  readonly nodeCount: 3 | 5;
  /** The production node's timings (src/node/config.ts), drawn per seed. */
  readonly timings: NodeTimings;
  /** The Raft core's flow control and election options, drawn per seed. */
  readonly raft: RaftTuning;
  /** Each node's clock runs at its own rate (drift) from its own offset. */
  readonly clockRates: readonly number[];
  readonly clockOffsetsMs: readonly number[];
  readonly network: NetworkConfig;
  readonly disk: DiskConfig;
  /** Mean time between nemesis actions; weights say which action is drawn. */
  readonly nemesisIntervalMsMean: number;
  readonly nemesisWeights: Readonly<Record<NemesisAction, number>>;
  /** A crashed or paused node comes back after 1..this many ms (pauses outlast elections). */
  readonly downtimeMsMax: number;
  /**
   * At most this many nodes are crashed or paused at once: a minority in most seeds (the
   * cluster can make progress between faults), all of them in some.
   */
  readonly nodesDownMax: number;
  readonly workload: WorkloadConfig;
  /** The membership operator: which changes, how often, and the new nodes' clocks. */
  readonly membership: MembershipConfig;
  /** Events to run with faults before healing. */
  readonly faultPhaseEvents: number;
  /** After healing, every plan must complete and the replicas converge within this long. */
  readonly healBoundMs: number;
}

function pick<T>(prng: Prng, options: readonly T[]): T {
  const value = options[prng.nextInt(options.length)];
  assert(value !== undefined, "pick from an empty list");
  return value;
}

/** A probability: zero in about a third of the seeds, otherwise up to `max`. */
function sometimes(prng: Prng, max: number): number {
  return prng.nextInt(3) === 0 ? 0 : prng.nextFloat() * max;
}

function drawTimings(prng: Prng, tickIntervalMs: number): NodeTimings {
  const electionTimeoutTicks = 5 + prng.nextInt(11);
  const snapshotEveryEntries = pick(prng, [10, 30, 100, 100_000]);
  return {
    tickIntervalMs,
    electionTimeoutTicks,
    heartbeatIntervalTicks: 1 + prng.nextInt(Math.max(1, Math.floor(electionTimeoutTicks / 3))),
    proposalTimeoutMs: pick(prng, [200, 1_000, 3_000]),
    snapshotEveryEntries,
    snapshotLogTailEntries: 1 + prng.nextInt(Math.min(snapshotEveryEntries - 1, 20)),
    leaderChangeLeaseGraceMs: pick(prng, [100, 500, 1_000]),
    leadershipTransferTimeoutMs: 20 * electionTimeoutTicks * tickIntervalMs,
    stopDrainTimeoutMs: 1_000,
  };
}

function drawRaftTuning(prng: Prng): RaftTuning {
  const appendBytesMax = pick(prng, [1, 1, 64, 256, 4096, 1024 * 1024]);
  return {
    preVote: prng.nextInt(4) !== 0,
    checkQuorum: prng.nextInt(4) !== 0,
    // Tiny windows and one-entry messages make Figure 8 and slow catch-up likely.
    inflightMessagesMax: pick(prng, [1, 2, 4, 16, 256]),
    appendBytesMax,
    // Never below one full message (src/constants.ts asserts the same for the defaults).
    inflightBytesMax: Math.max(appendBytesMax, pick(prng, [64, 4096, 32 * 1024 * 1024])),
    uncommittedBytesMax: pick(prng, [4096, 64 * 1024 * 1024]),
    snapshotChunkBytesMax: pick(prng, [64, 512, 1024 * 1024]),
  };
}

function drawWorkload(prng: Prng, electionSpanMs: number): WorkloadConfig {
  const leaseTtlMs = pick(prng, [1_000, 2_000]);
  return {
    plans: 1 + prng.nextInt(3),
    partitionsPerPlanMax: 1 + prng.nextInt(4),
    rowsPerPartition: pick(prng, [3, 9]),
    workers: 1 + prng.nextInt(3),
    stepMsMean: pick(prng, [10, 30, 60]),
    leaseTtlMs,
    heartbeatIntervalMs: Math.floor(leaseTtlMs / 3),
    failProbability: sometimes(prng, 0.2),
    operator: prng.nextInt(2) === 0,
    requestTimeoutMs: 2 * electionSpanMs + 3_000,
  };
}

function drawNetwork(prng: Prng, tickIntervalMs: number): NetworkConfig {
  const delayMsMin = prng.nextInt(3);
  return {
    delayMsMin,
    delayMsMax: delayMsMin + 1 + prng.nextInt(3 * tickIntervalMs),
    lossProbability: sometimes(prng, prng.nextInt(4) === 0 ? 0.3 : 0.05),
    duplicateProbability: sometimes(prng, 0.1),
    spikeProbability: sometimes(prng, 0.05),
    // Long spikes deliver messages from terms, and lives, long gone.
    spikeDelayMsMax: pick(prng, [20, 200]) * tickIntervalMs,
  };
}

function drawNemesisWeights(prng: Prng): Record<NemesisAction, number> {
  const weights = {} as Record<NemesisAction, number>;
  for (const action of NEMESIS_ACTIONS)
    weights[action] = prng.nextInt(3) === 0 ? 0 : 1 + prng.nextInt(4);
  // A crashed or paused node comes back by itself after its downtime; cut links need mending.
  const cuts = weights.netsplit + weights.oneWayCut + weights.isolateLeader;
  if (cuts > 0) weights.healNetwork = Math.max(weights.healNetwork, 1);
  return weights;
}

/** Every membership operation, in a fixed order (weights are drawn in this order). */
export const MEMBERSHIP_OPERATIONS: readonly MembershipOperation[] = Object.freeze([
  "add",
  "promote",
  "remove",
  "replace",
]);

/**
 * The membership operator of one seed: off in a quarter of the seeds (the cluster keeps its
 * first voters), otherwise each operation weighted 0..4 as the nemesis's actions are.
 */
function drawMembership(prng: Prng, electionSpanMs: number): MembershipConfig {
  const weights = {} as Record<MembershipOperation, number>;
  const on = prng.nextInt(4) !== 0;
  for (const operation of MEMBERSHIP_OPERATIONS)
    weights[operation] = on && prng.nextInt(3) !== 0 ? 1 + prng.nextInt(4) : 0;
  const joinersMax = 1 + prng.nextInt(4);
  const rates = () => (prng.nextInt(3) === 0 ? 1 : 0.9 + 0.2 * prng.nextFloat());
  return {
    weights,
    intervalMsMean: Math.ceil(pick(prng, [0.25, 0.5, 1, 2]) * electionSpanMs),
    joinersMax,
    forceProbability: sometimes(prng, 0.5),
    removeLeaderProbability: sometimes(prng, 0.5),
    startJoinerFirstProbability: prng.nextFloat(),
    removeLeaderOfTwoVoters: false,
    answerUnlinkedPeers: true,
    retryMsMean: Math.ceil(electionSpanMs / 2),
    clockRates: Array.from({ length: joinersMax }, rates),
    clockOffsetsMs: Array.from(
      { length: joinersMax },
      () => 1_700_000_000_000 + prng.nextInt(2_000),
    ),
  };
}

/**
 * Draws the world of one seed.
 * @param faultPhaseEvents how many events run before everything is healed (`--steps`)
 */
export function drawScenario(prng: Prng, nodeCount: 3 | 5, faultPhaseEvents: number): Scenario {
  const tickIntervalMs = pick(prng, [20, 40]);
  const timings = drawTimings(prng, tickIntervalMs);
  const electionSpanMs = 2 * timings.electionTimeoutTicks * tickIntervalMs;
  const rates = () => (prng.nextInt(3) === 0 ? 1 : 0.9 + 0.2 * prng.nextFloat());
  return {
    nodeCount,
    timings,
    raft: drawRaftTuning(prng),
    clockRates: Array.from({ length: nodeCount }, rates),
    clockOffsetsMs: Array.from(
      { length: nodeCount },
      () => 1_700_000_000_000 + prng.nextInt(2_000),
    ),
    network: drawNetwork(prng, tickIntervalMs),
    disk: {
      latencyMsMax: pick(prng, [0, 2, 10, 30]),
      writeErrorProbability: prng.nextInt(4) === 0 ? 0.002 : 0,
      readErrorProbability: prng.nextInt(4) === 0 ? 0.2 : 0,
    },
    // Relative to the election span, so that fast-electing seeds are not calm by accident.
    nemesisIntervalMsMean: Math.ceil(pick(prng, [0.5, 1, 3, 10]) * electionSpanMs),
    nemesisWeights: drawNemesisWeights(prng),
    downtimeMsMax: pick(prng, [electionSpanMs, 5 * electionSpanMs]),
    nodesDownMax: prng.nextInt(5) === 0 ? nodeCount : (nodeCount - 1) / 2,
    workload: drawWorkload(prng, electionSpanMs),
    // Drawn last, so that the rest of each seed's world is what it was before membership.
    membership: drawMembership(prng, electionSpanMs),
    faultPhaseEvents,
    // Elections, a lease running out, retry backoffs and the plans' remaining work.
    healBoundMs: 20 * electionSpanMs + 30_000,
  };
}
