/**
 * Traces of a node process (docs/OBSERVABILITY.md "Turning traces on"): the process entry
 * starts the OpenTelemetry SDK here, when the standard `OTEL_*` environment asks for it, before
 * the server starts; `startServer` then traces the node's requests and events. Off by default.
 */
import type { Logger } from "pino";
import { packageVersion } from "../metrics/index.js";
import {
  startTracing,
  tracesExporterOf,
  type RunningTracing,
  type TracesExporterName,
} from "../tracing-sdk/index.js";
import type { NodeId } from "../util/ids.js";

/** The `service.name` of a coordinator node's spans (unless `OTEL_SERVICE_NAME` says otherwise). */
export const NODE_SERVICE_NAME = "elk-coordinator";

/**
 * Starts the SDK for node `nodeId` when `OTEL_*` (or `exporter`, a flag) asks for traces; logs
 * which exporter runs. Null when tracing stays off.
 * @throws Error for an unknown `OTEL_TRACES_EXPORTER`
 */
export function startNodeTracing(
  nodeId: NodeId,
  logger: Logger,
  exporter?: TracesExporterName,
): RunningTracing | null {
  const running = startTracing({
    serviceName: NODE_SERVICE_NAME,
    instanceId: nodeId,
    serviceVersion: packageVersion(),
    ...(exporter === undefined ? {} : { exporterName: exporter }),
  });
  if (running !== null) {
    logger.info({ exporter: tracesExporterOf(process.env, exporter) }, "tracing on");
  }
  return running;
}
