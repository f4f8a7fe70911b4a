/**
 * Declares metrics on one registry under the project's prefix, so each metrics module lists
 * its metrics as one line of name, help and labels each (prom-client underneath). A `collect`
 * runs at scrape time (prom-client calls it before reading the metric).
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { METRIC_PREFIX } from "./registry.js";

/** Declares metrics named `elk_coordinator_<name>` on one registry. */
export interface MetricFactory {
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L>;
  counter<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect?: (this: Counter<L>) => void,
  ): Counter<L>;
  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    buckets: readonly number[],
  ): Histogram<L>;
}

/**
 * The factory of `registry`.
 * @throws Error (prom-client, from its methods) when a name is registered twice
 */
export function metricFactory(registry: Registry): MetricFactory {
  const registers = [registry];
  const named = (name: string) => `${METRIC_PREFIX}${name}`;
  return {
    gauge: (name, help, labelNames, collect) =>
      new Gauge({ name: named(name), help, labelNames, registers, ...(collect && { collect }) }),
    counter: (name, help, labelNames, collect) =>
      new Counter({ name: named(name), help, labelNames, registers, ...(collect && { collect }) }),
    histogram: (name, help, labelNames, buckets) =>
      new Histogram({ name: named(name), help, labelNames, buckets: [...buckets], registers }),
  };
}

/**
 * The children of `metric` for the labels `fixed` plus the varying ones, each made once per
 * distinct combination: prom-client hashes the whole label set on every labelled call, which a
 * per-message or per-proposal path should not pay. Callers pass the varying labels in one fixed
 * key order (the cache key is their values in order).
 */
export function childrenOf<L extends string, C>(
  metric: { labels(labels: Partial<Record<L, string | number>>): C },
  fixed: Partial<Record<L, string>>,
): (labels: Partial<Record<L, string>>) => C {
  const children = new Map<string, C>();
  return (labels) => {
    const key = Object.values(labels).join("\u0000");
    let child = children.get(key);
    if (child === undefined) {
      child = metric.labels({ ...fixed, ...labels });
      children.set(key, child);
    }
    return child;
  };
}
