/**
 * `buildApp(deps)`: the HTTP API of one node as a fastify instance that never listens
 * (after fastify's testing guide: the caller listens, tests use `inject`). JSON over HTTP/1.1 with
 * TypeBox schemas on every part of every route, errors as problem+json, an OpenAPI document, one
 * plugin per route group, writes forwarded to the leader, the optional API token, and a per-request
 * callback for the HTTP RED metrics (docs/API.md).
 */
import cors from "@fastify/cors";
import swagger from "@fastify/swagger";
import Fastify, { LogController } from "fastify";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import {
  httpBodyBytesMax,
  httpBodyDepthMax,
  httpRefusedBodyDrainBytesMax,
  httpRefusedBodyDrainMs,
} from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { NodeService } from "../node/service.js";
import type { ApiContext } from "./context.js";
import { TokenRegistry, scopedAuth } from "./auth.js";
import { drainBeforeClose } from "./drain-body.js";
import type { DrainLimits } from "./drain-body.js";
import {
  AUTHORIZATION_HEADER,
  CLIENT_ID_HEADER,
  CLIENT_SEQ_HEADER,
  IDEMPOTENCY_KEY_HEADER,
} from "../protocol/index.js";
import type { NodeEvents } from "../node/events.js";
import { consoleRoutes } from "./console/routes.js";
import { createUndiciForwarder } from "./forward.js";
import { nestsDeeperThan } from "./json-depth.js";
import type { Forwarder } from "./forward.js";
import { problemFor, problemOf, sendProblem } from "./problem.js";
import { ProgressSampler } from "./progress-sampler.js";
import { clusterRoutes } from "./routes/cluster.js";
import { completionRoutes } from "./routes/completions.js";
import { healthRoutes } from "./routes/health.js";
import type { MetricsSource } from "./routes/health.js";
import { partitionRoutes } from "./routes/partitions.js";
import { planRoutes } from "./routes/plans.js";
import { workerRoutes } from "./routes/workers.js";
import { strictValidatorCompiler } from "./validator.js";
import { traceRequests } from "./trace-hooks.js";
import { tracingActive } from "../tracing/api.js";

/** One served request, for the HTTP RED metrics (src/metrics counts them). */
export interface RequestSample {
  /** The route pattern (`/v1/plans/:planId`), or "unmatched". */
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  readonly durationMs: number;
}

/** What the API is built from. */
export interface AppDeps {
  readonly service: NodeService;
  /**
   * The secret shared by the cluster's nodes: it signs the hop header of forwarded writes, so
   * that only a peer can mark a request as already forwarded (forward.ts).
   */
  readonly clusterSecret: string;
  /** An admin token: with it (or `tokens`), routes need the scope they declare (./auth.ts). */
  readonly apiToken?: string;
  /** Scoped tokens (the caller may replace them later); `apiToken` is added as admin. */
  readonly tokens?: TokenRegistry;
  /** Largest request body (default constants.httpBodyBytesMax); larger → 413. */
  readonly bodyBytesMax?: number;
  /**
   * How much of a body refused unread is drained before the answer and the close (default
   * constants.httpRefusedBodyDrainBytesMax and httpRefusedBodyDrainMs; see drain-body.ts).
   */
  readonly refusedBodyDrain?: DrainLimits;
  readonly metrics?: MetricsSource;
  readonly logger?: FastifyBaseLogger;
  /** How writes reach the leader (default: undici, closed with the app). */
  readonly forward?: Forwarder;
  /** The CA an `https://` leader is verified against by the default forwarder (TLS clusters). */
  readonly forwardCa?: () => string;
  readonly onRequestDone?: (sample: RequestSample) => void;
  /** Local wall clock, ms since the epoch (default Date.now). */
  readonly clock?: () => number;
  /** The node's events: the console's timeline of leader changes and its rates. */
  readonly events?: NodeEvents;
  /**
   * Every member, this node included: id → HTTP base URL. The console polls their Raft status
   * and reconnects to them; their origins may call the API from a browser (CORS). Read anew on
   * every use, so the caller may keep it current as the membership changes. Default: none.
   */
  readonly members?: ReadonlyMap<string, string>;
}

/** Builds the API of the node behind `deps.service`. Never listens. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: deps.bodyBytesMax ?? httpBodyBytesMax,
    exposeHeadRoutes: false,
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: (error, _request, reply) => {
      void sendProblem(reply, problemFor("invalid_request", error.message));
    },
  });
  const closing = new AbortController();
  const api: ApiContext = {
    service: deps.service,
    forward: deps.forward ?? ownForwarder(app, deps.forwardCa),
    clusterSecret: deps.clusterSecret,
    sampler: new ProgressSampler(),
    clock: deps.clock ?? Date.now,
    closing: closing.signal,
  };
  app.addHook("preClose", async () => closing.abort());
  configureParsing(app);
  configureErrors(app);
  if (tracingActive()) traceRequests(app, deps.service.nodeId);
  drainBeforeClose(
    app,
    deps.refusedBodyDrain ?? {
      bytesMax: httpRefusedBodyDrainBytesMax,
      timeoutMs: httpRefusedBodyDrainMs,
    },
  );
  const tokens = deps.tokens ?? (deps.apiToken === undefined ? undefined : new TokenRegistry());
  if (tokens !== undefined) app.addHook("onRequest", scopedAuth(tokens, deps.apiToken));
  const onRequestDone = deps.onRequestDone;
  if (onRequestDone !== undefined) {
    app.addHook("onResponse", async (request, reply) => {
      onRequestDone({
        route: request.routeOptions.url ?? "unmatched",
        method: request.method,
        statusCode: reply.statusCode,
        durationMs: reply.elapsedTime,
      });
    });
  }
  const members = deps.members ?? new Map<string, string>();
  // A browser sends CORS preflights without credentials (Fetch standard); the request that
  // follows carries the token. So the preflight route @fastify/cors adds needs no scope.
  app.addHook("onRoute", (route) => {
    if (route.method === "OPTIONS" && route.url === "*") {
      route.config = { ...route.config, scope: "public" };
    }
  });
  void app.register(cors, memberOrigins(members));
  void app.register(swagger, OPENAPI);
  void app.register(async (plugin) => planRoutes(plugin, api));
  void app.register(async (plugin) => partitionRoutes(plugin, api));
  void app.register(async (plugin) => workerRoutes(plugin, api));
  void app.register(async (plugin) => completionRoutes(plugin, api));
  void app.register(async (plugin) => clusterRoutes(plugin, api));
  void app.register(async (plugin) => healthRoutes(plugin, api, deps.metrics));
  void app.register(async (plugin) =>
    consoleRoutes(plugin, api, {
      members,
      ...(deps.events === undefined ? {} : { events: deps.events }),
      ...(deps.apiToken === undefined ? {} : { apiToken: deps.apiToken }),
    }),
  );
  return app;
}

/**
 * CORS for the console: a page loaded from one member reconnects to another when its node dies,
 * so the members' own origins (and only those) may call the API from a browser, with the
 * Authorization header. No cookies are involved, so no credentials mode.
 */
function memberOrigins(members: ReadonlyMap<string, string>) {
  const allowed = (origin: string) =>
    [...members.values()].some((url) => new URL(url).origin === origin);
  return {
    origin: (origin: string | undefined, done: (error: Error | null, allow: boolean) => void) =>
      done(null, origin !== undefined && allowed(origin)),
    methods: ["GET", "POST", "DELETE"],
    allowedHeaders: [
      AUTHORIZATION_HEADER,
      "content-type",
      IDEMPOTENCY_KEY_HEADER,
      CLIENT_ID_HEADER,
      CLIENT_SEQ_HEADER,
    ],
    maxAge: 600,
  };
}

function ownForwarder(app: FastifyInstance, trustedCa: (() => string) | undefined): Forwarder {
  const forwarder = createUndiciForwarder(undefined, trustedCa);
  app.addHook("onClose", async () => forwarder.close());
  return forwarder.forward;
}

/**
 * Only JSON bodies (an empty one counts as absent), no deeper than `httpBodyDepthMax` (refused
 * before parsing, on every node, so nothing recursive ever walks one: see json-depth.ts),
 * checked by TypeBox; no text/plain.
 */
function configureParsing(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = typeof body === "string" ? body : body.toString("utf8");
    if (text === "") done(null, undefined);
    else if (nestsDeeperThan(text, httpBodyDepthMax)) done(tooDeep(), undefined);
    else void parseJson(request, text, done);
  });
  app.setValidatorCompiler(strictValidatorCompiler);
}

function tooDeep(): CoordinatorError {
  return new CoordinatorError(
    "invalid_request",
    `body: arrays and objects nest deeper than ${httpBodyDepthMax} levels`,
  );
}

/** Every error and unknown route answered as problem+json; bugs logged and hidden. */
function configureErrors(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = problemOf(error);
    if (problem !== null) return sendProblem(reply, problem);
    request.log.error({ err: error }, "internal error serving %s %s", request.method, request.url);
    return sendProblem(reply, problemFor("internal_error", "an internal error occurred"));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    return sendProblem(
      reply,
      problemFor("route_not_found", `no endpoint ${request.method} ${path.slice(0, 200)}`),
    );
  });
}

const OPENAPI = {
  openapi: {
    openapi: "3.1.0",
    info: {
      title: "elk-coordinator",
      version: "1",
      description:
        "The HTTP API of an elk-coordinator node. Any node answers; writes sent to a " +
        "follower are forwarded to the leader. Reads are linearizable unless ?consistency=stale. " +
        "Errors are application/problem+json with a stable `code` (docs/ERRORS.md). Exactly-once " +
        "writes: Idempotency-Key, or X-Elk-Client-Id with X-Elk-Client-Seq. Membership changes " +
        "(adding or removing nodes) have no endpoint yet.",
    },
    tags: [
      { name: "plans", description: "Workloads cut into partitions." },
      { name: "partitions", description: "Partitions and the reports of their holders." },
      { name: "workers", description: "Worker registration, leases and the acquire long poll." },
      { name: "cluster", description: "Raft status, leadership transfer, snapshots." },
      { name: "health", description: "Liveness, readiness, metrics; no token needed." },
    ],
    components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer" } } },
  },
};
