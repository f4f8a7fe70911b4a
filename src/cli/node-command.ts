/**
 * `elk-coordinator node`: runs one coordinator node in this process until SIGTERM or SIGINT (or,
 * when started by `dev`, until its parent goes away), then stops it gracefully — a leader hands
 * over first, in-flight proposals are answered, the database is closed — and exits 0. A later
 * signal (see ./signals.ts) exits at once. Startup failures (a locked or corrupt data directory, a taken port) are
 * logged with a clear message and exit 1; a wrong configuration exits 2.
 *
 * SIGHUP re-reads the TLS files and the API tokens file (RunningServer.reload); a file that
 * cannot be used is logged and the old material stays.
 *
 * Embedded mode (the seed's only mode): with `--processor <module>` a worker runs inside the
 * node process, talking to this node's own HTTP API (./worker-command.ts); on a stop signal it
 * drains first, then the node stops. Its metrics join the node's on the node's `/metrics`.
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import type { Logger } from "pino";
import {
  CONFIG_FILE_ENV,
  SERVER_OPTIONS,
  ServerConfigError,
  createLogger,
  envOf,
  flagOf,
  readConfigFile,
  resolveServerConfig,
  startNodeTracing,
  startServer,
  type ConfigSources,
  type RunningServer,
  type ServerConfig,
  type ServerOptionKey,
} from "../server/index.js";
import type { RunningTracing } from "../tracing-sdk/index.js";
import type { Worker } from "../worker/worker.js";
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, UsageError } from "./exit-codes.js";
import { parseCount } from "./parse.js";
import { loadProcessorModule } from "./processor-module.js";
import { onStopSignals } from "./signals.js";
import { startLoggedWorker } from "./worker-command.js";

/** The `node` command. */
export function nodeCommand(): Command {
  const command = new Command("node")
    .description("run one coordinator node (HTTP API and peer links on one port)")
    .option("--config <file>", `a JSON config file with the keys below [${CONFIG_FILE_ENV}]`)
    .option("--processor <module>", "also run a worker in this process (embedded mode)")
    .option("--window <n>", "the embedded worker's window (partitions in parallel)", "4");
  for (const spec of SERVER_OPTIONS) {
    const shown = spec.defaultText === undefined ? "" : ` (default ${spec.defaultText})`;
    command.option(
      `${flagOf(spec.key)} ${spec.valueName}`,
      `${spec.description}${shown} [${envOf(spec.key)}]`,
    );
  }
  command.addHelpText(
    "after",
    "\nPrecedence: flag > environment variable > config file > default. Config file keys are" +
      "\nthe camelCase flag names (dataDir, tickIntervalMs, …); peers may be an object there.",
  );
  return command.action(async (flags: Record<string, string | undefined>) => {
    const config = await loadConfig(flags);
    const embedded = await embeddedWorkerOf(flags);
    await runNode(config, embedded);
  });
}

/** The embedded worker's processor module and window, when `--processor` is given. */
async function embeddedWorkerOf(flags: Record<string, string | undefined>) {
  if (flags.processor === undefined) return null;
  const module = await loadProcessorModule(flags.processor);
  return { ...module, windowSize: parseCount(flags.window ?? "4", "--window", 1) };
}

/**
 * The configuration from the flags, the environment and the config file.
 * @throws UsageError for anything wrong with it
 */
async function loadConfig(flags: Record<string, string | undefined>): Promise<ServerConfig> {
  try {
    const configPath = flags.config ?? process.env[CONFIG_FILE_ENV];
    const given: Partial<Record<ServerOptionKey, string>> = {};
    for (const spec of SERVER_OPTIONS) {
      const value = flags[spec.key];
      if (value !== undefined) given[spec.key] = value;
    }
    const sources: ConfigSources = {
      flags: given,
      env: process.env,
      ...(configPath === undefined ? {} : { file: await readConfigFile(configPath) }),
    };
    return resolveServerConfig(sources);
  } catch (error) {
    if (error instanceof ServerConfigError) throw new UsageError(error.message);
    throw error;
  }
}

async function runNode(
  config: ServerConfig,
  embedded: Awaited<ReturnType<typeof embeddedWorkerOf>>,
): Promise<void> {
  const logger = createLogger(config.logLevel, config.nodeId);
  let server: RunningServer;
  let tracing: RunningTracing | null = null;
  try {
    tracing = startNodeTracing(config.nodeId, logger);
    server = await startServer(config, {
      logger,
      onFatal: () => process.exit(EXIT_FAILURE),
      // Like a SIGKILL: 128 + 9.
      onCrash: () => process.exit(137),
      // Removed on purpose (`member remove`): done, not failed; a restart refuses to serve.
      onRemoved: () => {
        void (tracing?.shutdown() ?? Promise.resolve()).finally(() => process.exit(EXIT_OK));
      },
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ dataDir: config.dataDir }, `node ${config.nodeId} could not start: ${message}`);
    process.exit(EXIT_FAILURE);
  }
  const worker = embedded === null ? null : startEmbeddedWorker(server, config, embedded, logger);
  stopOnSignals(server, logger, worker, tracing);
  process.on("SIGHUP", () => {
    server.reload().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      logger.error({ err: message }, "reload failed; keeping the previous TLS material and tokens");
    });
  });
}

/** Starts the embedded worker against this node's API; it registers once a leader is known. */
function startEmbeddedWorker(
  server: RunningServer,
  config: ServerConfig,
  embedded: NonNullable<Awaited<ReturnType<typeof embeddedWorkerOf>>>,
  logger: Logger,
): Promise<Worker> {
  const { planner, ...rest } = embedded;
  const started = startLoggedWorker(
    {
      ...rest,
      ...(planner === undefined ? {} : { planner }),
      endpoints: [server.url],
      workerId: `${config.nodeId}-worker-${process.pid}`,
      ...(config.apiToken === undefined ? {} : { apiToken: config.apiToken }),
      ...(config.tls === undefined ? {} : { ca: readFileSync(config.tls.caFile, "utf8") }),
    },
    config.logLevel,
    server.metricsRegistry,
  );
  started.catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    logger.fatal({ err: message }, "the embedded worker could not start");
    process.exit(EXIT_FAILURE);
  });
  return started.then(({ worker }) => worker);
}

/**
 * SIGTERM, SIGINT or the loss of the parent (IPC) stop the node (after draining the embedded
 * worker), then export the spans still buffered; a later signal exits now.
 */
function stopOnSignals(
  server: RunningServer,
  logger: Logger,
  worker: Promise<Worker> | null,
  tracing: RunningTracing | null,
): void {
  onStopSignals({
    stop: (reason) => {
      logger.info({ reason }, "stopping");
      const drained = worker === null ? Promise.resolve() : worker.then((w) => w.stop());
      drained
        .then(() => server.stop())
        .then(() => tracing?.shutdown())
        .then(
          () => process.exit(EXIT_OK),
          (error: unknown) => {
            logger.fatal({ err: String(error) }, "the graceful stop failed");
            process.exit(EXIT_FAILURE);
          },
        );
    },
    stopNow: (reason) => {
      logger.warn({ reason }, "asked again while stopping: exiting now");
      process.exit(EXIT_INTERRUPTED);
    },
  });
}
