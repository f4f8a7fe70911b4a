/**
 * One HTTP attempt of the client over undici: a keep-alive Pool per endpoint origin, a timeout
 * per attempt, and the outcome sorted into an answer, a problem (rebuilt as the CoordinatorError
 * with the same code, so `instanceof` and `code` work across the process boundary), or a
 * transport failure that says whether the request can have reached a node.
 */
import { SpanKind } from "@opentelemetry/api";
import { Pool } from "undici";
import { CoordinatorError, isErrorCode } from "../errors.js";
import type { ErrorCode } from "../errors.js";
import { PROBLEM_COUNT_FIELDS, isConnectFailure } from "../protocol/index.js";
import {
  httpClientAttributes,
  inSpan,
  injectTraceHeaders,
  markError,
  tracingActive,
} from "../tracing/api.js";
import type { AttemptFailure } from "./retry-policy.js";

/** A request of one attempt. */
export interface AttemptRequest {
  readonly method: string;
  /** Path and query. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
  /** No answer within this → a `lost` failure. */
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
}

/** A successful (2xx) answer. */
export interface AttemptAnswer {
  readonly body: unknown;
  /** Response headers, lower-cased, single-valued. */
  readonly headers: Readonly<Record<string, string>>;
}

/** The outcome of an attempt. */
export type AttemptOutcome =
  | { readonly ok: true; readonly answer: AttemptAnswer }
  | { readonly ok: false; readonly failure: AttemptFailure };

/** Codes for a 4xx answer without a problem body. */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: "unauthorized",
  403: "insufficient_scope",
  404: "route_not_found",
  409: "conflict",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "back_pressure",
};

/** Keep-alive connection pools, one per endpoint origin; `ca` verifies `https://` origins. */
export class EndpointPools {
  private readonly pools = new Map<string, Pool>();

  /** Whether a tracer provider was registered when the client was made (then calls are spans). */
  private readonly traced = tracingActive();

  constructor(
    private readonly connectionsPerEndpoint: number,
    private readonly ca?: string,
  ) {}

  /**
   * Sends `request` to `origin` (`http://host:port`). Never throws for transport problems. With
   * tracing on, the attempt is a CLIENT span and the request carries its W3C `traceparent`, so
   * the node's spans (and the leader's, through forwarding) join the worker's trace.
   */
  attempt(origin: string, request: AttemptRequest): Promise<AttemptOutcome> {
    return this.traced ? this.tracedAttempt(origin, request) : this.send(origin, request);
  }

  private tracedAttempt(origin: string, request: AttemptRequest): Promise<AttemptOutcome> {
    const attributes = httpClientAttributes(new URL(origin), request.method, request.path);
    return inSpan(request.method, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      const headers = { ...request.headers };
      injectTraceHeaders(headers);
      const outcome = await this.send(origin, { ...request, headers });
      if (!outcome.ok) markError(span, outcome.failure.error);
      return outcome;
    });
  }

  private async send(origin: string, request: AttemptRequest): Promise<AttemptOutcome> {
    let statusCode: number;
    let headers: Record<string, string>;
    let text: string;
    try {
      const response = await this.poolOf(origin).request({
        path: request.path,
        method: request.method as "GET",
        headers: request.headers,
        body: request.body ?? null,
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
        signal: request.signal ?? null,
      });
      statusCode = response.statusCode;
      headers = singleValued(response.headers);
      text = await response.body.text();
    } catch (error) {
      if (request.signal?.aborted === true) throw error;
      const cause = error instanceof Error ? error : new Error(String(error));
      return {
        ok: false,
        failure: { kind: isConnectFailure(error) ? "not-sent" : "lost", error: cause },
      };
    }
    return outcomeOf(statusCode, headers, text);
  }

  /** Closes every pool. */
  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }

  private poolOf(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.connectionsPerEndpoint,
        ...(this.ca === undefined ? {} : { connect: { ca: this.ca } }),
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

function singleValued(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string> {
  const single: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === "string") single[name] = value;
    else if (Array.isArray(value) && value[0] !== undefined) single[name] = value[0];
  }
  return single;
}

function outcomeOf(
  statusCode: number,
  headers: Record<string, string>,
  text: string,
): AttemptOutcome {
  const body = parseJson(text);
  if (statusCode >= 200 && statusCode < 300) {
    if (body !== undefined) return { ok: true, answer: { body, headers } };
    return lost(`a ${statusCode} answer that is not JSON`);
  }
  const problem = problemError(statusCode, body);
  if (problem !== null) return { ok: false, failure: { kind: "answered", error: problem } };
  if (statusCode >= 500) return lost(`HTTP ${statusCode} without a problem body`);
  const code = CODE_BY_STATUS[statusCode] ?? "invalid_request";
  return {
    ok: false,
    failure: {
      kind: "answered",
      error: new CoordinatorError(code, `HTTP ${statusCode}: ${text.slice(0, 200)}`),
    },
  };
}

/** The CoordinatorError of a problem+json body, or null when `body` is none. */
export function problemError(statusCode: number, body: unknown): CoordinatorError | null {
  if (typeof body !== "object" || body === null) return null;
  const { code, detail, title, leaderId, leaderUrl } = body as Record<string, unknown>;
  if (typeof code !== "string" || !isErrorCode(code)) return null;
  const message =
    typeof detail === "string" ? detail : typeof title === "string" ? title : undefined;
  const details: Record<string, unknown> = { httpStatus: statusCode };
  if (leaderId !== undefined) details["leaderId"] = leaderId;
  if (leaderUrl !== undefined) details["leaderUrl"] = leaderUrl;
  for (const name of PROBLEM_COUNT_FIELDS) {
    const value = (body as Record<string, unknown>)[name];
    if (typeof value === "number") details[name] = value;
  }
  return new CoordinatorError(code, message, details);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function lost(message: string): AttemptOutcome {
  return { ok: false, failure: { kind: "lost", error: new Error(message) } };
}
