/**
 * The error body of every failed request: RFC 9457 problem details with a stable `code` from the
 * catalogue of src/errors.ts (documented in docs/ERRORS.md).
 */
import { Type } from "typebox";
import type { Static } from "typebox";
import { ERROR_CATALOGUE } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { NodeIdField, Nullable } from "./fields.js";

const CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

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
  },
  { additionalProperties: false, description: "RFC 9457 problem details." },
);

/** A problem details body. */
export type Problem = Static<typeof ProblemSchema>;
