/**
 * The configuration of one coordinator node: who it is, who its peers are (and where their HTTP
 * API lives), and its timings. Defaults come from src/constants.ts; every value
 * is checked once, before anything starts.
 */
import * as constants from "../constants.js";
import type { NodeId } from "../util/ids.js";
import type { Failpoint } from "./failpoints.js";

/** The node's timings and log-size policy; every duration carries its unit. */
export interface NodeTimings {
  /** Wall-clock length of one Raft tick. */
  readonly tickIntervalMs: number;
  /** Base Raft election timeout; each term draws from [base, 2·base) (Raft §5.2). */
  readonly electionTimeoutTicks: number;
  /** A leader sends heartbeats every this many ticks. */
  readonly heartbeatIntervalTicks: number;
  /** Default time a proposal or linearizable read may take before `proposal_timeout`. */
  readonly proposalTimeoutMs: number;
  /** Applied entries between two snapshots (Raft §7). */
  readonly snapshotEveryEntries: number;
  /** Entries kept behind a snapshot so slow followers catch up without InstallSnapshot. */
  readonly snapshotLogTailEntries: number;
  /** Grace a new leader grants to every live lease (its LeaderChanged command). */
  readonly leaderChangeLeaseGraceMs: number;
  /** How long `transferLeadership` waits for the new leader. */
  readonly leadershipTransferTimeoutMs: number;
  /** On a graceful stop, how long in-flight proposals and reads get to be answered. */
  readonly stopDrainTimeoutMs: number;
}

/** Everything a node needs to know about itself and its cluster. */
export interface NodeConfig extends NodeTimings {
  readonly nodeId: NodeId;
  /**
   * The members this node knows from its flags, this node included: id → HTTP base URL
   * ("http://127.0.0.1:7101"). Peer traffic and the HTTP API share that port. Without `joining`
   * they are the voters of a fresh data directory (bootstrap). Once the data directory holds a
   * configuration (docs/MEMBERSHIP.md §4), that configuration decides who the members are; these
   * URLs then only supply addresses the configuration does not record.
   */
  readonly peers: ReadonlyMap<NodeId, string>;
  /**
   * This node joins a running cluster (`--join`): a fresh data directory starts with an EMPTY
   * configuration — the node never campaigns, and learns the configuration from the leader once
   * an operator added it as a learner. `peers` then lists the members it was told about (to link
   * to them), none of which it counts as voters.
   */
  readonly joining?: boolean;
  /** Failpoints armed for chaos tests; none in production. */
  readonly failpoints?: ReadonlySet<Failpoint>;
}

/** The node's timings (defaults in src/constants.ts). */
export const DEFAULT_NODE_TIMINGS: NodeTimings = Object.freeze({
  tickIntervalMs: constants.tickIntervalMs,
  electionTimeoutTicks: constants.electionTimeoutTicks,
  heartbeatIntervalTicks: constants.heartbeatIntervalTicks,
  proposalTimeoutMs: constants.proposalTimeoutMs,
  snapshotEveryEntries: constants.snapshotEveryEntries,
  snapshotLogTailEntries: constants.snapshotLogTailEntries,
  leaderChangeLeaseGraceMs: constants.leaderChangeLeaseGraceMs,
  leadershipTransferTimeoutMs: constants.leadershipTransferTimeoutMs,
  stopDrainTimeoutMs: constants.nodeStopDrainTimeoutMs,
});

/** A configuration that cannot work (a caller mistake, reported before anything starts). */
export class NodeConfigError extends Error {
  override readonly name = "NodeConfigError";
}

/**
 * A node configuration with the default timings, overridden by `timings`.
 * @throws NodeConfigError (see {@link validateNodeConfig})
 */
export function nodeConfig(
  identity: Pick<NodeConfig, "nodeId" | "peers" | "joining" | "failpoints">,
  timings: Partial<NodeTimings> = {},
): NodeConfig {
  const config: NodeConfig = { ...DEFAULT_NODE_TIMINGS, ...timings, ...identity };
  validateNodeConfig(config);
  return config;
}

/**
 * Checks that `config` can work.
 * @throws NodeConfigError when the node is not among its peers, a URL is not http(s), a timing
 *   is not a positive integer, heartbeats are not faster than elections, or the kept log tail
 *   is not shorter than the snapshot span
 */
export function validateNodeConfig(config: NodeConfig): void {
  if (!config.peers.has(config.nodeId)) {
    throw new NodeConfigError(`the node ${config.nodeId} is not among its peers`);
  }
  for (const [id, url] of config.peers) {
    if (!/^https?:\/\/[^/]+$/.test(url)) {
      throw new NodeConfigError(`the URL of ${id} must be http(s)://host:port, got "${url}"`);
    }
  }
  for (const name of Object.keys(DEFAULT_NODE_TIMINGS) as (keyof NodeTimings)[]) {
    const value = config[name];
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new NodeConfigError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (config.heartbeatIntervalTicks >= config.electionTimeoutTicks) {
    throw new NodeConfigError("heartbeatIntervalTicks must be below electionTimeoutTicks");
  }
  if (config.snapshotLogTailEntries >= config.snapshotEveryEntries) {
    throw new NodeConfigError("snapshotLogTailEntries must be below snapshotEveryEntries");
  }
}
