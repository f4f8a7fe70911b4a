/**
 * The OpenTelemetry API as this project uses it (docs/OBSERVABILITY.md): one tracer, the span
 * attribute names, W3C trace-context headers in and out, and whether anyone records spans at all.
 * Library code calls only `@opentelemetry/api`: with no SDK registered every call is the API's
 * no-op, and the process entry points (src/server, the CLI's worker command) decide whether an
 * SDK runs. Nothing here imports the node, so the worker SDK may use it too.
 */
import {
  ProxyTracerProvider,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
  type TimeInput,
} from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";

/** The instrumentation scope of every span of this project. */
export const TRACER_NAME = "elk-coordinator";

/**
 * Attribute names of our own, for what the semantic conventions have no name for; the `elk.`
 * prefix keeps them apart from the conventions' (HTTP, URL, server, error attributes come from
 * `@opentelemetry/semantic-conventions`).
 */
export const ATTR = {
  nodeId: "elk.node.id",
  workerId: "elk.worker.id",
  commandType: "elk.command.type",
  raftIndex: "elk.raft.index",
  raftTerm: "elk.raft.term",
  raftRole: "elk.raft.role",
  raftLeaderId: "elk.raft.leader_id",
  batchProposals: "elk.raft.batch.proposals",
  batchEntries: "elk.raft.batch.entries",
  batchBytes: "elk.raft.batch.bytes",
  fsyncMs: "elk.raft.fsync_ms",
  outcome: "elk.outcome",
  readConsistency: "elk.read.consistency",
  snapshotBytes: "elk.snapshot.bytes",
  planId: "elk.plan.id",
  partitionId: "elk.partition.id",
  fencingToken: "elk.fencing_token",
  granted: "elk.acquire.granted",
  checkpointId: "elk.checkpoint.id",
  processedCount: "elk.processed_count",
  attempt: "elk.report.attempt",
} as const;

/** The project's tracer (a proxy: it follows an SDK registered later). */
export const tracer = trace.getTracer(TRACER_NAME);

/**
 * Whether a tracer provider is registered, so spans may be recorded. Read once when a component
 * is built (an app, a worker): when false it installs no hooks at all, so tracing that is off
 * costs nothing per request.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  if (!(provider instanceof ProxyTracerProvider)) return true;
  return provider.getDelegateTracer(TRACER_NAME) !== undefined;
}

/** The context carried by W3C `traceparent`/`tracestate` in `headers` (the active one if none). */
export function contextFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Context {
  return propagation.extract(context.active(), headers);
}

/** Adds the active context's `traceparent` (and `tracestate`) to `headers`, in place. */
export function injectTraceHeaders(headers: Record<string, string>, at?: Context): void {
  propagation.inject(at ?? context.active(), headers);
}

/**
 * Runs `fn` inside a new span `name` (a child of the active span), ends it when `fn` settles and
 * marks it an error when `fn` throws (the error is rethrown).
 */
export async function inSpan<T>(
  name: string,
  options: SpanOptions,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Records `error` on `span` and sets its status to ERROR with the error's `code` or name. */
export function markError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error));
}

/** A low-cardinality name for `error`: its catalogue `code` when it has one, else its class. */
export function errorTypeOf(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
    if (error instanceof Error) return error.name;
  }
  return "_OTHER";
}

/** A span of known start and end (an interval measured elsewhere), a child of `parent`. */
export function intervalSpan(
  name: string,
  parent: Context,
  startTime: TimeInput,
  endTime: TimeInput,
  attributes: Attributes = {},
): Span {
  const span = tracer.startSpan(name, { startTime, attributes }, parent);
  span.end(endTime);
  return span;
}

/** The semantic-convention attributes of an HTTP CLIENT span: `method` of `path` at `origin`. */
export function httpClientAttributes(origin: URL, method: string, path: string): Attributes {
  return {
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_SERVER_ADDRESS]: origin.hostname,
    [ATTR_SERVER_PORT]: Number(origin.port),
    [ATTR_URL_FULL]: `${origin.origin}${path.split("?")[0] ?? ""}`,
  };
}
