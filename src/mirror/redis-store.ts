/**
 * {@link MirrorStore} over ioredis: staging writes in one pipeline per chunk, the commit as an
 * EVALSHA of the guard script (EVAL once when Redis does not know it yet), SCAN for a resync.
 *
 * The connection never queues commands while Redis is away (`enableOfflineQueue: false`,
 * `maxRetriesPerRequest: 0`): a flush fails at once, the mirror marks a resync and waits for
 * the connection to come back. ioredis reconnects by itself with doubling delays between
 * `retryDelayMsMin` and `retryDelayMsMax`; its `ready` and `close` events are reported to the
 * mirror, and its `error` events are absorbed (the mirror logs state changes, not every retry).
 */
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { COMMIT_SCRIPT, decodeCommitReply, encodeCommit } from "./commit-script.js";
import type { MirrorConfig } from "./config.js";
import type { MirrorKeys } from "./keys.js";
import type {
  CommitOutcome,
  CommitRequest,
  MirrorStore,
  StagingWrite,
  StoreHandlers,
} from "./store.js";

const SCRIPT_SHA1 = createHash("sha1").update(COMMIT_SCRIPT).digest("hex");
/** Keys asked for per SCAN call. */
const SCAN_COUNT = 1_000;
/** Keys per DEL call when discarding. */
const DELETE_KEYS_PER_CALL = 500;

/** Doubling reconnect delays between the configured bounds. */
export function reconnectDelayMs(attempt: number, minMs: number, maxMs: number): number {
  return Math.min(maxMs, minMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** The mirror's Redis connection; see the module comment. */
export class RedisStore implements MirrorStore {
  private readonly redis: Redis;

  /** Connects to `config.redisUrl` (in the background; `handlers.onUp` says when ready). */
  constructor(
    config: MirrorConfig,
    private readonly keys: MirrorKeys,
    handlers: StoreHandlers,
    connectionName: string,
  ) {
    this.redis = new Redis(config.redisUrl, {
      connectionName,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: config.redisCommandTimeoutMs,
      connectTimeout: config.redisCommandTimeoutMs,
      retryStrategy: (attempt) =>
        reconnectDelayMs(attempt, config.retryDelayMsMin, config.retryDelayMsMax),
    });
    let lastError = "connection closed";
    this.redis.on("error", (error: Error) => void (lastError = error.message));
    this.redis.on("ready", () => handlers.onUp());
    this.redis.on("close", () => handlers.onDown(lastError));
  }

  /** {@inheritDoc MirrorStore.stage} */
  async stage(writes: readonly StagingWrite[], ttlSeconds: number): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const write of writes) {
      if (write.fresh) pipeline.del(write.key).hset(write.key, "", "1");
      if (write.set.size > 0) pipeline.hset(write.key, write.set);
      if (write.remove.length > 0) pipeline.hdel(write.key, ...write.remove);
      pipeline.expire(write.key, ttlSeconds);
    }
    const replies = await pipeline.exec();
    for (const [error] of replies ?? []) if (error !== null) throw error;
  }

  /** {@inheritDoc MirrorStore.commit} */
  async commit(request: CommitRequest): Promise<CommitOutcome> {
    const { keys, args } = encodeCommit(request, this.keys);
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(SCRIPT_SHA1, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      reply = await this.redis.eval(COMMIT_SCRIPT, keys.length, ...keys, ...args);
    }
    return decodeCommitReply(reply);
  }

  /** {@inheritDoc MirrorStore.scanKeys} */
  async scanKeys(pattern: string): Promise<string[]> {
    const found = new Set<string>();
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== "0");
    return [...found];
  }

  /** {@inheritDoc MirrorStore.discard} */
  async discard(keys: readonly string[]): Promise<void> {
    for (let first = 0; first < keys.length; first += DELETE_KEYS_PER_CALL) {
      await this.redis.del(...keys.slice(first, first + DELETE_KEYS_PER_CALL));
    }
  }

  /** {@inheritDoc MirrorStore.close} */
  async close(): Promise<void> {
    try {
      await this.redis.quit();
    } catch {
      // Not connected: nothing to say goodbye to; drop the socket and stop reconnecting.
      this.redis.disconnect();
    }
  }
}
