/**
 * The HTTP header names of the API (lower case, as Node presents them). docs/API.md for the
 * idempotency contract; the Raft thesis §6.3 for client sessions (clientId, seq).
 */

/**
 * `Idempotency-Key`: a client-chosen key (at most constants.idempotencyKeyCharsMax visible ASCII
 * characters) that makes a retried write return the first result. Scoped to method and path.
 */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";

/**
 * `X-Elk-Client-Id` and `X-Elk-Client-Seq`: an exactly-once client session. The state machine
 * remembers the last seq of each client id and its result; a retry with the same seq returns it,
 * an older seq is refused. One outstanding seq per client id.
 */
export const CLIENT_ID_HEADER = "x-elk-client-id";
/** `X-Elk-Client-Seq`: the seq of the request within its client session (see CLIENT_ID_HEADER). */
export const CLIENT_SEQ_HEADER = "x-elk-client-seq";

/**
 * `X-Elk-Forwarded-By`: set by a follower that forwards a write to the leader, naming itself and
 * proving it knows the cluster secret (src/api/forward.ts). A request that carries a valid one is
 * never forwarded again (one hop, so forwarding cannot loop); an invalid one is ignored.
 */
export const FORWARDED_BY_HEADER = "x-elk-forwarded-by";

/**
 * `X-Elk-Leader-Url` (response): on a forwarded answer, the leader's base URL, so a client can
 * send its next write there directly.
 */
export const LEADER_URL_HEADER = "x-elk-leader-url";

/** `Retry-After` (response): seconds to wait before retrying a retryable 503 or 429. */
export const RETRY_AFTER_HEADER = "retry-after";

/** `Authorization: Bearer <token>` when the node runs with an API token. */
export const AUTHORIZATION_HEADER = "authorization";

/** The media type of every error answer (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";
