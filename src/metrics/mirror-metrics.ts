/**
 * The Redis mirror's metrics (its figures, exported as Prometheus metrics), read at scrape time
 * from the mirror's `stats()`: whether Redis is reachable, whether this node writes (it leads), the
 * lag in entries and of the last commit, and the flush, resync, refusal and error counts. Described
 * structurally, so this module needs nothing from src/mirror.
 */
import type { Registry } from "prom-client";
import { metricFactory } from "./factory.js";

/** The mirror's figures this module reads (src/mirror's MirrorStats has them all). */
export interface MirrorStatsView {
  readonly leading: boolean;
  readonly redis: "up" | "down" | "unknown";
  readonly lagEntries: number;
  readonly lastLagMs: number | null;
  readonly errorsTotal: number;
  readonly flushesTotal: number;
  readonly resyncsTotal: number;
  readonly refusedTotal: number;
}

/** Registers the mirror metrics of `mirror` (a node's RedisMirror) on `registry`. */
export function registerMirrorMetrics(
  registry: Registry,
  nodeId: string,
  mirror: { stats(): MirrorStatsView },
): void {
  const f = metricFactory(registry);
  const id = ["node_id"] as const;
  const gauge = (name: string, help: string, read: (stats: MirrorStatsView) => number | null) =>
    f.gauge(name, help, id, function () {
      this.reset();
      const value = read(mirror.stats());
      if (value !== null) this.set({ node_id: nodeId }, value);
    });
  const counter = (name: string, help: string, read: (stats: MirrorStatsView) => number) =>
    f.counter(name, help, id, function () {
      this.reset();
      this.inc({ node_id: nodeId }, read(mirror.stats()));
    });
  gauge(
    "mirror_redis_up",
    "1 when Redis answered the mirror's last call, 0 when it did not.",
    (s) => (s.redis === "unknown" ? null : s.redis === "up" ? 1 : 0),
  );
  gauge("mirror_leading", "1 when this node leads, so its mirror is the one writing.", (s) =>
    s.leading ? 1 : 0,
  );
  gauge(
    "mirror_lag_entries",
    "Applied index minus mirrored index while leading.",
    (s) => s.lagEntries,
  );
  gauge("mirror_last_lag_seconds", "From apply to visible in Redis, for the last commit.", (s) =>
    s.lastLagMs === null ? null : s.lastLagMs / 1000,
  );
  counter("mirror_flushes_total", "Mirror commits that landed in Redis.", (s) => s.flushesTotal);
  counter("mirror_resyncs_total", "Full rewrites of the mirror.", (s) => s.resyncsTotal);
  counter(
    "mirror_refused_total",
    "Commits refused by the term/index guard.",
    (s) => s.refusedTotal,
  );
  counter(
    "mirror_errors_total",
    "Flushes that failed (Redis unreachable, timeouts, errors).",
    (s) => s.errorsTotal,
  );
}
