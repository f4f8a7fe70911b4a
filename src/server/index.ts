/**
 * The composition root of a coordinator process (docs/ARCHITECTURE.md §1): its configuration
 * (flags, environment, config file), its logger, and `startServer`.
 */
export {
  CONFIG_FILE_ENV,
  FAILPOINTS_ENV,
  LOG_LEVELS,
  SERVER_OPTIONS,
  ServerConfigError,
  envOf,
  flagOf,
  peerUrls,
  readConfigFile,
  resolveServerConfig,
} from "./config.js";
export type {
  ArmedFailpoint,
  ConfigFile,
  ConfigSources,
  ListenAddress,
  LogLevel,
  ServerConfig,
  ServerOptionKey,
  ServerOptionSpec,
} from "./config.js";
export type { NodeTimings } from "../node/config.js";
export { DEFAULT_NODE_TIMINGS } from "../node/config.js";
export { PROCESS_COMPONENT, createLogger, traceMixin } from "./logger.js";
export { NODE_ID_PATTERN } from "../transport/transport.js";
export { SecurityConfigError } from "./security.js";
export { ListenError, startServer } from "./server.js";
export { NODE_SERVICE_NAME, startNodeTracing } from "./tracing.js";
export type { RunningServer, ServerOptions } from "./server.js";
