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
  /** The configuration in force on this node (docs/MEMBERSHIP.md). */
  readonly membership: {
    readonly voters: readonly NodeId[];
    readonly learners: readonly NodeId[];
    readonly configIndex: number;
    readonly changeInFlight: boolean;
  };
  /** Only when asked (costly): GET /v1/raft/status?hash=1. */
  readonly stateHash?: string;
}

/** A member's role in the configuration (docs/MEMBERSHIP.md §2). */
export type MemberRole = "voter" | "learner";

/** One member of the cluster configuration, as the answering node knows it. */
export interface MemberView {
  readonly id: NodeId;
  readonly role: MemberRole;
  /**
   * `host:port` of its peer link and HTTP API, from the replicated configuration; null for a
   * member of a configuration bootstrapped from `--peers` whose address was never recorded.
   */
  readonly address: string | null;
  /** Whether it is the leader this node knows. */
  readonly isLeader: boolean;
  /** Replication progress, on the leader only (null elsewhere, and for the leader itself). */
  readonly matchIndex: number | null;
  /** The leader's last index minus `matchIndex`; leader only, else null. */
  readonly entriesBehind: number | null;
  /**
   * Learners, on the leader: within `caughtUpEntriesMax` entries of the leader's last index, so
   * a promotion is accepted. Null for voters and on other nodes.
   */
  readonly caughtUp: boolean | null;
  /** Whether this node's peer link to it is up (null for this node itself). */
  readonly connected: boolean | null;
}

/** GET /v1/cluster/members: the configuration in force on the answering node. */
export interface MembershipView {
  /** The node that answered (progress fields are filled when it is the leader). */
  readonly nodeId: NodeId;
  readonly leaderId: NodeId | null;
  /** Log index of the configuration's `Config` entry (or of the snapshot that carried it; 0 at bootstrap). */
  readonly configIndex: number;
  /** Its entry is not yet committed: no other change is accepted until it is. */
  readonly changeInFlight: boolean;
  /** Voters first, then learners; each sorted by id. */
  readonly members: readonly MemberView[];
  /** Every id ever removed; never a member again (docs/MEMBERSHIP.md §5). */
  readonly removed: readonly NodeId[];
  /** A learner within this many entries of the leader's last index counts as caught up. */
  readonly caughtUpEntriesMax: number;
}

/** Options of {@link NodeService.removeMember}. */
export interface RemoveMemberOptions {
  /**
   * Remove even when the voters left would not include a live majority (heard from within an
   * election timeout): the cluster may then be unable to commit until enough of them return.
   */
  readonly force?: boolean;
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
  /** GET /v1/cluster/members: the configuration in force on this node (no Raft round). */
  members(): MembershipView;
  /**
   * POST /v1/cluster/members: adds `id` at `address` (`host:port`) as a learner; resolves once
   * the change is committed, with the configuration after it. Leader only.
   * @throws CoordinatorError "not_leader" | "no_leader" | "member_exists" | "node_id_reused" |
   *   "config_change_in_flight" | "config_change_too_early" | "leadership_transfer_in_progress" |
   *   "invalid_request" | "proposal_timeout" (also when a leader change lost the entry) |
   *   "node_stopping"
   */
  addMember(id: NodeId, address: string): Promise<MembershipView>;
  /**
   * POST /v1/cluster/members/:id/promote: makes learner `id` a voter once it is caught up.
   * @throws CoordinatorError "learner_not_caught_up" (details: { entriesBehind, caughtUpEntriesMax })
   *   | "not_a_learner" | "unknown_member", and the leader/change errors of {@link addMember}
   */
  promoteMember(id: NodeId): Promise<MembershipView>;
  /**
   * DELETE /v1/cluster/members/:id: removes voter or learner `id`; its id is never reused. When
   * `id` leads, leadership is handed over first (this node then answers `not_leader` naming the
   * new leader, which the API forwards to); when the hand-over fails, nothing is removed
   * (docs/MEMBERSHIP.md §8).
   * @throws CoordinatorError "no_live_quorum" (details: { liveVoters, votersAfter }, counts) unless
   *   `force` | "leadership_transfer_failed" | "unknown_member" | "no_voters_left", and the
   *   leader/change errors of
   *   {@link addMember}
   */
  removeMember(id: NodeId, options?: RemoveMemberOptions): Promise<MembershipView>;
}
