/**
 * Tracing with the OpenTelemetry API (docs/OBSERVABILITY.md): the tracer and its helpers, the
 * spans a node's events make, and the traced NodeService the API serves through.
 */
export {
  ATTR,
  TRACER_NAME,
  contextFromHeaders,
  errorTypeOf,
  inSpan,
  injectTraceHeaders,
  intervalSpan,
  markError,
  tracer,
  tracingActive,
} from "./api.js";
export { NodeTracing, nowMs } from "./node-tracing.js";
export type { LogPosition } from "./node-tracing.js";
export { tracedService } from "./traced-service.js";
