// Proves a worker's metrics endpoint serves the registry's exposition on GET /metrics with its
// content type, answers 404 elsewhere, and frees its port on close.
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { expositionOf, startMetricsServer } from "../../src/metrics/index.js";

describe("startMetricsServer", () => {
  it("serves /metrics on a free port and closes", async () => {
    const registry = new Registry();
    new Counter({ name: "elk_test_total", help: "h", registers: [registry] }).inc(3);
    const server = await startMetricsServer(expositionOf(registry), "127.0.0.1", 0);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(registry.contentType);
      expect(await response.text()).toMatch(/^elk_test_total 3$/m);
      expect((await fetch(server.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
