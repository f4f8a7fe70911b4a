/**
 * Telling a request that never left from one whose fate is unknown: only a failure to connect
 * (refused, no route, unknown host, connect timeout) proves the server never saw the request, so
 * only then may a non-idempotent write be retried or answered as "not applied". Shared by the
 * API's forwarding and the client's retries.
 */

/** Error codes (Node's and undici's) of a connection that was never made. */
const CONNECT_FAILURE_CODES: ReadonlySet<string> = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  // Nothing to connect to: the URL itself is malformed.
  "ERR_INVALID_URL",
]);

/** Whether `error` (or one of its first causes) proves the request never reached the server. */
export function isConnectFailure(error: unknown): boolean {
  let cause = error;
  for (let depth = 0; depth < 4 && typeof cause === "object" && cause !== null; depth++) {
    const { code } = cause as { readonly code?: unknown };
    if (typeof code === "string" && CONNECT_FAILURE_CODES.has(code)) return true;
    cause = (cause as { readonly cause?: unknown }).cause;
  }
  return false;
}
