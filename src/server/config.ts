/**
 * The configuration of one coordinator process and where it comes from (README "Running a
 * cluster"): every setting has a flag (`--tick-interval-ms`), an environment variable
 * (`ELK_TICK_INTERVAL_MS`) and a config-file key (`tickIntervalMs`), all derived from one table,
 * with the precedence flag > env > file > default (the twelve-factor order). Values are parsed and
 * checked once, before anything starts; a mistake is a {@link ServerConfigError} naming where the
 * bad value came from.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { clusterSecretBytesMin, mirrorKeyPrefixDefault, nodeIdCharsMax } from "../constants.js";
import { MirrorConfigError, mirrorConfig, type MirrorConfig } from "../mirror/config.js";
import { isFailpoint, type Failpoint } from "../node/failpoints.js";
import {
  DEFAULT_NODE_TIMINGS,
  NodeConfigError,
  nodeConfig,
  type NodeTimings,
} from "../node/config.js";
import type { TlsFiles } from "../transport/tls.js";
import { NODE_ID_PATTERN, PEER_ADDRESS_PATTERN } from "../transport/transport.js";
import { asNodeId, type NodeId } from "../util/ids.js";

/** pino's levels, most to least verbose, plus `silent`. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where the process listens: HTTP API and peer links share it. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** Everything a coordinator process needs, checked. */
export interface ServerConfig {
  readonly nodeId: NodeId;
  readonly listen: ListenAddress;
  /**
   * The members named by the flags, this node included: id → `host:port` as THIS node reaches
   * it (its own entry is its advertised address). Without `join`, exactly the first voters of
   * the cluster (`--peers`, the same on every node for the cluster's life); with `join`, those
   * first voters and this node, which is not one of them.
   */
  readonly peers: ReadonlyMap<NodeId, string>;
  /**
   * Set when this node is NOT one of the first voters and joins a running cluster
   * (docs/MEMBERSHIP.md): HTTP base URLs of some of its members, asked for the membership when
   * the data directory is fresh. (`--join` on a node that `--peers` names is ignored, so one
   * template serves every pod of a StatefulSet.)
   */
  readonly join?: readonly string[];
  /** The token (read scope) `join` sends; default `apiToken`. */
  readonly joinToken?: string;
  /** The node's data directory, absolute (the LevelDB files live in its `raft` folder). */
  readonly dataDir: string;
  /** Shared by every node of the cluster; authenticates peer links (≥ 16 bytes). */
  readonly clusterSecret: string;
  /** When set, every `/v1` call needs `Authorization: Bearer <apiToken>` (an admin token). */
  readonly apiToken?: string;
  /** A file of scoped API tokens (docs/SECURITY.md), absolute; re-read on reload. */
  readonly apiTokensFile?: string;
  /** HTTPS for the API and mutual TLS between peers (docs/SECURITY.md); absent: plain HTTP. */
  readonly tls?: TlsFiles;
  readonly logLevel: LogLevel;
  readonly timings: NodeTimings;
  /** The Redis mirror (docs/REDIS-MIRROR.md), when `--redis-url` is given. */
  readonly mirror?: MirrorConfig;
  /** Failpoints armed by {@link FAILPOINTS_ENV} (chaos tests only; none in production). */
  readonly failpoints?: readonly ArmedFailpoint[];
}

/** A failpoint and when, after the process starts, it is armed. */
export interface ArmedFailpoint {
  readonly failpoint: Failpoint;
  /** Milliseconds after the server started; 0 arms it from the start. */
  readonly armAfterMs: number;
}

/**
 * The environment variable that arms failpoints (src/node/failpoints.ts), for chaos
 * tests only: `name[@armAfterMs],…`, e.g. `crash-after-persist@2000`. It has no flag and no
 * config-file key on purpose: nobody arms a crash by accident in a config file.
 */
export const FAILPOINTS_ENV = "ELK_FAILPOINTS";

/** A configuration that cannot work; the message names the flag, variable or file key. */
export class ServerConfigError extends Error {
  override readonly name = "ServerConfigError";
}

/** One setting of the table. */
export interface ServerOptionSpec {
  /** The config-file key; the flag and the variable are derived from it. */
  readonly key: ServerOptionKey;
  /** How the value is shown in `--help` (`<host:port>`). */
  readonly valueName: string;
  readonly description: string;
  /** The default, as text (absent: required or off). */
  readonly defaultText?: string;
}

/** The settings that are not timings. */
type IdentityKey =
  "id" | "listen" | "peers" | "dataDir" | "clusterSecret" | "apiToken" | "logLevel";
/** The settings of joining a running cluster (docs/MEMBERSHIP.md). */
type JoinKey = "join" | "joinToken" | "advertise";
/** The settings of TLS and scoped tokens (docs/SECURITY.md). */
type SecurityKey = "tlsCert" | "tlsKey" | "tlsCa" | "apiTokensFile";
/** The settings of the Redis mirror (docs/REDIS-MIRROR.md). */
type MirrorKey = "redisUrl" | "redisPrefix" | "redisMirrorCompleted" | "redisCompletedTtlSeconds";
export type ServerOptionKey = IdentityKey | JoinKey | SecurityKey | MirrorKey | keyof NodeTimings;

const TIMING_DESCRIPTIONS: Readonly<Record<keyof NodeTimings, string>> = {
  tickIntervalMs: "wall-clock length of one Raft tick",
  electionTimeoutTicks: "base election timeout (each term draws from [base, 2·base))",
  heartbeatIntervalTicks: "a leader sends heartbeats every this many ticks",
  proposalTimeoutMs: "a proposal or linearizable read not served by then fails",
  snapshotEveryEntries: "applied entries between two snapshots",
  snapshotLogTailEntries: "entries kept behind a snapshot for slow followers",
  leaderChangeLeaseGraceMs: "lease extension a new leader grants to every live lease",
  leadershipTransferTimeoutMs: "how long a leadership transfer may take",
  stopDrainTimeoutMs: "on a graceful stop, time given to in-flight proposals",
};

/** Every setting of a coordinator process, in `--help` order. */
export const SERVER_OPTIONS: readonly ServerOptionSpec[] = [
  { key: "id", valueName: "<id>", description: "this node's id ([A-Za-z0-9._-], ≤ 64 chars)" },
  {
    key: "listen",
    valueName: "<host:port>",
    description: "where the HTTP API and the peer links listen",
    defaultText: "127.0.0.1:7101",
  },
  {
    key: "peers",
    valueName: "<id=host:port,…>",
    description:
      "the first voters of the cluster, the same on every node for its whole life " +
      "(default: this node alone)",
  },
  {
    key: "join",
    valueName: "<url,…>",
    description:
      "for a node --peers does not name: join the running cluster at these members' URLs and " +
      "wait to be added (`member add`)",
  },
  {
    key: "advertise",
    valueName: "<host:port>",
    description: "a joining node's address as the others reach it (default: --listen)",
  },
  {
    key: "joinToken",
    valueName: "<token>",
    description: "a read-scope token --join sends when the cluster needs one (default --api-token)",
  },
  { key: "dataDir", valueName: "<dir>", description: "the node's data directory" },
  {
    key: "clusterSecret",
    valueName: "<secret>",
    description: `shared by all nodes; authenticates peer links (≥ ${clusterSecretBytesMin} bytes)`,
  },
  {
    key: "apiToken",
    valueName: "<token>",
    description: "require Bearer <token> on /v1 calls (this token has the admin scope)",
  },
  {
    key: "apiTokensFile",
    valueName: "<file>",
    description: "scoped API tokens, one `<read|write|admin> <token>` per line (re-read on SIGHUP)",
  },
  {
    key: "tlsCert",
    valueName: "<file>",
    description: "this node's certificate (PEM): HTTPS API, mutual TLS between peers",
  },
  { key: "tlsKey", valueName: "<file>", description: "the private key of --tls-cert (PEM)" },
  {
    key: "tlsCa",
    valueName: "<file>",
    description: "the cluster CA (PEM) that signs every node's certificate",
  },
  {
    key: "logLevel",
    valueName: "<level>",
    description: LOG_LEVELS.join("|"),
    defaultText: "info",
  },
  {
    key: "redisUrl",
    valueName: "<url>",
    description: "keep a read-only mirror of the state in this Redis (redis://host:port[/db])",
  },
  {
    key: "redisPrefix",
    valueName: "<prefix>",
    description: "prefix of the mirror's Redis keys",
    defaultText: mirrorKeyPrefixDefault,
  },
  {
    key: "redisMirrorCompleted",
    valueName: "<bool>",
    description: "mirror completed partitions (false: skip them, for very large plans)",
    defaultText: "true",
  },
  {
    key: "redisCompletedTtlSeconds",
    valueName: "<s>",
    description: "completed partitions go to a per-plan hash that expires after this long",
  },
  ...(Object.keys(DEFAULT_NODE_TIMINGS) as (keyof NodeTimings)[]).map((key) => ({
    key,
    valueName: key.endsWith("Ms") ? "<ms>" : key.endsWith("Ticks") ? "<ticks>" : "<n>",
    description: TIMING_DESCRIPTIONS[key],
    defaultText: String(DEFAULT_NODE_TIMINGS[key]),
  })),
];

/** `dataDir` → `--data-dir`. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** `dataDir` → `ELK_DATA_DIR`. */
export function envOf(key: string): string {
  return `ELK_${key.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()}`;
}

/** The variable that names a config file (the `--config` flag wins over it). */
export const CONFIG_FILE_ENV = "ELK_CONFIG";

/** What a configuration is assembled from. */
export interface ConfigSources {
  /** Flags given on the command line, by key, as typed. */
  readonly flags: Readonly<Partial<Record<ServerOptionKey, string>>>;
  /** The process environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A parsed config file (see {@link readConfigFile}). */
  readonly file?: ConfigFile;
}

/** A config file's JSON object and where it was read from. */
export interface ConfigFile {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Reads a JSON config file whose keys are those of {@link SERVER_OPTIONS}.
 * @throws ServerConfigError when it cannot be read, is not a JSON object or has an unknown key
 */
export async function readConfigFile(file: string): Promise<ConfigFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ServerConfigError(`cannot read the config file ${file}: ${messageOf(error)}`);
  }
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    throw new ServerConfigError(`the config file ${file} is not JSON: ${messageOf(error)}`);
  }
  if (typeof values !== "object" || values === null || Array.isArray(values)) {
    throw new ServerConfigError(`the config file ${file} must hold one JSON object`);
  }
  const known = new Set<string>(SERVER_OPTIONS.map((option) => option.key));
  const unknown = Object.keys(values).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    throw new ServerConfigError(
      `the config file ${file} has unknown keys: ${unknown.join(", ")} ` +
        `(known: ${[...known].join(", ")})`,
    );
  }
  return { path: file, values: values as Record<string, unknown> };
}

/** A raw value and the words that name its origin in an error message. */
interface Raw {
  readonly value: unknown;
  readonly origin: string;
}

/**
 * Assembles and checks the configuration (precedence flag > env > file > default).
 * @throws ServerConfigError naming the setting and its source: a missing id or data directory,
 *   a malformed id, address, peer list or number, peers without this node, a short secret,
 *   timings the node refuses (see validateNodeConfig)
 */
export function resolveServerConfig(sources: ConfigSources): ServerConfig {
  const pick = (key: ServerOptionKey): Raw | undefined => {
    const flag = sources.flags[key];
    if (flag !== undefined) return { value: flag, origin: flagOf(key) };
    const env = sources.env[envOf(key)];
    if (env !== undefined && env !== "") return { value: env, origin: envOf(key) };
    const file = sources.file;
    if (file !== undefined && file.values[key] !== undefined) {
      return { value: file.values[key], origin: `"${key}" in ${file.path}` };
    }
    return undefined;
  };
  const nodeId = parseNodeId(required(pick("id"), "id"));
  const listen = parseAddress(pick("listen") ?? { value: "127.0.0.1:7101", origin: "default" });
  const { peers, join } = parseMembers(pick, nodeId, listen);
  const joinToken = optionalText(pick("joinToken"));
  const dataDir = path.resolve(text(required(pick("dataDir"), "dataDir")));
  const clusterSecret = parseSecret(pick("clusterSecret"));
  const apiToken = optionalText(pick("apiToken"));
  const apiTokensFile = optionalText(pick("apiTokensFile"));
  const tls = parseTls(pick);
  const logLevel = parseLogLevel(pick("logLevel"));
  const timings = parseTimings(pick);
  const mirror = parseMirror(pick);
  const failpoints = parseFailpoints(sources.env[FAILPOINTS_ENV]);
  const config: ServerConfig = {
    nodeId,
    listen,
    peers,
    ...(join === undefined ? {} : { join }),
    ...(joinToken === undefined ? {} : { joinToken }),
    dataDir,
    clusterSecret,
    ...(apiToken === undefined ? {} : { apiToken }),
    ...(apiTokensFile === undefined ? {} : { apiTokensFile: path.resolve(apiTokensFile) }),
    ...(tls === undefined ? {} : { tls }),
    logLevel,
    timings,
    ...(mirror === undefined ? {} : { mirror }),
    ...(failpoints.length === 0 ? {} : { failpoints }),
  };
  checkWithNode(config);
  return config;
}

/**
 * The base URL of every node (`http://host:port`, or `https://` with TLS), as the node's config
 * wants it.
 */
export function peerUrls(peers: ReadonlyMap<NodeId, string>, tls = false): Map<NodeId, string> {
  const scheme = tls ? "https" : "http";
  return new Map([...peers].map(([id, address]) => [id, `${scheme}://${address}`]));
}

/**
 * The TLS files, or undefined when none is given.
 * @throws ServerConfigError when only some of `tlsCert`, `tlsKey`, `tlsCa` are given
 */
function parseTls(pick: (key: ServerOptionKey) => Raw | undefined): TlsFiles | undefined {
  const keys = ["tlsCert", "tlsKey", "tlsCa"] as const;
  const given = keys.map((key) => optionalText(pick(key)));
  const [certFile, keyFile, caFile] = given;
  if (certFile === undefined && keyFile === undefined && caFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined || caFile === undefined) {
    const missing = keys.filter((_key, at) => given[at] === undefined).map(flagOf);
    throw new ServerConfigError(
      `TLS needs ${keys.map(flagOf).join(", ")} together (the CA verifies peers); ` +
        `missing ${missing.join(", ")}`,
    );
  }
  return {
    certFile: path.resolve(certFile),
    keyFile: path.resolve(keyFile),
    caFile: path.resolve(caFile),
  };
}

function required(raw: Raw | undefined, key: ServerOptionKey): Raw {
  if (raw === undefined) {
    throw new ServerConfigError(
      `${flagOf(key)} is required (or ${envOf(key)}, or "${key}" in a config file)`,
    );
  }
  return raw;
}

function text(raw: Raw): string {
  if (typeof raw.value !== "string" || raw.value === "") {
    throw new ServerConfigError(`${raw.origin} must be a non-empty string`);
  }
  return raw.value;
}

function optionalText(raw: Raw | undefined): string | undefined {
  return raw === undefined ? undefined : text(raw);
}

function parseNodeId(raw: Raw, what = raw.origin): NodeId {
  const id = text(raw);
  if (id.length > nodeIdCharsMax || !NODE_ID_PATTERN.test(id)) {
    throw new ServerConfigError(
      `${what}: node id "${id}" must be 1..${nodeIdCharsMax} characters of A-Z a-z 0-9 . _ -`,
    );
  }
  return asNodeId(id);
}

function parseAddress(raw: Raw, what = raw.origin): ListenAddress {
  const address = text(raw);
  const match = PEER_ADDRESS_PATTERN.exec(address);
  const port = Number(match?.[2] ?? 0);
  if (match === null || port < 1 || port > 65_535) {
    throw new ServerConfigError(`${what} must be host:port with a port 1..65535, got "${address}"`);
  }
  return { host: (match[1] ?? "").replace(/^\[|\]$/g, ""), port };
}

/**
 * Who this node is among the members: one of the first voters (`--peers` names it), or a node
 * that joins (`--join`, advertised at `--advertise` or its listen address).
 */
function parseMembers(
  pick: (key: ServerOptionKey) => Raw | undefined,
  nodeId: NodeId,
  listen: ListenAddress,
): { peers: Map<NodeId, string>; join: string[] | undefined } {
  const peersRaw = pick("peers");
  const joinRaw = pick("join");
  const listenAddress = `${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`;
  // Without --peers: a single-node cluster of this node, unless it joins one.
  const peers =
    peersRaw !== undefined
      ? parsePeers(peersRaw)
      : new Map<NodeId, string>(joinRaw === undefined ? [[nodeId, listenAddress]] : []);
  if (peers.has(nodeId) || joinRaw === undefined) {
    if (!peers.has(nodeId)) {
      throw new ServerConfigError(
        `${peersRaw?.origin ?? "--peers"} must include this node (${nodeId}), or --join must ` +
          `name the running cluster it joins; it lists ${[...peers.keys()].join(", ")}`,
      );
    }
    return { peers, join: undefined };
  }
  const advertiseRaw = pick("advertise");
  const advertised = advertiseRaw === undefined ? listen : parseAddress(advertiseRaw);
  if (["0.0.0.0", "::", ""].includes(advertised.host)) {
    throw new ServerConfigError(
      `a joining node needs --advertise <host:port>: the others cannot reach ` +
        `${listenAddress}, the address it listens on`,
    );
  }
  const address = advertiseRaw === undefined ? listenAddress : text(advertiseRaw);
  return { peers: new Map([...peers, [nodeId, address]]), join: parseJoin(joinRaw) };
}

/** `http://10.0.0.1:7101,https://…` (or, in a file, an array of URLs). */
function parseJoin(raw: Raw): string[] {
  const values =
    typeof raw.value === "string"
      ? raw.value.split(",")
      : Array.isArray(raw.value)
        ? raw.value.map(String)
        : [];
  const urls = values.map((value) => value.trim().replace(/\/$/, "")).filter((v) => v !== "");
  if (urls.length === 0) throw new ServerConfigError(`${raw.origin} must list at least one URL`);
  for (const url of urls) {
    if (!/^https?:\/\/[^/\s]+$/.test(url)) {
      throw new ServerConfigError(`${raw.origin}: "${url}" is not http(s)://host:port`);
    }
  }
  return urls;
}

/** `n1=127.0.0.1:7101,n2=…` (or, in a file, `{ "n1": "127.0.0.1:7101", … }`). */
function parsePeers(raw: Raw): Map<NodeId, string> {
  const entries: [string, unknown][] =
    typeof raw.value === "string"
      ? raw.value
          .split(",")
          .filter((part) => part.trim() !== "")
          .map((part) => {
            const at = part.indexOf("=");
            if (at < 0) throw new ServerConfigError(`${raw.origin}: "${part}" is not id=host:port`);
            return [part.slice(0, at).trim(), part.slice(at + 1).trim()];
          })
      : typeof raw.value === "object" && raw.value !== null && !Array.isArray(raw.value)
        ? Object.entries(raw.value)
        : [];
  if (entries.length === 0) {
    throw new ServerConfigError(`${raw.origin} must list id=host:port,… (at least this node)`);
  }
  const peers = new Map<NodeId, string>();
  for (const [id, address] of entries) {
    const nodeId = parseNodeId({ value: id, origin: raw.origin });
    if (peers.has(nodeId)) throw new ServerConfigError(`${raw.origin} lists ${id} twice`);
    parseAddress({ value: address, origin: raw.origin }, `${raw.origin}: the address of ${id}`);
    peers.set(nodeId, String(address));
  }
  return peers;
}

function parseSecret(raw: Raw | undefined): string {
  if (raw === undefined) {
    throw new ServerConfigError(
      `a cluster secret is required to authenticate peer links: set ${envOf("clusterSecret")} ` +
        `(or ${flagOf("clusterSecret")}, or "clusterSecret" in a config file)`,
    );
  }
  const secret = text(raw);
  if (Buffer.byteLength(secret, "utf8") < clusterSecretBytesMin) {
    throw new ServerConfigError(
      `${raw.origin}: the cluster secret must be at least ${clusterSecretBytesMin} bytes`,
    );
  }
  return secret;
}

function parseLogLevel(raw: Raw | undefined): LogLevel {
  if (raw === undefined) return "info";
  const level = text(raw);
  const known = LOG_LEVELS.find((candidate) => candidate === level);
  if (known === undefined) {
    throw new ServerConfigError(`${raw.origin} must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return known;
}

function parseTimings(pick: (key: ServerOptionKey) => Raw | undefined): NodeTimings {
  const timings: { -readonly [K in keyof NodeTimings]: number } = { ...DEFAULT_NODE_TIMINGS };
  for (const key of Object.keys(DEFAULT_NODE_TIMINGS) as (keyof NodeTimings)[]) {
    const raw = pick(key);
    if (raw !== undefined) timings[key] = positiveInteger(raw);
  }
  return timings;
}

function positiveInteger(raw: Raw): number {
  const value =
    typeof raw.value === "number"
      ? raw.value
      : typeof raw.value === "string" && /^\d+$/.test(raw.value.trim())
        ? Number(raw.value.trim())
        : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ServerConfigError(
      `${raw.origin} must be a positive integer, got ${String(raw.value)}`,
    );
  }
  return value;
}

/**
 * The mirror's settings, or undefined without `redisUrl`.
 * @throws ServerConfigError for a mirror setting without `redisUrl`, a malformed boolean or
 *   number, or a setting the mirror refuses (see mirrorConfig)
 */
function parseMirror(pick: (key: ServerOptionKey) => Raw | undefined): MirrorConfig | undefined {
  const url = pick("redisUrl");
  const prefix = pick("redisPrefix");
  const completed = pick("redisMirrorCompleted");
  const ttl = pick("redisCompletedTtlSeconds");
  if (url === undefined) {
    const stray = prefix ?? completed ?? ttl;
    if (stray !== undefined)
      throw new ServerConfigError(`${stray.origin} needs ${flagOf("redisUrl")}`);
    return undefined;
  }
  try {
    return mirrorConfig({
      redisUrl: text(url),
      ...(prefix === undefined ? {} : { keyPrefix: text(prefix) }),
      ...(completed === undefined ? {} : { mirrorCompleted: parseBoolean(completed) }),
      ...(ttl === undefined ? {} : { completedTtlSeconds: positiveInteger(ttl) }),
    });
  } catch (error) {
    if (error instanceof MirrorConfigError) throw new ServerConfigError(error.message);
    throw error;
  }
}

/** `crash-before-send,crash-after-persist@2000` → armed failpoints (empty when unset). */
function parseFailpoints(text: string | undefined): ArmedFailpoint[] {
  if (text === undefined || text.trim() === "") return [];
  return text.split(",").map((part) => {
    const [name = "", after = "0"] = part.trim().split("@");
    if (!isFailpoint(name) || !/^\d+$/.test(after)) {
      throw new ServerConfigError(
        `${FAILPOINTS_ENV}: "${part}" is not name[@armAfterMs] with a known failpoint name`,
      );
    }
    return { failpoint: name, armAfterMs: Number(after) };
  });
}

function parseBoolean(raw: Raw): boolean {
  if (typeof raw.value === "boolean") return raw.value;
  if (raw.value === "true" || raw.value === "false") return raw.value === "true";
  throw new ServerConfigError(`${raw.origin} must be true or false, got ${String(raw.value)}`);
}

/** The node's own checks (timing relationships, URLs), reported as configuration errors. */
function checkWithNode(config: ServerConfig): void {
  try {
    const peers = peerUrls(config.peers, config.tls !== undefined);
    nodeConfig({ nodeId: config.nodeId, peers }, config.timings);
  } catch (error) {
    if (error instanceof NodeConfigError) throw new ServerConfigError(error.message);
    throw error;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
