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
