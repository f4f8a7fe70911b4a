/**
 * Starting the OpenTelemetry SDK of a process (docs/OBSERVABILITY.md "Turning traces on"): a
 * Node tracer provider (AsyncLocalStorage context, W3C trace-context propagation), its sampler
 * from `OTEL_TRACES_SAMPLER`/`OTEL_TRACES_SAMPLER_ARG`, and a batching span processor feeding an
 * OTLP/HTTP (protobuf) exporter whose endpoint and headers come from the standard
 * `OTEL_EXPORTER_OTLP_*` variables. Only the process entry points call this (the node process
 * through src/server, the worker command); library code only calls the API.
 *
 * It starts when the environment asks for traces (`OTEL_TRACES_EXPORTER=otlp|console`, or an
 * OTLP endpoint is set and `OTEL_TRACES_EXPORTER` is not `none`), and never when
 * `OTEL_SDK_DISABLED=true`; otherwise nothing is registered and every span is the API's no-op.
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type Sampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

/** The exporters `OTEL_TRACES_EXPORTER` may name here (the spec's `none` turns tracing off). */
export const TRACES_EXPORTERS = ["otlp", "console", "none"] as const;
export type TracesExporterName = (typeof TRACES_EXPORTERS)[number];

/** How to start tracing for one process. */
export interface TracingOptions {
  /** `service.name` (overridden by `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`). */
  readonly serviceName: string;
  /** `service.instance.id`: the node id, or the worker id. */
  readonly instanceId: string;
  readonly serviceVersion?: string;
  /** An exporter name given by a flag; it wins over `OTEL_TRACES_EXPORTER`. */
  readonly exporterName?: TracesExporterName;
  /**
   * An exporter to use instead of the one the environment names (tests, the bench): tracing
   * then starts whatever the environment says, and spans are exported one by one.
   */
  readonly exporter?: SpanExporter;
  /** A sampler instead of the environment's (tests, the bench). */
  readonly sampler?: Sampler;
}

/** A started SDK. */
export interface RunningTracing {
  /** Exports what is buffered. */
  flush(): Promise<void>;
  /** Exports what is buffered, then unregisters the SDK (the API is a no-op again). */
  shutdown(): Promise<void>;
}

/** `service.instance.id` (incubating in the semantic conventions; the name is stable). */
const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";

/**
 * Which exporter the environment (or `flag`) asks for, or null when tracing stays off.
 * @throws Error naming the value when `OTEL_TRACES_EXPORTER` names an exporter we do not ship
 */
export function tracesExporterOf(
  env: Readonly<Record<string, string | undefined>>,
  flag?: TracesExporterName,
): Exclude<TracesExporterName, "none"> | null {
  if (env["OTEL_SDK_DISABLED"]?.trim().toLowerCase() === "true") return null;
  const named = flag ?? env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase();
  if (named === undefined || named === "") {
    const endpoint =
      env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ?? env["OTEL_EXPORTER_OTLP_ENDPOINT"];
    return endpoint === undefined || endpoint === "" ? null : "otlp";
  }
  if (!(TRACES_EXPORTERS as readonly string[]).includes(named)) {
    throw new Error(`OTEL_TRACES_EXPORTER=${named} is not one of ${TRACES_EXPORTERS.join(", ")}`);
  }
  return named === "none" ? null : (named as "otlp" | "console");
}

/**
 * Starts and registers the SDK when the environment (`process.env`: the exporter, its endpoint
 * and headers, the sampler, resource attributes) or `options` ask for it; answers null,
 * registering nothing, when tracing stays off.
 * @throws Error for an unknown `OTEL_TRACES_EXPORTER`
 */
export function startTracing(options: TracingOptions): RunningTracing | null {
  const name =
    options.exporter === undefined ? tracesExporterOf(process.env, options.exporterName) : null;
  if (options.exporter === undefined && name === null) return null;
  const exporter =
    options.exporter ?? (name === "console" ? new ConsoleSpanExporter() : new OTLPTraceExporter());
  const processor =
    options.exporter === undefined
      ? new BatchSpanProcessor(exporter)
      : new SimpleSpanProcessor(exporter);
  const ours = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_INSTANCE_ID]: options.instanceId,
    ...(options.serviceVersion === undefined
      ? {}
      : { [ATTR_SERVICE_VERSION]: options.serviceVersion }),
  });
  const provider = new NodeTracerProvider({
    resource: ours.merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [processor],
    ...(options.sampler === undefined ? {} : { sampler: options.sampler }),
  });
  provider.register();
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
