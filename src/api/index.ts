/**
 * The HTTP API of a node (docs/API.md): `buildApp(deps)` and what it is built from.
 */
export { buildApp } from "./app.js";
export type { AppDeps, RequestSample } from "./app.js";
export { createUndiciForwarder } from "./forward.js";
export type { ForwardRequest, ForwardResponse, Forwarder } from "./forward.js";
export type { MetricsSource } from "./routes/health.js";
