/**
 * The HTTP protocol shared by the API (src/api), the worker SDK and client (src/worker) and the
 * CLI: request/response schemas with their static types, the endpoint table, header names and
 * the problem+json shape (docs/API.md).
 */
export * from "./cluster.js";
export * from "./completions.js";
export * from "./connect-failure.js";
export * from "./console.js";
export * from "./fields.js";
export * from "./headers.js";
export * from "./members.js";
export * from "./partitions.js";
export * from "./plans.js";
export * from "./problem.js";
export * from "./route-spec.js";
export * from "./routes.js";
export * from "./workers.js";
