/**
 * `elk-coordinator worker --processor ./my-processor.js`: runs one worker (src/worker) in this
 * process — registers, processes up to `--window` partitions in parallel, and on SIGTERM or
 * SIGINT (or the loss of its parent) drains: acquires nothing more, lets running partitions
 * finish within `--drain-timeout-ms`, releases the rest, deregisters and exits 0. A second
 * signal during the drain exits at once (130). Logs are pino JSON lines on stdout. With
 * `--metrics-listen host:port` it serves its Prometheus metrics (src/metrics) on
 * `http://host:port/metrics`. When the standard `OTEL_*` variables ask for traces it starts the
 * OpenTelemetry SDK (src/tracing-sdk) and its partitions become traces (docs/OBSERVABILITY.md).
 *
 * {@link startLoggedWorker} is shared with the embedded worker of `elk-coordinator node
 * --processor` (./node-command.ts).
 */
import { hostname } from "node:os";
import { Command, Option } from "commander";
import { pino, type Logger } from "pino";
import { windowSizeDefault } from "../constants.js";
import {
  attachWorkerMetrics,
  createMetricsRegistry,
  expositionOf,
  packageVersion,
  startMetricsServer,
  type MetricsRegistry,
} from "../metrics/index.js";
import { LOG_LEVELS, traceMixin, type LogLevel } from "../server/index.js";
import { startTracing } from "../tracing-sdk/index.js";
import type { Worker, WorkerOptions } from "../worker/worker.js";
import { createWorker } from "../worker/worker.js";
import { DEV_ENDPOINTS, caOption, parseEndpoints, readCaFile } from "./client-options.js";
import { EXIT_INTERRUPTED, EXIT_OK } from "./exit-codes.js";
import { parseCount, parseHostPort } from "./parse.js";
import { loadProcessorModule } from "./processor-module.js";
import { onStopSignals } from "./signals.js";

/** The `service.name` of a worker process's spans (unless `OTEL_SERVICE_NAME` says otherwise). */
export const WORKER_SERVICE_NAME = "elk-coordinator-worker";

interface WorkerFlags {
  readonly endpoints: string;
  readonly apiToken?: string;
  readonly ca?: string;
  readonly processor: string;
  readonly window: string;
  readonly namespace?: string;
  readonly workerId?: string;
  readonly heartbeatIntervalMs?: string;
  readonly leaseTtlMs?: string;
  readonly drainTimeoutMs?: string;
  readonly metricsListen?: string;
  readonly logLevel: LogLevel;
}

/** The `worker` command. */
export function workerCommand(): Command {
  return new Command("worker")
    .description("run a worker that processes partitions with a processor module")
    .requiredOption("--processor <module>", "ES module exporting `processor` (and `planner`)")
    .addOption(
      new Option("--endpoints <urls>", "comma-separated node URLs (any node will do)")
        .env("ELK_ENDPOINTS")
        .default(DEV_ENDPOINTS, "the dev cluster's"),
    )
    .addOption(new Option("--api-token <token>", "sent as Bearer token").env("ELK_API_TOKEN"))
    .addOption(caOption())
    .option("--window <n>", "partitions processed in parallel", "4")
    .option("--namespace <ns>", 'the namespace whose plans it processes (default "default")')
    .option("--worker-id <id>", "unique per process (default <host>-<pid>-<random>)")
    .option("--heartbeat-interval-ms <ms>", "how often it renews its lease (default 2000)")
    .option("--lease-ttl-ms <ms>", "the lease it asks for (default 10000)")
    .option("--drain-timeout-ms <ms>", "on SIGTERM, time for running partitions (default 30000)")
    .addOption(
      new Option("--metrics-listen <host:port>", "serve Prometheus metrics on /metrics here").env(
        "ELK_METRICS_LISTEN",
      ),
    )
    .addOption(new Option("--log-level <level>", "log level").choices(LOG_LEVELS).default("info"))
    .action(async (flags: WorkerFlags) => runWorkerCommand(flags));
}

async function runWorkerCommand(flags: WorkerFlags): Promise<void> {
  const { processor, planner } = await loadProcessorModule(flags.processor);
  const optional = (text: string | undefined, option: string) =>
    text === undefined ? undefined : parseCount(text, option, 1);
  const heartbeatIntervalMs = optional(flags.heartbeatIntervalMs, "--heartbeat-interval-ms");
  const leaseTtlMs = optional(flags.leaseTtlMs, "--lease-ttl-ms");
  const drainTimeoutMs = optional(flags.drainTimeoutMs, "--drain-timeout-ms");
  const metricsListen =
    flags.metricsListen === undefined
      ? undefined
      : parseHostPort(flags.metricsListen, "--metrics-listen");
  const windowSize = parseCount(flags.window, "--window", 1);
  const tracing = startTracing({
    serviceName: WORKER_SERVICE_NAME,
    instanceId: flags.workerId ?? `${hostname()}-${process.pid}`,
    serviceVersion: packageVersion(),
  });
  const ca = readCaFile(flags.ca);
  const worker = await startLoggedWorker(
    {
      endpoints: parseEndpoints(flags.endpoints, ca !== undefined),
      ...(ca === undefined ? {} : { ca }),
      processor,
      ...(planner === undefined ? {} : { planner }),
      windowSize,
      ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
      ...(flags.workerId === undefined ? {} : { workerId: flags.workerId }),
      ...(flags.apiToken === undefined ? {} : { apiToken: flags.apiToken }),
      ...(heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs }),
      ...(leaseTtlMs === undefined ? {} : { leaseTtlMs }),
      ...(drainTimeoutMs === undefined ? {} : { drainTimeoutMs }),
    },
    flags.logLevel,
    metricsListen === undefined ? undefined : await serveMetrics(metricsListen),
  );
  onStopSignals({
    stop: (reason) => {
      worker.logger.info({ reason }, "draining");
      const stopped = worker.worker.stop().then(() => tracing?.shutdown());
      stopped.then(
        () => process.exit(EXIT_OK),
        (error: unknown) => {
          worker.logger.error({ err: String(error) }, "the drain failed");
          process.exit(EXIT_INTERRUPTED);
        },
      );
    },
    stopNow: (reason) => {
      worker.logger.warn({ reason }, "asked again while draining: exiting now");
      process.exit(EXIT_INTERRUPTED);
    },
  });
}

/**
 * A registry with the default Node.js metrics, served on `listen` before the worker starts (so
 * Prometheus sees the process while it registers); the process's exit closes it.
 */
async function serveMetrics(listen: { host: string; port: number }): Promise<MetricsRegistry> {
  const registry = createMetricsRegistry();
  await startMetricsServer(expositionOf(registry), listen.host, listen.port);
  return registry;
}

/** A started worker and its logger. */
export interface LoggedWorker {
  readonly worker: Worker;
  readonly logger: Logger;
}

/**
 * Creates a worker that logs its events with pino at `level` and, given `metricsRegistry`,
 * registers its metrics there (src/metrics); then starts it (resolves once it is registered).
 * @throws CoordinatorError when the cluster refuses the registration
 */
export async function startLoggedWorker(
  options: Omit<WorkerOptions, "logger">,
  level: LogLevel,
  metricsRegistry?: MetricsRegistry,
): Promise<LoggedWorker> {
  const logger = pino({ level, mixin: traceMixin });
  const worker = createWorker({ ...options, logger });
  if (metricsRegistry !== undefined) {
    const windowSize = options.windowSize ?? windowSizeDefault;
    const namespace = options.namespace;
    attachWorkerMetrics(metricsRegistry, worker, {
      windowSize,
      ...(namespace === undefined ? {} : { namespace }),
    });
  }
  const log = logger.child({ component: "worker", worker: worker.workerId });
  worker.on("registered", (e) => log.info(e, "registered"));
  worker.on("acquired", (e) => log.debug(e, "acquired"));
  worker.on("completed", (e) => log.debug(e, "completed"));
  worker.on("failed", (e) => log.warn(e, "partition failed"));
  worker.on("released", (e) => log.info(e, "released"));
  worker.on("lease-lost", (e) => log.warn(e, "lease lost: partition aborted"));
  worker.on("breaker-state", (e) => log.warn(e, `circuit breaker ${e.state}`));
  worker.on("planned", (e) => log.info(e, "planned"));
  worker.on("call-failed", (e) => log.debug(e, "a call failed; retrying"));
  worker.on("draining", (e) => log.info(e, "drain started"));
  worker.on("stopped", (e) => log.info(e, "stopped"));
  await worker.start();
  return { worker, logger: log };
}
