// Proves the HTTP metrics count requests and their durations by method, route pattern and
// status code.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerHttpMetrics } from "../../src/metrics/http-metrics.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

describe("HTTP metrics", () => {
  it("count requests by method, route pattern and status", async () => {
    const registry = new Registry();
    const onRequestDone = registerHttpMetrics(registry);
    onRequestDone({
      route: "/v1/plans/:planId",
      method: "GET",
      statusCode: 200,
      durationMs: 3,
    });
    onRequestDone({
      route: "/v1/plans/:planId",
      method: "GET",
      statusCode: 200,
      durationMs: 5,
    });
    onRequestDone({ route: "unmatched", method: "GET", statusCode: 404, durationMs: 1 });
    expect(await seriesOf(registry, `${P}http_requests_total`)).toEqual({
      "method=GET,route=/v1/plans/:planId,status=200": 2,
      "method=GET,route=unmatched,status=404": 1,
    });
    const count = await valueOf(registry, `${P}http_request_duration_seconds`, {
      le: "+Inf",
      status: "200",
    });
    expect(count).toBe(2);
  });
});
