/**
 * NodeService: the narrow interface between the coordinator node (src/node) and the HTTP API
 * (src/api), agreed in the node-service contract. The API codes against this interface only and
 * tests against a fake; {@link CoordinatorNode} (./coordinator-node.ts) implements it.
 *
 * The node never forwards: on a follower `propose` throws `not_leader` with the leader's URL and
 * the API layer forwards the HTTP request to it (one hop, marked so it never loops).
 */
import type { Role } from "../raft/types.js";
import type { ApplyResult, Command, CoordinatorState } from "../state-machine/index.js";
import type { NodeId } from "../util/ids.js";

/**
 * How a read sees the state: `linearizable` after a ReadIndex round (Raft thesis §6.4), so it
 * reflects every write acknowledged before it began; `stale` at once, from the local state.
 */
export type ReadConsistency = "linearizable" | "stale";

/** Options of {@link NodeService.propose}. */
export interface ProposeOptions {
  /**
   * Exactly-once (Raft thesis §6.3): the state machine remembers (clientId → last seq, result).
   * One outstanding seq per clientId. `clientId` and `seq` come together or not at all.
   */
  readonly clientId?: string;
  readonly seq?: number;
  /** Default constants.proposalTimeoutMs. */
  readonly timeoutMs?: number;
}

/** Where the leader is, as this node knows it: its id and its HTTP base URL ("http://127.0.0.1:7101"). */
export interface LeaderInfo {
  readonly leaderId: NodeId | null;
  readonly leaderUrl: string | null;
}

/** A peer's replication progress as the leader sees it (etcd-io/raft tracker.Progress). */
export interface PeerStatusView {
  readonly id: NodeId;
  readonly matchIndex: number;
  readonly nextIndex: number;
  readonly state: "Probe" | "Replicate" | "Snapshot";
  /** Milliseconds since the leader last heard from this peer (ticks × tick interval). */
  readonly lastContactMs: number | null;
  /** Whether the transport's link to this peer is up. */
  readonly connected: boolean;
}

/**
 * GET /v1/raft/status (docs/API.md "Cluster"). `peers` is filled on the leader only (followers
 * track no progress).
 */
export interface RaftStatusView {
  readonly nodeId: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly leaderId: NodeId | null;
  readonly commitIndex: number;
  readonly lastApplied: number;
  readonly lastLogIndex: number;
  readonly snapshotIndex: number;
  readonly peers: readonly PeerStatusView[];
  /** Only when asked (costly): GET /v1/raft/status?hash=1. */
  readonly stateHash?: string;
}

/** What the HTTP API needs from a coordinator node. */
export interface NodeService {
  readonly nodeId: NodeId;
  /**
   * Stamps `proposedAtMs` (leader clock), proposes, resolves with the state machine's result once
   * applied locally (matched by (index, term)). Rejections are results, not throws.
   * @throws CoordinatorError: "not_leader" (details: { leaderId, leaderUrl }), "no_leader",
   *   "leadership_transfer_in_progress", "uncommitted_tail_full", "proposal_dropped",
   *   "proposal_timeout", "node_stopping", "invalid_request" (command fails checkCommand / too large)
   */
  propose(command: Command, options?: ProposeOptions): Promise<ApplyResult>;
  /**
   * Runs `query` over the applied state. "linearizable": after a ReadIndex round (works on
   * followers too); "stale": immediately on the local state.
   * @throws CoordinatorError "no_leader" | "node_stopping" | "proposal_timeout" (read not served in time)
   */
  read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T>;
  leader(): LeaderInfo;
  raftStatus(options?: { withStateHash?: boolean }): RaftStatusView;
  /** /readyz: knows a leader and has applied up to the commit index it knows. */
  isReady(): boolean;
  /** Resolves when the applied state changes after `sinceIndex` (or after `timeoutMs`, with false). For long-polls. */
  waitForApply(sinceIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** Applied index right now. */
  appliedIndex(): number;
  /** POST /v1/raft/transfer-leadership; resolves when `to` (or the most caught-up peer) leads, rejects on timeout. */
  transferLeadership(to?: NodeId): Promise<LeaderInfo>;
  /** POST /v1/raft/snapshot: take a snapshot now. */
  snapshotNow(): Promise<{ readonly index: number; readonly bytes: number }>;
}
