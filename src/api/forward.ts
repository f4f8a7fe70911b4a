/**
 * Forwarding a write from a follower to the leader (DESIGN.md §6, issue 4): the same method,
 * path, query, body and credentials, plus `X-Elk-Forwarded-By` naming this node, so the leader
 * never forwards it again (one hop). The node never forwards; the API does, over undici.
 */
import { Agent, buildConnector } from "undici";
import { httpForwardTimeoutMs } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { LeaderInfo } from "../node/service.js";
import { isConnectFailure } from "../protocol/index.js";

/** A request as it is forwarded. */
export interface ForwardRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/plans/p1/pause?x=1`. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** Aborted when the original request is abandoned. */
  readonly signal?: AbortSignal;
}

/** The leader's answer, passed back as it is. */
export interface ForwardResponse {
  readonly statusCode: number;
  /** `content-type` and `retry-after` when the leader sent them. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Sends `request` to the leader at `leaderUrl` (its base URL, `http://host:port`) and answers its
 * response. Throws when no answer came (a malformed URL, a connection or timeout failure).
 */
export type Forwarder = (leaderUrl: string, request: ForwardRequest) => Promise<ForwardResponse>;

/** Response headers worth passing back from the leader. */
const PASSED_BACK = ["content-type", "retry-after"] as const;

/**
 * A forwarder over one keep-alive undici Agent; a forward not answered within `timeoutMs` is
 * abandoned. With `trustedCa`, an `https://` leader is verified against the CA it returns at the
 * time of each new connection (so a reloaded CA applies to the next one). `close()` ends its
 * connections.
 */
export function createUndiciForwarder(
  timeoutMs: number = httpForwardTimeoutMs,
  trustedCa?: () => string,
): {
  readonly forward: Forwarder;
  close(): Promise<void>;
} {
  const connect: buildConnector.connector | undefined =
    trustedCa === undefined
      ? undefined
      : (options, callback) => buildConnector({ ca: trustedCa() })(options, callback);
  const agent = new Agent({
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(connect === undefined ? {} : { connect }),
  });
  const forward: Forwarder = async (leaderUrl, request) => {
    const response = await agent.request({
      origin: new URL(leaderUrl).origin,
      path: request.url,
      method: request.method as "POST",
      headers: request.headers,
      body: request.body ?? null,
      signal: request.signal ?? null,
    });
    const headers: Record<string, string> = {};
    for (const name of PASSED_BACK) {
      const value = response.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    return { statusCode: response.statusCode, headers, body: await response.body.text() };
  };
  return { forward, close: () => agent.close() };
}

/**
 * The error to answer when forwarding to `leader` failed with `error`: `not_leader` (retryable,
 * naming the leader) when the request provably never reached it, else `proposal_timeout` — the
 * leader may have applied it, so only a retry with the same idempotency key or seq is safe.
 */
export function forwardFailure(error: unknown, leader: LeaderInfo): CoordinatorError {
  const reason = error instanceof Error ? error.message : String(error);
  const details = { leaderId: leader.leaderId, leaderUrl: leader.leaderUrl };
  if (isConnectFailure(error)) {
    return new CoordinatorError("not_leader", `cannot reach the leader: ${reason}`, details);
  }
  return new CoordinatorError("proposal_timeout", `forwarding to the leader failed: ${reason}`);
}
