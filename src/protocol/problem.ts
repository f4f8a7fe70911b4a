/**
 * The error body of every failed request: RFC 9457 problem details with a stable `code` from the
 * catalogue of src/errors.ts (documented in docs/ERRORS.md).
 */
import { Type } from "typebox";
import type { Static } from "typebox";
import { ERROR_CATALOGUE } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { Count, NodeIdField, Nullable } from "./fields.js";

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/**
 * The numbers some codes carry (docs/ERRORS.md): `learner_not_caught_up` the learner's lag and
 * the bound, `no_live_quorum` the live voters and the voters after the change.
 */
export const PROBLEM_COUNT_FIELDS = [
  "entriesBehind",
  "caughtUpEntriesMax",
  "liveVoters",
  "votersAfter",
] as const;

/** `application/problem+json`: what went wrong, with a machine-readable `code`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'Always "about:blank": `code` says what happened.' }),
    title: Type.String({ description: "The code's title in docs/ERRORS.md." }),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    code: Type.Enum(CODES, { description: "A stable code of docs/ERRORS.md." }),
    detail: Type.String({ description: "What happened in this case." }),
    leaderId: Type.Optional(
      Nullable(NodeIdField("not_leader: the leader this node knows, if any.")),
    ),
    leaderUrl: Type.Optional(
      Nullable(Type.String({ description: "not_leader: the leader's base URL, if known." })),
    ),
    entriesBehind: Type.Optional(Count("learner_not_caught_up: the learner's lag in entries.")),
    caughtUpEntriesMax: Type.Optional(Count("learner_not_caught_up: the lag allowed.")),
    liveVoters: Type.Optional(Count("no_live_quorum: live voters after the change.")),
    votersAfter: Type.Optional(Count("no_live_quorum: voters after the change.")),
  },
  { additionalProperties: false, description: "RFC 9457 problem details." },
);

/** A problem details body. */
export type Problem = Static<typeof ProblemSchema>;
