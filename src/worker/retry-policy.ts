/**
 * When the client retries a failed attempt, and where: a request that provably never reached a
 * node is always retried (on the next endpoint); a write that may have been applied is retried
 * only when it is idempotent (a client session or an Idempotency-Key makes the retry return the
 * first result), because otherwise a retry could apply it twice. Delays grow exponentially with
 * full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog, 2015).
 */
import { clientRetryDelayMsMax, clientRetryDelayMsMin } from "../constants.js";
import type { CoordinatorError, ErrorCode } from "../errors.js";

/** How one attempt failed. */
export type AttemptFailure =
  /** A node answered with a problem. */
  | { readonly kind: "answered"; readonly error: CoordinatorError }
  /** The connection was never made: no node saw the request. */
  | { readonly kind: "not-sent"; readonly error: Error }
  /** Sent, but no answer came (reset, timeout, a proxy's bare 5xx): the outcome is unknown. */
  | { readonly kind: "lost"; readonly error: Error };

/** What to do after a failed attempt: give up, or retry on the same node, the next, or a URL. */
export type NextStep =
  | { readonly retry: false }
  | { readonly retry: true; readonly to: "same" | "next" | { readonly url: string } };

/** Answers that prove the command was not applied: safe to retry even without idempotency. */
const NOT_APPLIED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "not_leader",
  "no_leader",
  "leadership_transfer_in_progress",
  "uncommitted_tail_full",
  "proposal_dropped",
  "back_pressure",
  "not_ready",
]);

/** Answers after which another node is more likely to serve (this one has no working leader). */
const TRY_ANOTHER: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["no_leader", "node_stopping"]);

/**
 * The next step after `failure`.
 * @param idempotent a read, or a write sent with a client session or an Idempotency-Key
 */
export function nextStep(failure: AttemptFailure, idempotent: boolean): NextStep {
  if (failure.kind === "not-sent") return { retry: true, to: "next" };
  if (failure.kind === "lost") return idempotent ? { retry: true, to: "next" } : { retry: false };
  const { error } = failure;
  if (!error.spec.retryable || (!idempotent && !NOT_APPLIED.has(error.code))) {
    return { retry: false };
  }
  if (error.code === "not_leader") {
    const url = error.details["leaderUrl"];
    return { retry: true, to: typeof url === "string" ? { url } : "next" };
  }
  return { retry: true, to: TRY_ANOTHER.has(error.code) ? "next" : "same" };
}

/**
 * The delay before retry number `attempt` (1-based): uniform in [0, min(max, min · 2^(attempt-1))).
 * @param random a uniform draw in [0, 1) (Math.random by default; injected in tests)
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(clientRetryDelayMsMax, clientRetryDelayMsMin * 2 ** (attempt - 1));
  return Math.floor(random() * ceilingMs);
}
