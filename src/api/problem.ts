/**
 * Every error answer as RFC 9457 `application/problem+json` with a stable `code` from the
 * catalogue (src/errors.ts, docs/ERRORS.md): typed CoordinatorErrors keep their code, fastify's
 * own errors for bad input (validation, malformed JSON, media type, body size) become the 4xx
 * codes they mean, and anything else is an `internal_error` — never a 5xx for bad input.
 */
import type { FastifyReply } from "fastify";
import { httpRetryAfterSeconds } from "../constants.js";
import { CoordinatorError, ERROR_CATALOGUE } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_COUNT_FIELDS,
  RETRY_AFTER_HEADER,
} from "../protocol/index.js";
import type { Problem } from "../protocol/index.js";

/** The problem body for `code`, with `detail` and the extra fields the protocol knows. */
export function problemFor(
  code: ErrorCode,
  detail: string,
  details: Readonly<Record<string, unknown>> = {},
): Problem {
  const spec = ERROR_CATALOGUE[code];
  return {
    type: "about:blank",
    title: spec.title,
    status: spec.httpStatus,
    code,
    detail,
    ...leaderFields(details),
    ...countFields(details),
  };
}

/** The numeric details a code carries (PROBLEM_COUNT_FIELDS), when they are counts. */
function countFields(details: Readonly<Record<string, unknown>>): Partial<Problem> {
  return Object.fromEntries(
    PROBLEM_COUNT_FIELDS.flatMap((name) => {
      const value = details[name];
      return Number.isSafeInteger(value) && (value as number) >= 0 ? [[name, value]] : [];
    }),
  );
}

function leaderFields(details: Readonly<Record<string, unknown>>): Partial<Problem> {
  const fields: { leaderId?: string | null; leaderUrl?: string | null } = {};
  const { leaderId, leaderUrl } = details;
  if (typeof leaderId === "string" || leaderId === null) fields.leaderId = leaderId;
  if (typeof leaderUrl === "string" || leaderUrl === null) fields.leaderUrl = leaderUrl;
  return fields;
}

/** Fastify status codes of bad input, and what they mean in our catalogue. */
const FASTIFY_STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  404: "route_not_found",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** A TypeBox/Ajv-style validation error as fastify hands it on. */
interface ValidationIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly message?: string;
  readonly params: Readonly<Record<string, unknown>>;
}

/**
 * The problem `error` amounts to, or null when it is not a known kind (a bug: the caller answers
 * `internal_error` and logs it).
 */
export function problemOf(error: unknown): Problem | null {
  if (error instanceof CoordinatorError)
    return problemFor(error.code, error.message, error.details);
  if (typeof error !== "object" || error === null) return null;
  const { validation, validationContext, statusCode, message } = error as {
    readonly validation?: readonly ValidationIssue[];
    readonly validationContext?: string;
    readonly statusCode?: number;
    readonly message?: string;
  };
  if (Array.isArray(validation)) {
    return problemFor(
      "invalid_request",
      validationDetail(validationContext ?? "request", validation),
    );
  }
  if (typeof statusCode === "number" && statusCode >= 400 && statusCode < 500) {
    return problemFor(
      FASTIFY_STATUS_CODES[statusCode] ?? "invalid_request",
      message ?? "bad request",
    );
  }
  return null;
}

/** "body/b/c: must not have more than 2 characters; body: unknown field \"d\"". */
export function validationDetail(part: string, issues: readonly ValidationIssue[]): string {
  const unknownFields = issues.some((issue) => issue.keyword === "additionalProperties");
  const lines = issues.flatMap((issue) => {
    const where = `${part}${issue.instancePath}`;
    if (issue.keyword === "additionalProperties") {
      const names = issue.params["additionalProperties"];
      const list = Array.isArray(names) ? names.map((n) => JSON.stringify(n)).join(", ") : "";
      return [`${where}: unknown field ${list}`.trimEnd()];
    }
    if (unknownFields && issue.keyword === "boolean") return [];
    return [`${where}: ${issue.message ?? issue.keyword}`];
  });
  return [...new Set(lines)].slice(0, 3).join("; ") || `${part} is invalid`;
}

/**
 * Sends `problem` as `application/problem+json`; a retryable 503 or 429 carries `Retry-After`.
 */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const spec = ERROR_CATALOGUE[problem.code];
  reply.code(problem.status).type(PROBLEM_CONTENT_TYPE);
  if (spec.retryable && (problem.status === 503 || problem.status === 429)) {
    reply.header(RETRY_AFTER_HEADER, String(httpRetryAfterSeconds));
  }
  return reply.send(problem);
}
