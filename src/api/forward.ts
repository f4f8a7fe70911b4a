/**
 * Forwarding a write from a follower to the leader (docs/API.md): the same method, path, query,
 * body and credentials, plus `X-Elk-Forwarded-By` naming this node, so the leader never
 * forwards it again (one hop). The node never forwards; the API does, over undici.
 *
 * Only a peer may set the hop header, else any client could switch forwarding off for its own
 * writes. So its value is `<nodeId> <proof>`, `proof = HMAC-SHA256(clusterSecret,
 * "elk-forwarded-v1\n" + nodeId + "\n" + method + "\n" + url)` (hex): it proves the sender
 * knows the cluster secret, and it binds the method and the path-and-query, so a proof seen on
 * one request does not mark another. No timestamp or nonce: replaying a proof can only keep
 * that same request from being forwarded, which harms nobody but its sender. A header without a
 * valid proof is ignored (the request is forwarded as any other).
 */
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import { createHmac, timingSafeEqual } from "node:crypto";
import { Agent, buildConnector } from "undici";
import { httpForwardTimeoutMs } from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { LeaderInfo } from "../node/service.js";
import { isConnectFailure } from "../protocol/index.js";
import { httpClientAttributes, inSpan, injectTraceHeaders, tracingActive } from "../tracing/api.js";

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
  const send = async (origin: string, request: ForwardRequest): Promise<ForwardResponse> => {
    const response = await agent.request({
      origin,
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
  const forward: Forwarder = tracingActive()
    ? (leaderUrl, request) => tracedSend(send, new URL(leaderUrl), request)
    : (leaderUrl, request) => send(new URL(leaderUrl).origin, request);
  return { forward, close: () => agent.close() };
}

/**
 * `send` inside a CLIENT span `forward <METHOD>`, the request carrying its W3C `traceparent`, so
 * the leader's spans join the trace of the follower's request (docs/OBSERVABILITY.md).
 */
function tracedSend(
  send: (origin: string, request: ForwardRequest) => Promise<ForwardResponse>,
  leader: URL,
  request: ForwardRequest,
): Promise<ForwardResponse> {
  const attributes = httpClientAttributes(leader, request.method, request.url);
  return inSpan(
    `forward ${request.method}`,
    { kind: SpanKind.CLIENT, attributes },
    async (span) => {
      const headers = { ...request.headers };
      injectTraceHeaders(headers);
      const response = await send(leader.origin, { ...request, headers });
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      return response;
    },
  );
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

const FORWARD_PROOF_CONTEXT = "elk-forwarded-v1";
const PROOF_PATTERN = /^[0-9a-f]{64}$/;

function forwardProof(secret: string, nodeId: string, method: string, url: string): Buffer {
  const text = [FORWARD_PROOF_CONTEXT, nodeId, method.toUpperCase(), url].join("\n");
  return createHmac("sha256", secret).update(text).digest();
}

/** The `X-Elk-Forwarded-By` value with which node `nodeId` forwards `method url`. */
export function forwardedByValue(
  secret: string,
  nodeId: string,
  method: string,
  url: string,
): string {
  return `${nodeId} ${forwardProof(secret, nodeId, method, url).toString("hex")}`;
}

/**
 * True when `header` (an `X-Elk-Forwarded-By` value) proves that a node knowing `secret`
 * forwarded this very `method url`; false for anything else, a missing header included.
 */
export function isForwardedByPeer(
  secret: string,
  header: string | readonly string[] | undefined,
  method: string,
  url: string,
): boolean {
  if (typeof header !== "string") return false;
  const [nodeId, proof, ...rest] = header.split(" ");
  if (nodeId === undefined || proof === undefined || rest.length > 0) return false;
  if (!PROOF_PATTERN.test(proof)) return false;
  const expected = forwardProof(secret, nodeId, method, url);
  return timingSafeEqual(Buffer.from(proof, "hex"), expected);
}
