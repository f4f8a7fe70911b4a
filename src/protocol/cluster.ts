/**
 * Schemas of the cluster and health endpoints (docs/API.md "Cluster"): Raft status (its field
 * list after etcd's `Status`, with the configuration in force), leadership transfer (Raft thesis §3.10), snapshot on
 * demand, liveness and readiness.
 */
import { Type } from "typebox";
import { Count, NodeIdField, Nullable } from "./fields.js";
import { MembershipStatusSchema } from "./members.js";

const strict = { additionalProperties: false } as const;

/** GET /v1/raft/status?hash=1 */
export const RaftStatusQuery = Type.Object(
  {
    hash: Type.Optional(
      Type.Boolean({ description: "Add stateHash (costly: hashes the whole state)." }),
    ),
  },
  strict,
);

/** One peer's replication progress as the leader tracks it (Raft §5.3). */
export const PeerStatusSchema = Type.Object(
  {
    id: NodeIdField("The peer."),
    matchIndex: Count("Highest log index known replicated on it."),
    nextIndex: Count("Next log index to send it."),
    state: Type.Enum(["Probe", "Replicate", "Snapshot"]),
    lastContactMs: Nullable(Count("Ms since it was last heard from; null if never.")),
    connected: Type.Boolean(),
  },
  strict,
);

/** A node's Raft status. */
export const RaftStatusSchema = Type.Object(
  {
    nodeId: NodeIdField("This node."),
    role: Type.Enum(["Follower", "PreCandidate", "Candidate", "Leader"]),
    term: Count("currentTerm."),
    leaderId: Nullable(NodeIdField("The leader this node knows.")),
    commitIndex: Count(),
    lastApplied: Count(),
    lastLogIndex: Count(),
    snapshotIndex: Count(),
    peers: Type.Array(PeerStatusSchema, { description: "Filled in on the leader." }),
    membership: MembershipStatusSchema,
    stateHash: Type.Optional(Type.String({ description: "Only with ?hash=1." })),
  },
  strict,
);

/** POST /v1/raft/transfer-leadership */
export const TransferLeadershipBody = Type.Object(
  { to: Type.Optional(NodeIdField("The new leader (default: the most caught-up peer).")) },
  strict,
);

/** Where the leader is. */
export const LeaderInfoSchema = Type.Object(
  {
    leaderId: Nullable(NodeIdField("The leader.")),
    leaderUrl: Nullable(Type.String({ description: "Its HTTP base URL." })),
  },
  strict,
);

/** POST /v1/raft/snapshot */
export const SnapshotResponse = Type.Object(
  { index: Count("The snapshot's last included index."), bytes: Count("Its encoded size.") },
  strict,
);

/** GET /healthz: the process is alive. */
export const HealthSchema = Type.Object(
  { status: Type.Literal("ok"), nodeId: NodeIdField("This node.") },
  strict,
);

/** GET /readyz (200): the node knows a leader and has applied what it knows is committed. */
export const ReadySchema = Type.Object(
  {
    ready: Type.Literal(true),
    nodeId: NodeIdField("This node."),
    leaderId: Nullable(NodeIdField("The leader.")),
  },
  strict,
);
