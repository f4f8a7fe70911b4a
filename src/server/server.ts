/**
 * The composition root (docs/ARCHITECTURE.md §1): builds one coordinator process from its
 * configuration — the LevelDB Raft store of its data directory, the WebSocket peer transport, the
 * coordinator node and the HTTP API — and serves the API and the peer links on ONE listening port:
 * a single
 * `node:http` server hands requests to fastify's router and `upgrade` events to the transport.
 * With `--redis-url`, a Redis mirror (src/mirror) follows the node and stops after it.
 * `/metrics` serves the process's registry (src/metrics): the node's Raft, cluster and HTTP
 * metrics, the mirror's, and those of an embedded worker registered on it.
 * When a tracer provider is registered (./tracing.ts), the API serves through a traced view of
 * the node and the node's events become spans (src/tracing).
 * Only this module listens (fastify's testing guide: build the app, never listen in it).
 */
import { randomInt } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildApp, type MetricsSource, type RequestSample } from "../api/index.js";
import {
  attachNodeMetrics,
  createMetricsRegistry,
  expositionOf,
  registerMirrorMetrics,
  type MetricsRegistry,
} from "../metrics/index.js";
import { RedisMirror } from "../mirror/index.js";
import { nodeConfig, type NodeConfig } from "../node/config.js";
import { CoordinatorNode } from "../node/coordinator-node.js";
import { REAL_CLOCK, REAL_TIMERS } from "../node/ports.js";
import type { Failpoint } from "../node/failpoints.js";
import { createNodePeerTransport, type NodePeerTransport } from "../node/peer-transport.js";
import { RaftStore } from "../storage/raft-store.js";
import { NodeTracing, tracedService, tracingActive } from "../tracing/index.js";
import type { NodeId } from "../util/ids.js";
import { createPrng } from "../util/prng.js";
import { peerUrls, type ListenAddress, type ServerConfig } from "./config.js";
import { discoverMembers } from "./join.js";
import { loadSecurity, type Security } from "./security.js";

/** How long open HTTP connections get to finish once a stopping server stops listening. */
const HTTP_CLOSE_GRACE_MS = 1_000;

/** What the process around the server provides. */
export interface ServerOptions {
  readonly logger: Logger;
  /**
   * The node stopped on an error it cannot continue after (a failed fsync, a corrupt record, a
   * broken invariant); it has logged why. The process should exit non-zero.
   */
  readonly onFatal: (error: Error) => void;
  /**
   * An armed failpoint was reached (chaos tests, `ELK_FAILPOINTS`): the node has halted; the
   * process should die as if SIGKILLed.
   */
  readonly onCrash: (failpoint: Failpoint) => void;
  /**
   * This node's removal from the cluster committed (docs/MEMBERSHIP.md §5): the server has
   * stopped; the process should exit (0: the operator asked for it). Default: nothing more.
   */
  readonly onRemoved?: () => void;
  /** What `/metrics` serves instead of the process's registry (tests). */
  readonly metrics?: MetricsSource;
  /** Also called once per served request (the HTTP RED metrics are fed either way). */
  readonly onRequestDone?: (sample: RequestSample) => void;
}

/** A started coordinator process. */
export interface RunningServer {
  /** Its HTTP base URL, e.g. `http://127.0.0.1:7101`. */
  readonly url: string;
  readonly nodeId: NodeId;
  /** The node behind the API (NodeService, plus its events for metrics). */
  readonly service: CoordinatorNode;
  /** The Redis mirror next to the node (`--redis-url`), or null; its stats for metrics. */
  readonly mirror: RedisMirror | null;
  /** The registry `/metrics` serves; an embedded worker registers its metrics on it. */
  readonly metricsRegistry: MetricsRegistry;
  /**
   * Stops gracefully, once (later calls share the promise): the node hands leadership over,
   * answers what is in flight and closes its store (CoordinatorNode.stop), then the API closes
   * (long polls are released) and the HTTP server stops.
   */
  stop(): Promise<void>;
  /**
   * Re-reads the TLS files and the API tokens file (what SIGHUP does): new connections get the
   * new certificate, new requests the new tokens.
   * @throws SecurityConfigError when a file is unreadable or invalid (nothing changed then)
   */
  reload(): Promise<void>;
}

/** The server could not take its listening address. */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

/**
 * Opens the store in `config.dataDir`, starts the node, builds the API and listens on
 * `config.listen`. Nothing is left open when it throws.
 * @throws StorageError when the data directory is locked by another process, corrupt or unreadable
 * @throws NodeConfigError when the data directory belongs to another cluster layout
 * @throws ListenError when the address is taken or cannot be bound
 * @throws JoinError when `--join` is given, the data directory is fresh, and no endpoint answers
 * @throws SecurityConfigError when the TLS files or the API tokens file cannot be used
 */
export async function startServer(
  config: ServerConfig,
  options: ServerOptions,
): Promise<RunningServer> {
  const { logger } = options;
  const security = await loadSecurity(config, logger.child({ component: "security" }));
  const store = await RaftStore.open(config.dataDir);
  let transport: NodePeerTransport;
  let node: CoordinatorNode;
  try {
    const peers = await joinedPeers(config, store, security, logger);
    transport = createNodePeerTransport({
      selfId: config.nodeId,
      peers,
      clusterSecret: config.clusterSecret,
      logger: logger.child({ component: "transport" }),
      ...(security.tls === undefined ? {} : { tls: security.tls }),
    });
    node = await CoordinatorNode.start({
      config: nodeConfigOf({ ...config, peers }, logger),
      store,
      transport,
      clock: REAL_CLOCK,
      timers: REAL_TIMERS,
      prng: createPrng(randomInt(2 ** 31)),
      logger: logger.child({ component: "node" }),
      onFatal: options.onFatal,
      onCrash: options.onCrash,
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const observed = observe(node, options);
  const metricsRegistry = observed.registry;
  const tracing = tracingActive() ? new NodeTracing(config.nodeId, node.events) : null;
  const app = buildApp({
    service: tracing === null ? node : tracedService(node, tracing),
    clusterSecret: config.clusterSecret,
    ...(config.apiToken === undefined ? {} : { apiToken: config.apiToken }),
    ...(security.tokens === undefined ? {} : { tokens: security.tokens }),
    ...(security.tls === undefined ? {} : { forwardCa: () => security.tls?.().ca ?? "" }),
    metrics: observed.metrics,
    onRequestDone: observed.onRequestDone,
    events: node.events,
    members: liveMembers(node, config, security.tls === undefined ? "http" : "https"),
    logger: logger.child({ component: "api" }),
  });
  const server = await serve(app, transport, config.listen, security).catch(
    async (error: unknown) => {
      await node.stop();
      await app.close();
      throw error;
    },
  );
  const mirror =
    config.mirror === undefined
      ? null
      : RedisMirror.start({
          source: node,
          config: config.mirror,
          logger: logger.child({ component: "mirror" }),
        });
  if (mirror !== null) registerMirrorMetrics(metricsRegistry, config.nodeId, mirror);
  const scheme = security.tls === undefined ? "http" : "https";
  const url = `${scheme}://${config.peers.get(config.nodeId) ?? hostPort(config.listen)}`;
  logger.info({ url, listen: hostPort(config.listen), dataDir: config.dataDir }, "listening");
  let stopping: Promise<void> | null = null;
  const shutdown = async () => {
    await node.stop();
    observed.detach();
    tracing?.detach();
    await mirror?.stop();
    await app.close();
    await closeHttp(server);
  };
  const stop = () => (stopping ??= shutdown());
  node.events.on("removed", ({ configIndex }) => {
    // The node stops at once; the server lingers stopDrainTimeoutMs first, so that answers in
    // flight — above all the forwarded request that removed this node — reach their clients.
    const lingerMs = config.timings.stopDrainTimeoutMs;
    logger.warn(
      { configIndex, lingerMs },
      "this node was removed from the cluster; the server stops",
    );
    setTimeout(() => {
      void stop().then(
        () => options.onRemoved?.(),
        (error: unknown) => logger.error({ err: String(error) }, "stopping after removal failed"),
      );
    }, lingerMs);
  });
  return {
    url,
    nodeId: config.nodeId,
    service: node,
    mirror,
    metricsRegistry,
    stop,
    reload: () =>
      security.reload((tlsOptions) => (server as https.Server).setSecureContext(tlsOptions)),
  };
}

/**
 * Every member's HTTP base URL (id → URL) for the console and CORS, as a map the node's
 * `membership` events keep current: after a member is added or removed, the console polls and
 * follows the new set. Until the node knows a configuration, the flags' peers.
 */
function liveMembers(
  node: CoordinatorNode,
  config: ServerConfig,
  scheme: "http" | "https",
): ReadonlyMap<string, string> {
  const members = new Map<string, string>();
  const refresh = () => {
    const known = node.members().members.filter((member) => member.address !== null);
    const entries =
      known.length > 0
        ? known.map((member) => [member.id, `${scheme}://${member.address ?? ""}`] as const)
        : [...peerUrls(config.peers, scheme === "https")];
    members.clear();
    for (const [id, url] of entries) members.set(id, url);
  };
  refresh();
  node.events.on("membership", refresh);
  return members;
}

/**
 * The peers the node starts with: those of the flags; for a node that joins (`--join`) with a
 * fresh data directory, also the members the cluster names (docs/MEMBERSHIP.md). A joined node
 * restarting from its data directory needs no one: its log holds the configuration.
 * @throws JoinError when no `--join` endpoint answers in time
 */
async function joinedPeers(
  config: ServerConfig,
  store: RaftStore,
  security: Security,
  logger: Logger,
): Promise<ReadonlyMap<NodeId, string>> {
  if (config.join === undefined || store.holdsLog()) return config.peers;
  const token = config.joinToken ?? config.apiToken;
  const ca = security.tls?.().ca;
  const { members } = await discoverMembers({
    endpoints: config.join,
    ...(token === undefined ? {} : { token }),
    ...(ca === undefined ? {} : { ca }),
    logger: logger.child({ component: "join" }),
  });
  if (members.has(config.nodeId)) {
    logger.info({ nodeId: config.nodeId }, "this node is already a member; it catches up");
  }
  // The cluster's addresses win over the flags' (they are the replicated ones); ours is ours.
  const own = config.peers.get(config.nodeId) ?? "";
  return new Map([...config.peers, ...members, [config.nodeId, own]]);
}

/** The node's configuration, with the failpoints of ELK_FAILPOINTS armed on their timers. */
function nodeConfigOf(config: ServerConfig, logger: Logger): NodeConfig {
  const failpoints = armFailpoints(config, logger);
  const peers = peerUrls(config.peers, config.tls !== undefined);
  const joining = config.join !== undefined;
  const identity = { nodeId: config.nodeId, peers, failpoints, ...(joining ? { joining } : {}) };
  return nodeConfig(identity, config.timings);
}

/**
 * The set of armed failpoints the node's Ready loop consults; each is added when its delay has
 * passed (the timers do not keep the process alive).
 */
function armFailpoints(config: ServerConfig, logger: Logger): Set<Failpoint> {
  const armed = new Set<Failpoint>();
  for (const { failpoint, armAfterMs } of config.failpoints ?? []) {
    const arm = () => {
      armed.add(failpoint);
      logger.warn({ failpoint }, "failpoint armed");
    };
    if (armAfterMs === 0) arm();
    else setTimeout(arm, armAfterMs).unref();
  }
  return armed;
}

/**
 * The process's metrics registry with the node's metrics attached (src/metrics), what `/metrics`
 * serves (the registry, unless the options override it) and the per-request callback.
 */
function observe(node: CoordinatorNode, options: ServerOptions) {
  const registry = createMetricsRegistry();
  const nodeMetrics = attachNodeMetrics(registry, node);
  const extra = options.onRequestDone;
  return {
    registry,
    metrics: options.metrics ?? expositionOf(registry),
    onRequestDone: (sample: RequestSample) => {
      nodeMetrics.onRequestDone(sample);
      extra?.(sample);
    },
    detach: () => nodeMetrics.detach(),
  };
}

/**
 * One HTTP server for both: requests to fastify, upgrades on the peer path to the transport.
 * With TLS it is an HTTPS server only: a plain HTTP request fails its TLS handshake.
 */
async function serve(
  app: FastifyInstance,
  transport: NodePeerTransport,
  listen: ListenAddress,
  security: Security,
): Promise<http.Server> {
  await app.ready();
  const route = (request: http.IncomingMessage, response: http.ServerResponse) =>
    app.routing(request, response);
  const server =
    security.serverOptions === undefined
      ? http.createServer(route)
      : https.createServer(security.serverOptions(), route);
  server.on("upgrade", (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!transport.handleUpgrade(request, socket, head)) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "the address is in use (is another node running on it?)"
          : error.message;
      reject(new ListenError(`cannot listen on ${hostPort(listen)}: ${why}`, { cause: error }));
    };
    server.once("error", onError);
    server.listen(listen.port, listen.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  return server;
}

/** Stops listening; idle keep-alive connections close now, busy ones get a short grace. */
function closeHttp(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
}

function hostPort(listen: ListenAddress): string {
  return listen.host.includes(":")
    ? `[${listen.host}]:${listen.port}`
    : `${listen.host}:${listen.port}`;
}
