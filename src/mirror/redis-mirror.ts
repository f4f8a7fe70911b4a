/**
 * The optional read-only Redis mirror of the applied state (docs/REDIS-MIRROR.md).
 *
 * Every node runs one; only the current leader writes. It listens to its node's events — `role`
 * (leadership starts or ends: a new leader resyncs everything), `applied` (marks what changed,
 * O(1) per command inside the Ready loop) and `indexes` (the applied index moved) — and flushes
 * in the background: after `flushDelayMs`, one flush at a time (./flush.ts), each ending in one
 * guarded, atomic commit. The Raft loop never waits for Redis: a slow or absent Redis delays the
 * mirror, not the cluster. A failed flush counts an error, marks a full resync, and retries with
 * doubling delays once Redis is reachable; Redis going away or coming back is logged once per
 * change. `stats()` and the `flushed` event carry the lag for the metrics module.
 */
import { CoordinatorError } from "../errors.js";
import type { NodeEvents } from "../node/events.js";
import type { NodeLogger } from "../node/ports.js";
import type { RaftStatusView, ReadConsistency } from "../node/service.js";
import type { CoordinatorState } from "../state-machine/index.js";
import type { NodeId } from "../util/ids.js";
import * as constants from "../constants.js";
import type { MirrorConfig } from "./config.js";
import { DirtySet } from "./dirty-set.js";
import { MirrorEvents } from "./events.js";
import { Flush, FlushAborted, type FlushResult } from "./flush.js";
import { MirrorKeys } from "./keys.js";
import { LagSampler } from "./lag.js";
import { RedisStore, reconnectDelayMs } from "./redis-store.js";
import { Resolver } from "./resolver.js";
import type { MirrorStore, StoreHandlers } from "./store.js";

/** What the mirror needs from its node (CoordinatorNode satisfies it). */
export interface MirrorSource {
  readonly nodeId: NodeId;
  readonly events: NodeEvents;
  appliedIndex(): number;
  raftStatus(): Pick<RaftStatusView, "role" | "term">;
  read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T>;
}

/** What a mirror is built from. */
export interface MirrorDeps {
  readonly source: MirrorSource;
  readonly config: MirrorConfig;
  readonly logger: NodeLogger;
  /** The Redis side; default a {@link RedisStore} on `config.redisUrl` (tests wrap it). */
  readonly store?: (handlers: StoreHandlers) => MirrorStore;
  /** Monotonic clock for lags and durations; default `performance.now`. */
  readonly monotonicMs?: () => number;
}

/** Figures for the metrics module and tests. */
export interface MirrorStats {
  /** Whether this node leads, so it is the one writing. */
  readonly leading: boolean;
  /** Redis as last seen: reachable, unreachable, or not yet known. */
  readonly redis: "up" | "down" | "unknown";
  /** The term this node leads in (0 if it never led). */
  readonly term: number;
  readonly appliedIndex: number;
  /** The applied index of this node's last commit in its current leadership (0 before one). */
  readonly mirroredIndex: number;
  /** `elk_coordinator_mirror_lag_entries`: applied − mirrored while leading, else 0. */
  readonly lagEntries: number;
  /** Lag of the last commit, ms (see the `flushed` event). */
  readonly lastLagMs: number | null;
  /** `elk_coordinator_mirror_errors_total`: failed flushes. */
  readonly errorsTotal: number;
  readonly flushesTotal: number;
  readonly resyncsTotal: number;
  /** Commits refused by the guard or the script's checks. */
  readonly refusedTotal: number;
  /** Marks waiting for the next flush. */
  readonly dirtyEntries: number;
}

/** The mirror of one node; see the module comment. Create with {@link RedisMirror.start}. */
export class RedisMirror {
  /** Typed events for metrics, logs and tests (./events.ts). */
  readonly events: MirrorEvents;
  private readonly source: MirrorSource;
  private readonly config: MirrorConfig;
  private readonly logger: NodeLogger;
  private readonly monotonicMs: () => number;
  private readonly keys: MirrorKeys;
  private readonly dirty: DirtySet;
  private readonly resolver: Resolver;
  private readonly lag = new LagSampler(constants.mirrorLagSamplesMax);
  private readonly store: MirrorStore;
  private readonly unsubscribe: (() => void)[] = [];
  private leading = false;
  private term = 0;
  private connected = false;
  private redis: "up" | "down" | "unknown" = "unknown";
  private stopped = false;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private mirroredIndex = 0;
  /** After a `stale` refusal: flush again only once the applied index passes this. */
  private passIndex = 0;
  private flushCount = 0;
  private lastLagMs: number | null = null;
  private readonly counters = { errorsTotal: 0, flushesTotal: 0, resyncsTotal: 0, refusedTotal: 0 };

  /** Builds the mirror of `deps.source`, connects to Redis and starts following the node. */
  static start(deps: MirrorDeps): RedisMirror {
    const mirror = new RedisMirror(deps);
    mirror.begin();
    return mirror;
  }

  private constructor(deps: MirrorDeps) {
    this.source = deps.source;
    this.config = deps.config;
    this.logger = deps.logger;
    this.monotonicMs = deps.monotonicMs ?? (() => performance.now());
    this.keys = new MirrorKeys(deps.config.keyPrefix);
    this.dirty = new DirtySet(deps.config.dirtyEntriesMax);
    this.resolver = new Resolver({ keys: this.keys, completed: deps.config.completed });
    this.events = new MirrorEvents((name, error) =>
      this.logger.error({ event: name, err: String(error) }, "a mirror event listener failed"),
    );
    const handlers: StoreHandlers = {
      onUp: () => this.onConnection(true, null),
      onDown: (reason) => this.onConnection(false, reason),
    };
    const connectionName = `elk-mirror-${deps.source.nodeId}`;
    this.store =
      deps.store?.(handlers) ?? new RedisStore(deps.config, this.keys, handlers, connectionName);
  }

  private begin(): void {
    const { events } = this.source;
    this.unsubscribe.push(
      events.on("role", (event) => this.onRole(event.role === "Leader", event.term)),
      events.on("applied", (event) => {
        if (!this.leading) return;
        this.dirty.markApplied(event.envelope, event.result);
        this.lag.onApplied(event.index, this.monotonicMs());
      }),
      events.on("indexes", () => this.wake()),
    );
    const status = this.source.raftStatus();
    this.onRole(status.role === "Leader", status.term);
  }

  /** Figures of the mirror right now. */
  stats(): MirrorStats {
    const appliedIndex = this.source.appliedIndex();
    return {
      leading: this.leading,
      redis: this.redis,
      term: this.term,
      appliedIndex,
      mirroredIndex: this.mirroredIndex,
      lagEntries: this.leading ? Math.max(0, appliedIndex - this.mirroredIndex) : 0,
      lastLagMs: this.lastLagMs,
      ...this.counters,
      dirtyEntries: this.dirty.size,
    };
  }

  /** Stops following the node, lets a flush under way end (or fail), closes the connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.clearTimer();
    await this.flushing;
    await this.store.close();
  }

  // ── Following the node ───────────────────────────────────────────────────────────────────

  private onRole(leads: boolean, term: number): void {
    if (leads && (!this.leading || term !== this.term)) {
      this.leading = true;
      this.term = term;
      this.mirroredIndex = 0;
      this.passIndex = 0;
      this.failures = 0;
      this.lag.clear();
      this.dirty.markResync();
      this.logger.info({ term }, "redis mirror: this node leads; resyncing the mirror");
      this.wake();
    } else if (!leads && this.leading) {
      this.leading = false;
      this.dirty.markResync();
      this.lag.clear();
      this.clearTimer();
    }
  }

  private onConnection(connected: boolean, reason: string | null): void {
    if (this.stopped) return;
    this.connected = connected;
    this.setRedis(connected ? "up" : "down", reason);
    if (connected) this.wake();
  }

  private setRedis(state: "up" | "down", reason: string | null): void {
    if (this.redis === state) return;
    const wasKnown = this.redis !== "unknown";
    this.redis = state;
    if (state === "down") {
      this.logger.warn(
        { reason, redisUrl: this.redactedUrl() },
        "redis mirror: Redis is unreachable; the cluster goes on, the mirror resyncs when it returns",
      );
    } else if (wasKnown) {
      this.logger.info({ redisUrl: this.redactedUrl() }, "redis mirror: Redis is reachable again");
    }
    this.events.emit("redis", { state, reason });
  }

  private redactedUrl(): string {
    return this.config.redisUrl.replace(/\/\/[^@/]*@/, "//***@");
  }

  // ── Flushing ─────────────────────────────────────────────────────────────────────────────

  /** Starts a flush after the coalescing delay, if this node leads and there is work. */
  private wake(): void {
    if (this.stopped || !this.leading || !this.connected) return;
    if (this.flushing !== null || this.timer !== null) return;
    const appliedIndex = this.source.appliedIndex();
    if (this.passIndex > 0 && appliedIndex <= this.passIndex) return;
    if (this.dirty.isEmpty && appliedIndex <= this.mirroredIndex) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flushOnce().finally(() => {
        this.flushing = null;
        this.wake();
      });
    }, this.config.flushDelayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async flushOnce(): Promise<void> {
    const term = this.term;
    const startedAtMs = this.monotonicMs();
    const flush = new Flush({
      store: this.store,
      keys: this.keys,
      dirty: this.dirty,
      resolver: this.resolver,
      readState: (query) =>
        this.source.read((state) => query(state, this.source.appliedIndex()), "stale"),
      chunkPartitionsMax: this.config.renderChunkPartitionsMax,
      stagingTtlSeconds: this.config.stagingTtlSeconds,
      writer: `${this.source.nodeId}.${term}.${++this.flushCount}`,
      isCurrent: () => !this.stopped && this.leading && this.term === term,
    });
    try {
      const result = await flush.run(this.mirroredIndex, term);
      this.failures = 0;
      this.setRedis("up", null);
      this.onCommitted(result, term, this.monotonicMs() - startedAtMs);
    } catch (error) {
      this.onFlushFailed(error);
    }
  }

  private onCommitted(result: FlushResult, term: number, durationMs: number): void {
    const { outcome } = result;
    if (outcome.kind !== "ok") {
      this.counters.refusedTotal++;
      this.dirty.markResync();
      if (outcome.kind === "stale") this.passIndex = outcome.mirrorIndex;
      this.logger.warn(
        { outcome, index: result.index, term },
        "redis mirror: commit refused; resyncing",
      );
      this.events.emit("refused", { outcome });
      return;
    }
    this.mirroredIndex = result.index;
    this.passIndex = 0;
    this.counters.flushesTotal++;
    if (result.resync) this.counters.resyncsTotal++;
    const lagMs = this.lag.onMirrored(result.index, this.monotonicMs());
    if (lagMs !== null) this.lastLagMs = lagMs;
    const lagEntries = Math.max(0, this.source.appliedIndex() - result.index);
    const { rounds, entries, resync, index } = result;
    this.events.emit("flushed", {
      index,
      term,
      resync,
      rounds,
      entries,
      lagMs,
      lagEntries,
      durationMs,
    });
  }

  private onFlushFailed(error: unknown): void {
    this.dirty.markResync();
    const stopping = error instanceof CoordinatorError && error.code === "node_stopping";
    if (error instanceof FlushAborted || stopping) return;
    this.counters.errorsTotal++;
    this.failures++;
    const message = error instanceof Error ? error.message : String(error);
    this.setRedis("down", message);
    this.events.emit("failed", { error: message });
    const delayMs = reconnectDelayMs(
      this.failures,
      this.config.retryDelayMsMin,
      this.config.retryDelayMsMax,
    );
    this.timer = setTimeout(() => {
      this.timer = null;
      this.wake();
    }, delayMs);
    this.timer.unref();
  }
}
