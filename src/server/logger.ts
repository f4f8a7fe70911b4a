/**
 * The process logger: pino, JSON lines to stdout, one object per event, in the shape a log
 * pipeline expects (docs/OBSERVABILITY.md "Logs"): `time` (ms since the epoch), `level` (pino's
 * number: 30 info, 40 warn, …), `node` (the node id, so the logs of a cluster can be merged and
 * still read), `component` (api, node, transport, mirror, worker; `process` for the process's
 * own lines), `msg`, and inside a span `trace_id`, `span_id` and `trace_flags` of the active
 * span — the field names of the OpenTelemetry log data model, so a line joins its trace. pino
 * writes stdout synchronously, so a line logged just before `process.exit` is not lost.
 */
import { trace } from "@opentelemetry/api";
import { pino, type Logger } from "pino";
import type { NodeId } from "../util/ids.js";
import type { LogLevel } from "./config.js";

/** The `component` of lines logged by a logger that names none (the process's own lines). */
export const PROCESS_COMPONENT = "process";

/** Whether a logger's bindings name a component, per logger (bindings are parsed, so cached). */
const namesComponent = new WeakMap<object, boolean>();

/**
 * The fields pino mixes into every line: the active span's ids (none outside a span, and none
 * when tracing is off: the API's no-op span is never active), and `component` when the
 * logger's own bindings name none.
 */
export function traceMixin(_merged: object, _level: number, logger: Logger): object {
  let named = namesComponent.get(logger);
  if (named === undefined) {
    named = "component" in logger.bindings();
    namesComponent.set(logger, named);
  }
  const base = named ? {} : { component: PROCESS_COMPONENT };
  const span = trace.getActiveSpan();
  if (span === undefined) return base;
  const { traceId, spanId, traceFlags } = span.spanContext();
  return {
    ...base,
    trace_id: traceId,
    span_id: spanId,
    trace_flags: `0${traceFlags.toString(16)}`.slice(-2),
  };
}

/** A JSON logger to stdout at `level`, every line carrying `node: nodeId` (see above). */
export function createLogger(level: LogLevel, nodeId: NodeId): Logger {
  return pino({ level, base: { node: nodeId }, mixin: traceMixin });
}
