/**
 * One prom-client registry per process (README "Monitoring"): prom-client's default Node.js metrics
 * (event loop lag, heap, GC, CPU, file descriptors) plus whatever the node, worker, HTTP and
 * mirror metrics of this module register on it. Never the library's global registry, so two
 * nodes or tests in one process never share series.
 */
import { createRequire } from "node:module";
import { Registry, collectDefaultMetrics } from "prom-client";

/** Every metric name of this project starts with it (the seed's namespace). */
export const METRIC_PREFIX = "elk_coordinator_";

/** A Prometheus text exposition and its content type, as `/metrics` serves it. */
export interface MetricsExposition {
  readonly contentType: string;
  render(): Promise<string>;
}

/** A process's registry, with prom-client's default Node.js metrics already registered. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** What `/metrics` serves for `registry` (the API's MetricsSource, the worker's endpoint). */
export function expositionOf(registry: Registry): MetricsExposition {
  return { contentType: registry.contentType, render: () => registry.metrics() };
}

/** This package's version (package.json), for the `version` label of `node_info`. */
export function packageVersion(): string {
  const manifest: unknown = createRequire(import.meta.url)("../../package.json");
  const version = (manifest as { version?: unknown }).version;
  return typeof version === "string" ? version : "unknown";
}
