/**
 * The configuration of the Redis mirror (docs/REDIS-MIRROR.md): where Redis is, the key prefix,
 * what to do with completed partitions, and the mirror's bounds. Defaults come from
 * src/constants.ts; every value is checked once, before anything connects.
 */
import * as constants from "../constants.js";

/** How completed partitions appear in the mirror (docs/REDIS-MIRROR.md, "Completed partitions"). */
export type CompletedPolicy =
  /** In the plan's partitions hash, like every other partition, for as long as the plan lives. */
  | { readonly kind: "keep" }
  /** In a separate `…:completed` hash per plan, which expires `ttlSeconds` after its last write. */
  | { readonly kind: "expire"; readonly ttlSeconds: number }
  /** Not mirrored at all (very large plans): a completed partition leaves the mirror. */
  | { readonly kind: "skip" };

/** The mirror's timings and bounds: positive integers, defaults in src/constants.ts. */
export interface MirrorBounds {
  /** Coalescing delay between the first change and its flush. */
  readonly flushDelayMs: number;
  /** Partition entries per synchronous render step, and per final atomic step. */
  readonly renderChunkPartitionsMax: number;
  /** Changes remembered between flushes before falling back to a full resync. */
  readonly dirtyEntriesMax: number;
  readonly redisCommandTimeoutMs: number;
  readonly retryDelayMsMin: number;
  readonly retryDelayMsMax: number;
  readonly stagingTtlSeconds: number;
}

/** Everything the mirror needs to know. */
export interface MirrorConfig extends MirrorBounds {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  readonly redisUrl: string;
  /** Prefix of every key the mirror writes; default `elk:`. */
  readonly keyPrefix: string;
  readonly completed: CompletedPolicy;
}

/** What a caller may say; the rest is defaulted. */
export interface MirrorOptions extends Partial<MirrorBounds> {
  readonly redisUrl: string;
  readonly keyPrefix?: string;
  /** `--redis-mirror-completed`; default true. False skips completed partitions. */
  readonly mirrorCompleted?: boolean;
  /** `--redis-completed-ttl-seconds`: completed partitions expire (needs mirrorCompleted). */
  readonly completedTtlSeconds?: number;
}

const BOUND_DEFAULTS: { -readonly [K in keyof MirrorBounds]: number } = {
  flushDelayMs: constants.mirrorFlushDelayMs,
  renderChunkPartitionsMax: constants.mirrorRenderChunkPartitionsMax,
  dirtyEntriesMax: constants.mirrorDirtyEntriesMax,
  redisCommandTimeoutMs: constants.mirrorRedisCommandTimeoutMs,
  retryDelayMsMin: constants.mirrorRetryDelayMsMin,
  retryDelayMsMax: constants.mirrorRetryDelayMsMax,
  stagingTtlSeconds: constants.mirrorStagingTtlSeconds,
};

/** A mirror configuration that cannot work (a caller mistake, reported before anything starts). */
export class MirrorConfigError extends Error {
  override readonly name = "MirrorConfigError";
}

/**
 * Characters a key prefix may hold: no spaces or glob metacharacters (the resync SCANs it), and
 * at least one (the mirror deletes unknown keys under its prefix: never the whole database).
 */
const PREFIX_PATTERN = /^[A-Za-z0-9._:{}-]{1,64}$/;

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new MirrorConfigError(`${name} must be an integer in [1, ${max}], got ${value}`);
  }
  return value;
}

function completedPolicy(options: MirrorOptions): CompletedPolicy {
  const ttl = options.completedTtlSeconds;
  if (options.mirrorCompleted === false) {
    if (ttl !== undefined) {
      throw new MirrorConfigError("a completed TTL needs completed partitions to be mirrored");
    }
    return { kind: "skip" };
  }
  if (ttl === undefined) return { kind: "keep" };
  const ttlSeconds = positiveInteger(
    "completedTtlSeconds",
    ttl,
    constants.mirrorCompletedTtlSecondsMax,
  );
  return { kind: "expire", ttlSeconds };
}

/**
 * The mirror configuration of `options`, defaults filled in.
 * @throws MirrorConfigError for a URL that is not redis(s)://, a prefix that is empty, longer
 *   than 64 or has characters outside `[A-Za-z0-9._:{}-]`, a TTL without completed partitions, or a bound that is
 *   not a positive integer (retry delays must grow, a render chunk must fit the dirty bound)
 */
export function mirrorConfig(options: MirrorOptions): MirrorConfig {
  if (!/^rediss?:\/\/[^\s]+$/.test(options.redisUrl)) {
    throw new MirrorConfigError(`the Redis URL must be redis(s)://…, got "${options.redisUrl}"`);
  }
  const keyPrefix = options.keyPrefix ?? constants.mirrorKeyPrefixDefault;
  if (!PREFIX_PATTERN.test(keyPrefix)) {
    throw new MirrorConfigError(`the key prefix must match ${PREFIX_PATTERN.source}`);
  }
  const bounds = { ...BOUND_DEFAULTS };
  for (const name of Object.keys(BOUND_DEFAULTS) as (keyof MirrorBounds)[]) {
    bounds[name] = positiveInteger(name, options[name] ?? BOUND_DEFAULTS[name]);
  }
  const config: MirrorConfig = {
    redisUrl: options.redisUrl,
    keyPrefix,
    completed: completedPolicy(options),
    ...bounds,
  };
  if (config.retryDelayMsMin > config.retryDelayMsMax) {
    throw new MirrorConfigError("retryDelayMsMin must not exceed retryDelayMsMax");
  }
  if (config.renderChunkPartitionsMax > config.dirtyEntriesMax) {
    throw new MirrorConfigError("renderChunkPartitionsMax must not exceed dirtyEntriesMax");
  }
  return config;
}
