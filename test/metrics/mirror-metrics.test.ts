// Proves the mirror metrics read the mirror's stats at scrape time: Redis up or down (no series
// while unknown), leading, lags in entries and seconds, and its counters.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { registerMirrorMetrics, type MirrorStatsView } from "../../src/metrics/index.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

describe("mirror metrics", () => {
  it("follow the mirror's stats", async () => {
    const registry = new Registry();
    let stats: MirrorStatsView = {
      leading: false,
      redis: "unknown",
      lagEntries: 0,
      lastLagMs: null,
      errorsTotal: 0,
      flushesTotal: 0,
      resyncsTotal: 0,
      refusedTotal: 0,
    };
    registerMirrorMetrics(registry, "n1", { stats: () => stats });
    expect(await seriesOf(registry, `${P}mirror_redis_up`)).toEqual({});
    expect(await seriesOf(registry, `${P}mirror_last_lag_seconds`)).toEqual({});
    stats = {
      ...stats,
      leading: true,
      redis: "up",
      lagEntries: 7,
      lastLagMs: 250,
      flushesTotal: 4,
      errorsTotal: 1,
    };
    const n1 = { node_id: "n1" };
    expect(await valueOf(registry, `${P}mirror_redis_up`, n1)).toBe(1);
    expect(await valueOf(registry, `${P}mirror_leading`, n1)).toBe(1);
    expect(await valueOf(registry, `${P}mirror_lag_entries`, n1)).toBe(7);
    expect(await valueOf(registry, `${P}mirror_last_lag_seconds`, n1)).toBe(0.25);
    expect(await valueOf(registry, `${P}mirror_flushes_total`, n1)).toBe(4);
    expect(await valueOf(registry, `${P}mirror_errors_total`, n1)).toBe(1);
    stats = { ...stats, redis: "down", flushesTotal: 5 };
    expect(await valueOf(registry, `${P}mirror_redis_up`, n1)).toBe(0);
    expect(await valueOf(registry, `${P}mirror_flushes_total`, n1)).toBe(5);
  });
});
