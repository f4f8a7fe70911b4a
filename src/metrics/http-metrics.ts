/**
 * The HTTP RED metrics of a node's API: requests by method, route and status, and
 * their duration, fed by the API's per-request callback (`onRequestDone` of src/api/app.ts).
 * The route is fastify's route PATTERN (`/v1/plans/:planId`), or "unmatched" — never the URL,
 * so no plan, partition or request id becomes a label value.
 */
import type { Registry } from "prom-client";
import { metricsRequestBucketsSeconds } from "../constants.js";
import { metricFactory } from "./factory.js";

/** One served request, as the API reports it (structurally the API's RequestSample). */
export interface HttpRequestSample {
  readonly route: string;
  readonly method: string;
  readonly statusCode: number;
  readonly durationMs: number;
}

/** Registers the HTTP metrics on `registry`; returns the callback to hand to the API. */
export function registerHttpMetrics(registry: Registry): (sample: HttpRequestSample) => void {
  const f = metricFactory(registry);
  const labelNames = ["method", "route", "status"] as const;
  const requests = f.counter(
    "http_requests_total",
    "HTTP requests served by this node, by method, route pattern and status code.",
    labelNames,
  );
  const seconds = f.histogram(
    "http_request_duration_seconds",
    "Time to serve an HTTP request (long polls included), by method, route pattern and status code.",
    labelNames,
    [...metricsRequestBucketsSeconds, 30],
  );
  return ({ route, method, statusCode, durationMs }) => {
    const labels = { method, route, status: String(statusCode) };
    requests.inc(labels);
    seconds.observe(labels, durationMs / 1000);
  };
}
