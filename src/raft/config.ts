/**
 * The configuration of one Raft node: its identity, where it reads its log, its source of
 * randomness, its timing in ticks and its flow-control limits. Time and randomness are inputs
 * (docs/ARCHITECTURE.md §1): the core counts `tick()` calls and draws election timeouts from
 * `prng`.
 */
import * as constants from "../constants.js";
import type { LogIndex, NodeId } from "../util/ids.js";
import type { Prng } from "../util/prng.js";
import type { Storage } from "./storage.js";

/**
 * Deliberately injected bugs, so that the simulator can prove it catches a broken core.
 * TEST ONLY: off unless set, never set in production.
 */
export interface RaftFaults {
  /** Violate Raft §5.4.2 (Figure 8): commit entries of earlier terms by counting replicas. */
  readonly commitPreviousTermByCounting?: boolean;
  /** Violate Raft §5.2 (one vote per term): grant a vote to a second candidate in the same term. */
  readonly grantVoteTwice?: boolean;
  /**
   * Violate thesis §4.1 (the correction to single-server changes, docs/MEMBERSHIP.md §3): let a
   * new leader propose a configuration change before it committed an entry of its own term.
   */
  readonly proposeConfigBeforeOwnTermCommit?: boolean;
}

/** Everything a {@link RawNode} needs to start. Durations are in ticks, sizes in bytes. */
export interface RaftConfig {
  /** This node's id; must be a voter or learner of the stored configuration to take part. */
  readonly id: NodeId;
  /** The read interface of the node's stable storage (MemoryStorage in tests and production). */
  readonly storage: Storage;
  /** The only source of randomness (election timeouts). */
  readonly prng: Prng;
  /** Base election timeout; each term a node draws its timeout from [base, 2·base) (Raft §5.2). */
  readonly electionTimeoutTicks: number;
  /** A leader sends heartbeats every this many ticks; must be below `electionTimeoutTicks`. */
  readonly heartbeatIntervalTicks: number;
  /** Run a PreVote round before a real election (thesis §9.6). */
  readonly preVote: boolean;
  /**
   * A leader steps down when it has not heard from a quorum within an election timeout, and a
   * node that heard from a live leader within one refuses votes (thesis §6.2, §9.6).
   */
  readonly checkQuorum: boolean;
  /** AppendEntries messages in flight to one follower in the Replicate state. */
  readonly inflightMessagesMax: number;
  /**
   * Entry bytes in flight to one follower before the leader pauses. Optional: defaults to
   * `constants.raftInflightBytesMax`.
   */
  readonly inflightBytesMax?: number;
  /** Entry bytes in one AppendEntries (a message always carries at least one entry). */
  readonly appendBytesMax: number;
  /** Uncommitted entry bytes a leader holds before it refuses proposals (thesis §10.2.3). */
  readonly uncommittedBytesMax: number;
  /** Bytes of snapshot data in one InstallSnapshot chunk. */
  readonly snapshotChunkBytesMax: number;
  /** The last index the application has applied: 0, or the snapshot index it restored from. */
  readonly applied: LogIndex;
  /** TEST ONLY: deliberately injected bugs (see {@link RaftFaults}). */
  readonly faults?: RaftFaults;
}

/** A configuration that cannot work; thrown by {@link validateRaftConfig} (a caller mistake). */
export class RaftConfigError extends Error {
  override readonly name = "RaftConfigError";
}

/**
 * The defaults of src/constants.ts for node `id`, with PreVote and CheckQuorum
 * on and `applied` at the stored snapshot's index (what an application restoring from that
 * snapshot has applied).
 */
export function defaultRaftConfig(id: NodeId, storage: Storage, prng: Prng): RaftConfig {
  return {
    id,
    storage,
    prng,
    electionTimeoutTicks: constants.electionTimeoutTicks,
    heartbeatIntervalTicks: constants.heartbeatIntervalTicks,
    preVote: true,
    checkQuorum: true,
    inflightMessagesMax: constants.raftInflightMessagesMax,
    inflightBytesMax: constants.raftInflightBytesMax,
    appendBytesMax: constants.raftAppendBytesMax,
    uncommittedBytesMax: constants.raftUncommittedBytesMax,
    snapshotChunkBytesMax: constants.snapshotChunkBytesMax,
    applied: storage.snapshot().metadata.index,
  };
}

function requirePositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RaftConfigError(`${name} must be a positive integer, got ${value}`);
  }
}

/**
 * Checks that `config` can work and matches its storage.
 * @throws RaftConfigError when a limit is not a positive integer, heartbeats are not faster than
 *   elections, or `applied` lies outside [storage.firstIndex() - 1, stored commit]
 */
export function validateRaftConfig(config: RaftConfig): void {
  requirePositiveInteger("electionTimeoutTicks", config.electionTimeoutTicks);
  requirePositiveInteger("heartbeatIntervalTicks", config.heartbeatIntervalTicks);
  requirePositiveInteger("inflightMessagesMax", config.inflightMessagesMax);
  requirePositiveInteger("inflightBytesMax", config.inflightBytesMax ?? 1);
  requirePositiveInteger("appendBytesMax", config.appendBytesMax);
  requirePositiveInteger("uncommittedBytesMax", config.uncommittedBytesMax);
  requirePositiveInteger("snapshotChunkBytesMax", config.snapshotChunkBytesMax);
  if (config.heartbeatIntervalTicks >= config.electionTimeoutTicks) {
    throw new RaftConfigError(
      `heartbeatIntervalTicks (${config.heartbeatIntervalTicks}) must be below ` +
        `electionTimeoutTicks (${config.electionTimeoutTicks})`,
    );
  }
  const { hardState } = config.storage.initialState();
  const lastIndex = config.storage.lastIndex();
  if (hardState.commit > lastIndex) {
    throw new RaftConfigError(
      `stored commit ${hardState.commit} is beyond the stored last index ${lastIndex}`,
    );
  }
  const compactedIndex = config.storage.firstIndex() - 1;
  const commit = Math.max(hardState.commit, compactedIndex);
  if (!Number.isSafeInteger(config.applied) || config.applied < compactedIndex) {
    throw new RaftConfigError(
      `applied ${config.applied} is behind the compacted index ${compactedIndex}: ` +
        `the application must restore the latest snapshot first`,
    );
  }
  if (config.applied > commit) {
    throw new RaftConfigError(`applied ${config.applied} is beyond the commit index ${commit}`);
  }
}
