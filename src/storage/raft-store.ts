/**
 * The durable Raft store of one node: log entries, hard state and the latest snapshot in LevelDB
 * (classic-level), under the key layout of ./key-layout.ts, in `<dataDir>/raft`.
 *
 * Every write is ONE LevelDB batch with `sync: true` (docs/ARCHITECTURE.md §4.1): after the
 * returned promise resolves, the records survive a crash of the process or the machine; a batch is
 * atomic, so a crash leaves either all of it or none. Truncating a conflicting suffix (Raft §5.3),
 * replacing the log by a snapshot (Raft §7) and compaction delete key ranges inside that same
 * batch: the store knows which indexes it holds (the log is contiguous), so a range delete is one
 * `del` per index of the range.
 *
 * Operations run one at a time in call order. A failed write or a corrupt record raises a
 * {@link StorageError} naming the data directory; after a failed write every later operation
 * fails too (the node must stop, never continue on a guess).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { ClassicLevel } from "classic-level";
import { storageSnapshotChunkBytesMax } from "../constants.js";
import type { Entry, HardState, Snapshot } from "../raft/types.js";
import { assert } from "../util/assert.js";
import { encodeHardState } from "../wire/raft-codec.js";
import { BatchPlan, lastIndexOf, type StoredBounds } from "./batch-plan.js";
import { HARD_STATE_KEY } from "./key-layout.js";
import { RecordReader, errorText, levelCode } from "./record-reader.js";
import { importNativeModule } from "./native-module.js";
import { StorageError, type StorageFailure } from "./storage-error.js";

/** The folder inside the node's data directory that holds the LevelDB files. */
export const STORE_DIRECTORY = "raft";

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** What one Ready asks to make durable (docs/ARCHITECTURE.md §4.1). */
export interface PersistRequest {
  readonly hardState?: HardState;
  /** Entries to append; if `entries[0].index` ≤ the stored last index, the suffix is replaced. */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader; it replaces the whole log before `entries` apply. */
  readonly snapshot?: Snapshot;
}

/** What a write cost, for the `elk_coordinator_raft_fsync_duration_seconds` metric. */
export interface WriteReport {
  /** Wall time of the batch write including its fsync, in milliseconds (0 if nothing to write). */
  readonly syncDurationMs: number;
  /** Puts and deletes in the batch. */
  readonly operations: number;
  /** Bytes of keys and values put. */
  readonly bytes: number;
}

/** The durable state found at start, as plain data for MemoryStorage (raft-api.md). */
export interface LoadedRaftState {
  /** EMPTY_HARD_STATE for a fresh store. */
  readonly hardState: HardState;
  /** The latest snapshot, or null if none was ever stored. */
  readonly snapshot: Snapshot | null;
  /** The log after the snapshot: consecutive from `snapshot.index + 1` (or 1), terms non-decreasing. */
  readonly entries: Entry[];
}

/** Tuning of {@link RaftStore.open}. */
export interface RaftStoreOptions {
  /** Bytes per stored snapshot chunk; default `storageSnapshotChunkBytesMax`. */
  readonly snapshotChunkBytes?: number;
}

/** A Raft store opened on one data directory. Create with {@link RaftStore.open}. */
export class RaftStore {
  private bounds: StoredBounds;
  private queue: Promise<unknown> = Promise.resolve();
  private failure: StorageError | null = null;
  private closed = false;

  private constructor(
    private readonly db: Db,
    /** The node's data directory (the LevelDB files are in its `raft` folder). */
    readonly dataDir: string,
    bounds: StoredBounds,
    private readonly chunkBytes: number,
  ) {
    this.bounds = bounds;
  }

  /**
   * Opens (creating if needed) the store in `dataDir`.
   * @throws StorageError `locked` if another process or store holds it, `open_failed`,
   *   `unsupported_format` or `corrupt` (then nothing is left open)
   */
  static async open(dataDir: string, options: RaftStoreOptions = {}): Promise<RaftStore> {
    const chunkBytes = options.snapshotChunkBytes ?? storageSnapshotChunkBytesMax;
    assert(Number.isSafeInteger(chunkBytes) && chunkBytes > 0, "chunk size must be positive");
    const location = path.join(dataDir, STORE_DIRECTORY);
    // Imported here, not at the top, so an addon that fails to load is explained (native-module.ts).
    const level = await importNativeModule("classic-level", () => import("classic-level"));
    const db: Db = new level.ClassicLevel(location, { keyEncoding: "view", valueEncoding: "view" });
    try {
      await mkdir(location, { recursive: true });
      await db.open();
    } catch (error) {
      throw openError(dataDir, location, error);
    }
    try {
      const reader = new RecordReader(db, dataDir);
      await reader.checkFormat();
      return new RaftStore(db, dataDir, await reader.bounds(), chunkBytes);
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /** Whether the store holds any log entry or snapshot (false for a fresh data directory). */
  holdsLog(): boolean {
    return lastIndexOf(this.bounds) > 0;
  }

  /**
   * Reads and validates everything: hard state, latest snapshot, the log after it.
   * @throws StorageError `corrupt` naming the bad record (undecodable, gap in the log, terms
   *   going down, commit beyond the log, snapshot chunks missing), or `read_failed`
   */
  load(): Promise<LoadedRaftState> {
    return this.run(async () => {
      const reader = new RecordReader(this.db, this.dataDir);
      const hardState = await reader.hardState();
      const snapshot = await reader.snapshot();
      const entries = await reader.entriesAfter(snapshot?.metadata ?? null);
      const lastIndex = entries.at(-1)?.index ?? snapshot?.metadata.index ?? 0;
      if (hardState.commit > lastIndex) {
        reader.corrupt(
          `hard state commit ${hardState.commit} is beyond the last index ${lastIndex}`,
        );
      }
      return { hardState, snapshot, entries };
    });
  }

  /**
   * Makes one Ready durable in one synced batch: a received snapshot (replacing the whole log),
   * then `entries` (replacing a conflicting suffix), then the hard state.
   * @throws StorageError `write_failed` (the store is unusable afterwards) or `closed`
   * @throws InvariantViolation if entries are not consecutive or do not attach to the log
   */
  persist(request: PersistRequest): Promise<WriteReport> {
    return this.run(() => {
      const plan = new BatchPlan();
      let next = this.bounds;
      const { snapshot } = request;
      if (snapshot !== undefined) {
        const index = snapshot.metadata.index;
        assert(index >= next.snapshotIndex, "a received snapshot is older than the stored one");
        plan.deleteLogRange(next.firstStored, next.lastStored);
        const chunks = plan.putSnapshot(next, snapshot, this.chunkBytes);
        next = {
          firstStored: index + 1,
          lastStored: index,
          snapshotIndex: index,
          snapshotChunks: chunks,
        };
      }
      next = plan.append(next, request.entries);
      if (request.hardState !== undefined)
        plan.put(HARD_STATE_KEY, encodeHardState(request.hardState));
      return this.write(plan, next);
    });
  }

  /**
   * Stores a snapshot the local application took at an applied index; the log is kept (call
   * {@link compact} to drop entries behind it).
   * @throws StorageError `write_failed` or `closed`
   * @throws InvariantViolation if the snapshot is older than the stored one or beyond the log
   */
  saveSnapshot(snapshot: Snapshot): Promise<WriteReport> {
    return this.run(() => {
      const index = snapshot.metadata.index;
      assert(index >= this.bounds.snapshotIndex, "a snapshot is older than the stored one");
      assert(index <= lastIndexOf(this.bounds), "a snapshot is beyond the last log index");
      const plan = new BatchPlan();
      const chunks = plan.putSnapshot(this.bounds, snapshot, this.chunkBytes);
      return this.write(plan, { ...this.bounds, snapshotIndex: index, snapshotChunks: chunks });
    });
  }

  /**
   * Deletes the log entries at and below `index` (log compaction, Raft §7), which must be covered
   * by the stored snapshot.
   * @throws StorageError `write_failed` or `closed`
   * @throws InvariantViolation if `index` is beyond the stored snapshot
   */
  compact(index: number): Promise<WriteReport> {
    return this.run(() => {
      const b = this.bounds;
      assert(
        index <= b.snapshotIndex,
        () => `compact(${index}) beyond snapshot ${b.snapshotIndex}`,
      );
      const plan = new BatchPlan();
      plan.deleteLogRange(b.firstStored, Math.min(index, b.lastStored));
      return this.write(plan, { ...b, firstStored: Math.max(b.firstStored, index + 1) });
    });
  }

  /** Waits for queued operations, then closes LevelDB (releasing the lock). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await this.db.close();
  }

  /** Runs `operation` after every earlier one, unless the store is closed or has failed. */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed) {
      return Promise.reject(new StorageError(this.dataDir, "closed", "the store is closed"));
    }
    const result = this.queue.then(() => {
      if (this.failure !== null) throw this.failure;
      return operation();
    });
    // The queue only orders operations; each caller receives its own outcome through `result`.
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  private async write(plan: BatchPlan, next: StoredBounds): Promise<WriteReport> {
    if (plan.ops.length === 0) {
      this.bounds = next;
      return { syncDurationMs: 0, operations: 0, bytes: 0 };
    }
    const startedAtMs = performance.now();
    try {
      await this.db.batch(plan.ops, { sync: true });
    } catch (error) {
      this.failure = new StorageError(
        this.dataDir,
        "write_failed",
        `a synced batch of ${plan.ops.length} records failed (${errorText(error)}); ` +
          "nothing written after this point can be trusted, the node must stop",
        { cause: error },
      );
      throw this.failure;
    }
    const syncDurationMs = performance.now() - startedAtMs;
    this.bounds = next;
    return { syncDurationMs, operations: plan.ops.length, bytes: plan.bytes };
  }
}

function openError(dataDir: string, location: string, error: unknown): StorageError {
  const code = levelCode(error);
  const [failure, detail]: [StorageFailure, string] =
    code === "LEVEL_LOCKED"
      ? [
          "locked",
          `it is in use by another process (LevelDB lock ${path.join(location, "LOCK")}); ` +
            "is another node running with this data directory?",
        ]
      : code === "LEVEL_CORRUPTION"
        ? ["corrupt", `LevelDB reports corruption (${errorText(error)})`]
        : ["open_failed", `cannot open ${location} (${errorText(error)})`];
  return new StorageError(dataDir, failure, detail, { cause: error });
}
