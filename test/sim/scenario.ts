/**
 * What one seed simulates: cluster size, Raft tuning, network behaviour, disk latency, how
 * often the nemesis strikes and with what, and how hard the client pushes. Every seed draws its
 * own mix and intensity (TigerBeetle's VOPR "swarm testing": a fault that is rare in one seed is
 * everywhere in another), so 1,000 seeds cover calm clusters, lossy ones, crash storms and
 * netsplit storms alike.
 */
import { assert } from "../../src/util/assert.js";
import type { Prng } from "../../src/util/prng.js";
import type { RaftConfig } from "../../src/raft/config.js";
import type { NetworkConfig } from "./network.js";

/** The per-seed values of the Raft core's configuration (the rest is per node). */
export type RaftTuning = Pick<
  RaftConfig,
  | "electionTimeoutTicks"
  | "heartbeatIntervalTicks"
  | "preVote"
  | "checkQuorum"
  | "inflightMessagesMax"
  | "appendBytesMax"
  | "uncommittedBytesMax"
  | "snapshotChunkBytesMax"
> & { readonly inflightBytesMax: number };

/**
 * A fault the nemesis can inject (DESIGN.md §10: a network fault is a netsplit). A crashed node
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
  readonly raft: RaftTuning;
  /** Virtual length of one Raft tick; each tick of a node is late or early by ≤ `tickJitterMs`. */
  readonly tickIntervalMs: number;
  readonly tickJitterMs: number;
  /** Each node's clock runs at its own rate: its tick interval is scaled by these factors. */
  readonly clockRates: readonly number[];
  readonly network: NetworkConfig;
  /** fsync takes 0..this many ms; messages of a Ready wait for it. */
  readonly syncLatencyMsMax: number;
  /** The application snapshots every this many applied entries, keeping this many behind. */
  readonly snapshotEveryEntries: number;
  readonly snapshotLogTailEntries: number;
  /** Mean time between nemesis actions; weights say which action is drawn. */
  readonly nemesisIntervalMsMean: number;
  readonly nemesisWeights: Readonly<Record<NemesisAction, number>>;
  /** A crashed or paused node comes back after 1..this many ms. */
  readonly downtimeMsMax: number;
  /**
   * At most this many nodes are crashed or paused at once: a minority in most seeds (the
   * cluster can make progress between faults), all of them in some.
   */
  readonly nodesDownMax: number;
  /** Mean time between client proposals, proposals outstanding at once, command size. */
  readonly proposeIntervalMsMean: number;
  readonly proposalsInFlightMax: number;
  readonly commandBytesMax: number;
  /** Mean time between ReadIndex reads (0: no reads in this seed). */
  readonly readIntervalMsMean: number;
  /** Events to run with faults before healing. */
  readonly faultPhaseEvents: number;
  /** After healing, a leader and convergence must come within this much virtual time. */
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

function drawRaftTuning(prng: Prng): RaftTuning {
  const electionTimeoutTicks = 5 + prng.nextInt(11);
  const appendBytesMax = pick(prng, [1, 1, 64, 256, 4096, 1024 * 1024]);
  return {
    electionTimeoutTicks,
    heartbeatIntervalTicks: 1 + prng.nextInt(Math.max(1, Math.floor(electionTimeoutTicks / 3))),
    preVote: prng.nextInt(4) !== 0,
    checkQuorum: prng.nextInt(4) !== 0,
    // Tiny windows and one-entry messages make Figure 8 and slow catch-up likely.
    inflightMessagesMax: pick(prng, [1, 2, 4, 16, 256]),
    appendBytesMax,
    // Never below one full message (src/constants.ts asserts the same for the defaults).
    inflightBytesMax: Math.max(appendBytesMax, pick(prng, [64, 4096, 32 * 1024 * 1024])),
    uncommittedBytesMax: pick(prng, [512, 4096, 64 * 1024 * 1024]),
    snapshotChunkBytesMax: pick(prng, [16, 64, 512, 1024 * 1024]),
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

/**
 * Draws the world of one seed.
 * @param faultPhaseEvents how many events run before everything is healed (`--steps`)
 */
export function drawScenario(prng: Prng, nodeCount: 3 | 5, faultPhaseEvents: number): Scenario {
  const tickIntervalMs = 10;
  const raft = drawRaftTuning(prng);
  const snapshotEveryEntries = pick(prng, [5, 20, 100, 100_000]);
  const electionSpanMs = 2 * raft.electionTimeoutTicks * tickIntervalMs;
  return {
    nodeCount,
    raft,
    tickIntervalMs,
    tickJitterMs: prng.nextInt(3),
    clockRates: Array.from({ length: nodeCount }, () =>
      prng.nextInt(3) === 0 ? 1 : 0.8 + 0.4 * prng.nextFloat(),
    ),
    network: drawNetwork(prng, tickIntervalMs),
    syncLatencyMsMax: pick(prng, [0, 2, 10, 30]),
    snapshotEveryEntries,
    snapshotLogTailEntries: prng.nextInt(Math.min(snapshotEveryEntries, 50)),
    // Relative to the election span, so that fast-electing seeds are not calm by accident.
    nemesisIntervalMsMean: Math.ceil(pick(prng, [0.25, 0.5, 1, 3, 10]) * electionSpanMs),
    nemesisWeights: drawNemesisWeights(prng),
    downtimeMsMax: pick(prng, [electionSpanMs, 5 * electionSpanMs]),
    nodesDownMax: prng.nextInt(5) === 0 ? nodeCount : (nodeCount - 1) / 2,
    proposeIntervalMsMean: pick(prng, [2, 10, 50]),
    proposalsInFlightMax: 1 + prng.nextInt(8),
    commandBytesMax: 1 + prng.nextInt(64),
    readIntervalMsMean: pick(prng, [0, 20, 200]),
    faultPhaseEvents,
    // Several election rounds (split votes under a lossless network resolve in a few) plus the
    // time to ship a snapshot in small chunks. Seeds 1..300 converge within 7 spans at most.
    healBoundMs: 10 * electionSpanMs + 1_000,
  };
}
