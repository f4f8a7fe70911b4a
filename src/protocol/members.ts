/**
 * Schemas of the membership endpoints (docs/API.md "Membership", docs/MEMBERSHIP.md): the
 * configuration in force as a node knows it, and the bodies and parameters of adding a learner,
 * promoting it and removing a member (single-server changes, Raft thesis §4.1). The field names
 * follow the node's `MembershipView` (src/node/service.ts).
 */
import { Type } from "typebox";
import { memberAddressCharsMax } from "../constants.js";
import { Count, NodeIdField, Nullable } from "./fields.js";
import { PEER_ADDRESS_PATTERN_SOURCE } from "../util/peer-address.js";

const strict = { additionalProperties: false } as const;

/** A member's `host:port` (its peer link and HTTP API share the port). */
export const PeerAddressField = (description: string) =>
  Type.String({
    pattern: PEER_ADDRESS_PATTERN_SOURCE,
    maxLength: memberAddressCharsMax,
    description,
  });

/** `/v1/cluster/members/:id` */
export const MemberParams = Type.Object({ id: NodeIdField("The member's node id.") }, strict);

/** POST /v1/cluster/members: the new learner. */
export const AddMemberBody = Type.Object(
  {
    id: NodeIdField("A node id never used in this cluster."),
    address: PeerAddressField("host:port where the new node listens (API and peer links)."),
  },
  strict,
);

/** DELETE /v1/cluster/members/:id?force=true */
export const RemoveMemberQuery = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({
        description:
          "Remove even when the voters left would not include a live majority (no_live_quorum).",
      }),
    ),
  },
  strict,
);

/** One member of the configuration, as the answering node knows it. */
export const MemberSchema = Type.Object(
  {
    id: NodeIdField("The member."),
    role: Type.Enum(["voter", "learner"]),
    address: Nullable(Type.String({ description: "host:port; null when never recorded." })),
    isLeader: Type.Boolean(),
    matchIndex: Nullable(Count("Highest index known replicated on it (leader only).")),
    entriesBehind: Nullable(Count("The leader's last index minus matchIndex (leader only).")),
    caughtUp: Nullable(
      Type.Boolean({ description: "Learners, on the leader: promotable now (else null)." }),
    ),
    connected: Nullable(
      Type.Boolean({ description: "This node's peer link to it is up (null for itself)." }),
    ),
  },
  strict,
);

/** The configuration in force on the answering node (GET, and every change's answer). */
export const MembershipSchema = Type.Object(
  {
    nodeId: NodeIdField("The node that answered."),
    leaderId: Nullable(NodeIdField("The leader it knows.")),
    configIndex: Count("Log index of the configuration's entry (0 at bootstrap)."),
    changeInFlight: Type.Boolean({ description: "Its entry is not yet committed." }),
    members: Type.Array(MemberSchema, { description: "Voters first, then learners, by id." }),
    removed: Type.Array(NodeIdField("A removed id."), {
      description: "Every id ever removed: never a member again.",
    }),
    caughtUpEntriesMax: Count("A learner this close to the leader's last index is caught up."),
  },
  strict,
);

/** The `membership` block of the Raft status. */
export const MembershipStatusSchema = Type.Object(
  {
    voters: Type.Array(NodeIdField("A voter.")),
    learners: Type.Array(NodeIdField("A learner.")),
    configIndex: Count("Log index of the configuration in force."),
    changeInFlight: Type.Boolean({ description: "A change is appended but not yet committed." }),
  },
  strict,
);
