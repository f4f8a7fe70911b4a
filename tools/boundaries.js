// The import directions of docs/ARCHITECTURE.md §2, as one table read by the ESLint rule
// (tools/eslint-boundaries.js) and by the tidy test (test/tidy.test.ts).
//
// A module is a folder under src/ (or a top-level file: constants.ts, errors.ts, index.ts).
// `modules` lists which of our modules it may import; `packages` lists the npm packages it may
// import ("*" = any); `nodeBuiltins` says whether `node:*` imports are allowed; `pure` modules
// additionally may not touch clocks, timers, randomness or the process (see PURE_GLOBALS).

/** @typedef {{ modules: string[], packages: string[] | "*", nodeBuiltins: boolean, pure?: boolean }} Boundary */

const FOUNDATION = ["util", "constants", "errors"];

/** @type {Record<string, Boundary>} */
export const BOUNDARIES = {
  util: { modules: [], packages: [], nodeBuiltins: false, pure: true },
  constants: { modules: ["util"], packages: [], nodeBuiltins: false, pure: true },
  errors: { modules: ["util"], packages: [], nodeBuiltins: false, pure: true },
  raft: { modules: FOUNDATION, packages: [], nodeBuiltins: false, pure: true },
  "state-machine": { modules: FOUNDATION, packages: [], nodeBuiltins: false, pure: true },
  wire: {
    modules: ["raft", "state-machine", ...FOUNDATION],
    packages: ["msgpackr"],
    nodeBuiltins: false,
    pure: true,
  },
  storage: {
    modules: ["raft", "wire", ...FOUNDATION],
    packages: ["classic-level", "abstract-level"],
    nodeBuiltins: true,
  },
  transport: { modules: ["raft", "wire", ...FOUNDATION], packages: ["ws"], nodeBuiltins: true },
  node: {
    modules: ["raft", "state-machine", "wire", "storage", "transport", "protocol", ...FOUNDATION],
    packages: ["pino"],
    nodeBuiltins: true,
  },
  // metrics computes the leader's per-plan gauges at scrape time with state-machine's pure
  // queries, run through the node's stale read, as api does (never raft, never a write).
  metrics: {
    modules: ["node", "worker", "protocol", "state-machine", ...FOUNDATION],
    packages: ["prom-client"],
    nodeBuiltins: true,
  },
  mirror: {
    modules: ["state-machine", "node", ...FOUNDATION],
    packages: ["ioredis", "pino"],
    nodeBuiltins: true,
  },
  // tracing holds the OpenTelemetry *API* calls of a node: the spans of its HTTP requests, of
  // forwarding, of its proposals and reads (correlated with the node's events by (index, term))
  // and of elections and snapshots. Only the API package: with no SDK registered every call is
  // the API's no-op, so library code never starts or configures tracing itself.
  tracing: {
    modules: ["node", "state-machine", ...FOUNDATION],
    packages: ["@opentelemetry/api", "@opentelemetry/semantic-conventions"],
    nodeBuiltins: true,
  },
  // tracing-sdk starts the OpenTelemetry SDK (tracer provider, sampler, OTLP exporter) from the
  // standard OTEL_* variables. Only the process entry points (server, cli) may import it, so no
  // library module ever starts an SDK behind its user's back.
  "tracing-sdk": {
    modules: ["tracing", ...FOUNDATION],
    packages: [
      "@opentelemetry/api",
      "@opentelemetry/core",
      "@opentelemetry/resources",
      "@opentelemetry/sdk-trace-base",
      "@opentelemetry/sdk-trace-node",
      "@opentelemetry/exporter-trace-otlp-proto",
      "@opentelemetry/semantic-conventions",
    ],
    nodeBuiltins: true,
  },
  protocol: {
    modules: ["state-machine", ...FOUNDATION],
    packages: ["typebox"],
    nodeBuiltins: false,
  },
  // api runs the state machine's pure queries through NodeService.read and proposes its
  // Command values, so it needs state-machine's public surface (types, queries), never raft.
  // undici forwards writes from a follower to the leader.
  // tracing: the request span hooks and the traceparent a forwarded request carries.
  api: {
    modules: ["node", "protocol", "metrics", "state-machine", "tracing", ...FOUNDATION],
    packages: [
      "@opentelemetry/api",
      "@opentelemetry/semantic-conventions",
      "fastify",
      "@fastify/cors",
      "@fastify/swagger",
      "@fastify/type-provider-typebox",
      "typebox",
      "prom-client",
      "undici",
    ],
    nodeBuiltins: true,
  },
  // The worker SDK's spans (acquire, process, checkpoint, complete/fail) and the traceparent
  // of its HTTP calls use tracing's API helpers (tracing/api.ts, which imports nothing of the
  // node); the worker entry point starts the SDK.
  worker: {
    modules: ["protocol", "tracing", ...FOUNDATION],
    packages: [
      "undici",
      "cockatiel",
      "pino",
      "@opentelemetry/api",
      "@opentelemetry/semantic-conventions",
    ],
    nodeBuiltins: true,
  },
  // The composition root: builds storage + transport + node + api + metrics + mirror and listens.
  server: {
    modules: [
      "raft",
      "state-machine",
      "wire",
      "storage",
      "transport",
      "node",
      "metrics",
      "mirror",
      "protocol",
      "api",
      "worker",
      "tracing",
      "tracing-sdk",
      ...FOUNDATION,
    ],
    // undici: `--join` asks a running cluster for its members before the node exists (join.ts).
    packages: ["pino", "fastify", "undici", "@opentelemetry/api"],
    nodeBuiltins: true,
  },
  // Client commands use protocol/worker only; `node` and `dev` reach the server through server/.
  // `certs` makes development certificates with @peculiar/x509 (no ASN.1 of our own).
  // `worker` is the worker process's composition root: it wires worker metrics and their
  // `--metrics-listen` endpoint (src/metrics), as server/ does for a node.
  cli: {
    modules: ["protocol", "worker", "server", "metrics", "tracing-sdk", ...FOUNDATION],
    packages: ["commander", "undici", "pino", "@peculiar/x509"],
    nodeBuiltins: true,
  },
  index: { modules: ["worker", "protocol", ...FOUNDATION], packages: [], nodeBuiltins: false },
  // The console page: browser modules served by src/api at /ui. They talk to the node over HTTP
  // only (the /v1 API and the /v1/events stream), so they import none of our modules, and only
  // the browser libraries the page is served with.
  ui: { modules: [], packages: ["preact", "htm", "uplot"], nodeBuiltins: false },
};

/** Identifiers a pure module may not read: clocks, timers, randomness, the process. */
export const PURE_GLOBALS = [
  "Date",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "clearTimeout",
  "clearInterval",
  "clearImmediate",
  "queueMicrotask",
  "process",
  "performance",
  "require",
  "fetch",
  "crypto",
];

/**
 * Which module a file under src/ belongs to, or undefined for files outside src/.
 * @param {string} relPath path relative to the repository root, with forward slashes
 */
export function moduleOf(relPath) {
  const match = /^src\/([^/]+)(\/|$)/.exec(relPath);
  if (match === null) return undefined;
  const head = match[1] ?? "";
  return match[2] === "/" ? head : head.replace(/\.[cm]?[jt]s$/, "");
}

/**
 * The package name of a bare import specifier ("@scope/name/sub" → "@scope/name").
 * @param {string} specifier
 */
export function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}

/**
 * Why an import from `fromFile` of `specifier` breaks the table, or undefined when it is allowed.
 * Type-only imports are checked too: a wrong arrow is wrong even when erased.
 * @param {string} fromFile repository-relative path of the importing file
 * @param {string} specifier the import's source text
 * @param {(spec: string) => string} resolveRelative maps a relative specifier to a repo-relative path
 */
export function boundaryViolation(fromFile, specifier, resolveRelative) {
  const from = moduleOf(fromFile);
  if (from === undefined) return undefined;
  const rule = BOUNDARIES[from];
  if (rule === undefined) return `src/${from} is not in tools/boundaries.js; add it to the table`;
  if (specifier.startsWith("node:")) {
    return rule.nodeBuiltins
      ? undefined
      : `src/${from} may not import Node built-ins (${specifier})`;
  }
  if (specifier.startsWith(".")) {
    const target = moduleOf(resolveRelative(specifier));
    if (target === undefined) return `src/${from} may not import from outside src/ (${specifier})`;
    if (target === from || rule.modules.includes(target)) return undefined;
    return `src/${from} may not import src/${target} (docs/ARCHITECTURE.md §2)`;
  }
  const pkg = packageOf(specifier);
  if (rule.packages === "*" || rule.packages.includes(pkg)) return undefined;
  return `src/${from} may not import the package ${pkg}; allow it in tools/boundaries.js if right`;
}
