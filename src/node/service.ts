/**
 * NodeService: the narrow interface between src/node and src/api (DESIGN.md §2: "api imports a
 * narrow service interface from node"). The node implements it; the HTTP API codes against it.
 * The agreed contract is /work/briefs/node-service.md; this file holds exactly its types.
 */
import type { Role } from "../raft/types.js";
import type { ApplyResult, Command, CoordinatorState } from "../state-machine/index.js";
import type { NodeId } from "../util/ids.js";

/** How a read is served: after a ReadIndex round (Raft thesis §6.4), or on the local state. */
export type ReadConsistency = "linearizable" | "stale";

/** Options of {@link NodeService.propose}. */
export interface ProposeOptions {
  /** Exactly-once: the state machine remembers (clientId → last seq, result). One outstanding seq per clientId. */
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

/** One peer's replication progress, as the leader tracks it (Raft §5.3: matchIndex, nextIndex). */
export interface PeerStatusView {
  readonly id: NodeId;
  readonly matchIndex: number;
  readonly nextIndex: number;
  readonly state: "Probe" | "Replicate" | "Snapshot";
  readonly lastContactMs: number | null;
  readonly connected: boolean;
}

/** GET /v1/raft/status (issue 4). */
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
  /** Only when asked (costly): GET /v1/raft/status?hash=1 */
  readonly stateHash?: string;
}

/** What a coordinator node offers the HTTP API. */
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
