/**
 * One SERVER span per HTTP request (docs/OBSERVABILITY.md "Traces"), continuing the trace of the
 * caller's W3C `traceparent` (a worker, or the follower that forwarded the request). Three
 * fastify hooks, no plugin: `onRequest` starts the span, `preHandler` makes it the active span
 * for the handler (the body was read from the socket in between, outside any context), and
 * `onResponse` names it by its route and ends it. `@fastify/otel` would add a span per hook and
 * handler; one span per request is what a trace of this API needs. Installed only when a tracer
 * provider is registered, so tracing that is off adds no hook.
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
  type Span,
} from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from "@opentelemetry/semantic-conventions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ATTR, contextFromHeaders, tracer } from "../tracing/api.js";

interface RequestSpan {
  readonly span: Span;
  readonly context: Context;
}

/** Adds the request span hooks to `app`, naming `nodeId` on every span. */
export function traceRequests(app: FastifyInstance, nodeId: string): void {
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  app.addHook("onRequest", (request, _reply, done) => {
    const parent = contextFromHeaders(request.headers);
    const span = tracer.startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: request.url.split("?")[0] ?? "",
          [ATTR.nodeId]: nodeId,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    spans.set(request, { span, context: active });
    context.with(active, done);
  });
  app.addHook("preHandler", (request, _reply, done) => {
    const entry = spans.get(request);
    if (entry === undefined) done();
    else context.with(entry.context, done);
  });
  app.addHook("onResponse", (request, reply, done) => {
    const entry = spans.get(request);
    if (entry !== undefined) {
      const route = request.routeOptions.url;
      const { span } = entry;
      if (route !== undefined) {
        span.updateName(`${request.method} ${route}`);
        span.setAttribute(ATTR_HTTP_ROUTE, route);
      }
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
    done();
  });
}
