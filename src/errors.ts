/**
 * The one catalogue of error codes (after fastify's `lib/errors.js`).
 *
 * Every error the system reports to a caller carries a stable `code` from this list. The HTTP API
 * turns it into an RFC 9457 `application/problem+json` body with that `code`; `docs/ERRORS.md`
 * documents every code and a test fails when the two drift. Codes are never reused or renamed.
 */

/** How each code is reported: HTTP status, a short human title, and whether a retry may help. */
export interface ErrorSpec {
  readonly httpStatus: number;
  readonly title: string;
  readonly retryable: boolean;
}

export const ERROR_CATALOGUE = {
  // Caller mistakes
  invalid_request: {
    httpStatus: 400,
    title: "The request is malformed or violates a limit",
    retryable: false,
  },
  unauthorized: { httpStatus: 401, title: "Missing or wrong API token", retryable: false },
  insufficient_scope: {
    httpStatus: 403,
    title: "The API token lacks the scope this endpoint needs",
    retryable: false,
  },
  route_not_found: { httpStatus: 404, title: "No such endpoint", retryable: false },
  payload_too_large: {
    httpStatus: 413,
    title: "The request body is larger than allowed",
    retryable: false,
  },
  unsupported_media_type: {
    httpStatus: 415,
    title: "The request body must be application/json",
    retryable: false,
  },
  // Domain rejections (results of the state machine, see src/state-machine/results.ts)
  not_found: { httpStatus: 404, title: "No such plan, partition or worker", retryable: false },
  conflict: {
    httpStatus: 409,
    title: "The request conflicts with existing state",
    retryable: false,
  },
  not_holder: {
    httpStatus: 409,
    title: "The worker does not hold this partition",
    retryable: false,
  },
  stale_fencing_token: {
    httpStatus: 409,
    title: "The fencing token is not the partition's current one",
    retryable: false,
  },
  lease_expired: { httpStatus: 409, title: "The lease has expired", retryable: false },
  plan_not_active: {
    httpStatus: 409,
    title: "The plan is paused, cancelled or completed",
    retryable: false,
  },
  invalid_state: {
    httpStatus: 409,
    title: "The entity is not in a state that allows this",
    retryable: false,
  },
  // Membership changes (docs/MEMBERSHIP.md)
  unknown_member: {
    httpStatus: 404,
    title: "No such member in the cluster configuration",
    retryable: false,
  },
  member_exists: {
    httpStatus: 409,
    title: "The id is already a member of the cluster",
    retryable: false,
  },
  node_id_reused: {
    httpStatus: 409,
    title: "The id belonged to a removed member and is never reused",
    retryable: false,
  },
  not_a_learner: {
    httpStatus: 409,
    title: "Only a learner can be promoted",
    retryable: false,
  },
  no_voters_left: {
    httpStatus: 409,
    title: "The change would leave the cluster without voters",
    retryable: false,
  },
  learner_not_caught_up: {
    httpStatus: 409,
    title: "The learner is not yet caught up with the leader's log",
    retryable: true,
  },
  leadership_transfer_failed: {
    httpStatus: 503,
    title: "The leader could not hand leadership over before removing itself",
    retryable: true,
  },
  no_live_quorum: {
    httpStatus: 409,
    title: "The change would leave no live majority of voters",
    retryable: false,
  },
  config_change_in_flight: {
    httpStatus: 409,
    title: "Another configuration change is not yet committed",
    retryable: true,
  },
  config_change_too_early: {
    httpStatus: 503,
    title: "The new leader has not yet committed an entry of its term",
    retryable: true,
  },
  back_pressure: {
    httpStatus: 429,
    title: "Too much pending work; try again later",
    retryable: true,
  },
  console_clients_full: {
    httpStatus: 503,
    title: "This node serves its maximum of console streams",
    retryable: true,
  },
  // Cluster conditions
  not_leader: {
    httpStatus: 503,
    title: "This node is not the leader and could not forward",
    retryable: true,
  },
  no_leader: { httpStatus: 503, title: "The cluster has no leader right now", retryable: true },
  leadership_transfer_in_progress: {
    httpStatus: 503,
    title: "Leadership is being transferred",
    retryable: true,
  },
  uncommitted_tail_full: {
    httpStatus: 503,
    title: "The leader's uncommitted log is full",
    retryable: true,
  },
  proposal_dropped: {
    httpStatus: 503,
    title: "The proposal was lost to a leader change",
    retryable: true,
  },
  proposal_timeout: {
    httpStatus: 504,
    title: "The proposal was not applied in time; its outcome is unknown",
    retryable: true,
  },
  node_stopping: { httpStatus: 503, title: "The node is shutting down", retryable: true },
  not_ready: {
    httpStatus: 503,
    title: "The node knows no leader or has not applied what is committed",
    retryable: true,
  },
  unreachable: {
    httpStatus: 503,
    title: "No coordinator node could be reached",
    retryable: true,
  },
  internal_error: { httpStatus: 500, title: "An internal error occurred", retryable: false },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Whether `code` is a catalogued error code. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/**
 * An error reported to a caller, with a stable `code`. Works with `instanceof` and also by
 * checking `code` (errors crossing a process boundary are rebuilt from their `code`).
 */
export class CoordinatorError extends Error {
  override readonly name = "CoordinatorError";
  readonly code: ErrorCode;
  /** Extra, machine-readable facts (e.g. `{ leaderId }` for `not_leader`). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message?: string, details: Record<string, unknown> = {}) {
    super(message ?? ERROR_CATALOGUE[code].title);
    this.code = code;
    this.details = details;
  }

  get spec(): ErrorSpec {
    return ERROR_CATALOGUE[this.code];
  }
}
