/**
 * The durable Raft store of one node: log entries, hard state and the latest snapshot in LevelDB
 * (classic-level), under the key layout of ./key-layout.ts, in `<dataDir>/raft`.
 *
 * Every write is ONE LevelDB batch with `sync: true` (DESIGN.md §4): after the returned promise
 * resolves, the records survive a crash of the process or the machine; a batch is atomic, so a
 * crash leaves either all of it or none. Truncating a conflicting suffix (Raft §5.3), replacing
 * the log by a snapshot (Raft §7) and compaction delete key ranges inside that same batch: the
 * store knows which indexes it holds (the log is contiguous), so a range delete is one `del` per
 * index of the range.
 *
 * Operations run one at a time in call order. A failed write or a corrupt record raises a
 * {@link StorageError} naming the data directory; after a failed write every later operation
 * fails too (the node must stop, never continue on a guess).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { ClassicLevel } from "classic-level";
import { storageSnapshotChunkBytesMax } from "../constants.js";
import type { Entry, HardState, Snapshot, SnapshotMetadata } from "../raft/types.js";
import { EMPTY_HARD_STATE } from "../raft/types.js";
import { assert } from "../util/assert.js";
import {
  WireDecodeError,
  decodeEntry,
  decodeHardState,
  decodeSnapshotMetadata,
  encodeEntry,
  encodeHardState,
  encodeSnapshotMetadata,
} from "../wire/raft-codec.js";
import {
  FORMAT_KEY,
  HARD_STATE_KEY,
  LOG_RANGE,
  SNAPSHOT_CHUNK_RANGE,
  SNAPSHOT_METADATA_KEY,
  SNAPSHOT_SIZE_KEY,
  STORE_FORMAT_VERSION,
  chunkNumberOfKey,
  decodeUint64,
  encodeUint64,
  logIndexOfKey,
  logKey,
  snapshotChunkKey,
} from "./key-layout.js";
import { StorageError, type StorageFailure } from "./storage-error.js";

/** The folder inside the node's data directory that holds the LevelDB files. */
export const STORE_DIRECTORY = "raft";

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** What one Ready asks to make durable (DESIGN.md §4 step 2). */
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

export interface RaftStoreOptions {
  /** Bytes per stored snapshot chunk; default `storageSnapshotChunkBytesMax`. */
  readonly snapshotChunkBytes?: number;
}

/**
 * What is on disk, kept in memory so writes know which keys to delete. Stored log keys are
 * exactly `firstStored..lastStored` (none when `lastStored < firstStored`); while the log is
 * non-empty, `firstStored ≤ snapshotIndex + 1`.
 */
interface StoredBounds {
  readonly firstStored: number;
  readonly lastStored: number;
  readonly snapshotIndex: number;
  readonly snapshotChunks: number;
}

const lastIndexOf = (b: StoredBounds): number =>
  b.lastStored >= b.firstStored ? Math.max(b.lastStored, b.snapshotIndex) : b.snapshotIndex;

type BatchOp =
  { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

/** The operations of one batch being planned. */
class BatchPlan {
  readonly ops: BatchOp[] = [];
  bytes = 0;

  put(key: Uint8Array, value: Uint8Array): void {
    this.ops.push({ type: "put", key, value });
    this.bytes += key.byteLength + value.byteLength;
  }

  deleteLogRange(from: number, through: number): void {
    for (let index = from; index <= through; index++) {
      this.ops.push({ type: "del", key: logKey(index) });
    }
  }

  /** Writes the snapshot's records, deleting leftover chunks of the previous one. */
  putSnapshot(previous: StoredBounds, snapshot: Snapshot, chunkBytes: number): number {
    const { data } = snapshot;
    this.put(SNAPSHOT_METADATA_KEY, encodeSnapshotMetadata(snapshot.metadata));
    this.put(SNAPSHOT_SIZE_KEY, encodeUint64(data.byteLength));
    const chunks = Math.ceil(data.byteLength / chunkBytes);
    for (let n = 0; n < chunks; n++) {
      this.put(snapshotChunkKey(n), data.subarray(n * chunkBytes, (n + 1) * chunkBytes));
    }
    for (let n = chunks; n < previous.snapshotChunks; n++) {
      this.ops.push({ type: "del", key: snapshotChunkKey(n) });
    }
    return chunks;
  }

  /** Appends `entries`, replacing a conflicting stored suffix (Raft §5.3). */
  append(b: StoredBounds, entries: readonly Entry[]): StoredBounds {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (first === undefined || last === undefined) return b;
    entries.forEach((e, i) =>
      assert(e.index === first.index + i, () => `entries to persist skip from ${first.index}`),
    );
    assert(
      first.index > b.snapshotIndex && first.index <= lastIndexOf(b) + 1,
      () =>
        `entries from ${first.index} do not attach to the log ` +
        `(snapshot ${b.snapshotIndex}, last ${lastIndexOf(b)})`,
    );
    this.deleteLogRange(last.index + 1, b.lastStored);
    for (const entry of entries) this.put(logKey(entry.index), encodeEntry(entry));
    const empty = b.lastStored < b.firstStored;
    return { ...b, firstStored: empty ? first.index : b.firstStored, lastStored: last.index };
  }
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
    const db: Db = new ClassicLevel(location, { keyEncoding: "view", valueEncoding: "view" });
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
        `a synced batch of ${plan.ops.length} records failed (${describe(error)}); ` +
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

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

function levelCode(error: unknown): string | undefined {
  const find = (e: unknown): string | undefined =>
    e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined;
  const cause = error instanceof Error ? find(error.cause) : undefined;
  return cause ?? find(error);
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
        ? ["corrupt", `LevelDB reports corruption (${describe(error)})`]
        : ["open_failed", `cannot open ${location} (${describe(error)})`];
  return new StorageError(dataDir, failure, detail, { cause: error });
}

/** Reads and validates records, turning every failure into a {@link StorageError}. */
class RecordReader {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  corrupt(detail: string, cause?: unknown): never {
    throw new StorageError(this.dataDir, "corrupt", detail, { cause });
  }

  private async guard<T>(doing: string, read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof StorageError) throw error;
      if (error instanceof WireDecodeError)
        return this.corrupt(`${doing}: ${error.message}`, error);
      const failure = levelCode(error) === "LEVEL_CORRUPTION" ? "corrupt" : "read_failed";
      throw new StorageError(this.dataDir, failure, `${doing}: ${describe(error)}`, {
        cause: error,
      });
    }
  }

  /** Checks the format record; writes it into a store that has no records at all. */
  checkFormat(): Promise<void> {
    return this.guard("reading the format record", async () => {
      const stored = await this.db.get(FORMAT_KEY);
      if (stored === undefined) {
        const anyKey = await this.db.keys({ limit: 1 }).all();
        if (anyKey.length > 0) this.corrupt("records without a format record: not a raft store");
        await this.db.put(FORMAT_KEY, encodeUint64(STORE_FORMAT_VERSION), { sync: true });
        return;
      }
      const version = decodeUint64(stored);
      if (version === undefined) this.corrupt("the format record is malformed");
      if (version !== STORE_FORMAT_VERSION) {
        throw new StorageError(
          this.dataDir,
          "unsupported_format",
          `written in store format ${version}; this version reads format ${STORE_FORMAT_VERSION}`,
        );
      }
    });
  }

  /** Which log keys and snapshot chunks are stored (keys only; values are read by load). */
  bounds(): Promise<StoredBounds> {
    return this.guard("reading the log bounds", async () => {
      const metadata = await this.db.get(SNAPSHOT_METADATA_KEY);
      const snapshotIndex = metadata === undefined ? 0 : decodeSnapshotMetadata(metadata).index;
      const [first] = await this.db.keys({ ...LOG_RANGE, limit: 1 }).all();
      const [last] = await this.db.keys({ ...LOG_RANGE, limit: 1, reverse: true }).all();
      const chunkKeys = await this.db.keys(SNAPSHOT_CHUNK_RANGE).all();
      if (first === undefined || last === undefined) {
        return {
          firstStored: snapshotIndex + 1,
          lastStored: snapshotIndex,
          snapshotIndex,
          snapshotChunks: chunkKeys.length,
        };
      }
      const firstStored = logIndexOfKey(first) ?? this.corrupt("a log key is malformed");
      const lastStored = logIndexOfKey(last) ?? this.corrupt("a log key is malformed");
      return { firstStored, lastStored, snapshotIndex, snapshotChunks: chunkKeys.length };
    });
  }

  hardState(): Promise<HardState> {
    return this.guard("reading the hard state", async () => {
      const stored = await this.db.get(HARD_STATE_KEY);
      return stored === undefined ? EMPTY_HARD_STATE : decodeHardState(stored);
    });
  }

  snapshot(): Promise<Snapshot | null> {
    return this.guard("reading the snapshot", async () => {
      const metadataBytes = await this.db.get(SNAPSHOT_METADATA_KEY);
      const sizeBytes = await this.db.get(SNAPSHOT_SIZE_KEY);
      const chunks: Uint8Array[] = [];
      for await (const [key, value] of this.db.iterator(SNAPSHOT_CHUNK_RANGE)) {
        const n = chunkNumberOfKey(key);
        if (n !== chunks.length) this.corrupt(`snapshot chunk ${chunks.length} is missing`);
        chunks.push(value);
      }
      if (metadataBytes === undefined) {
        if (sizeBytes !== undefined || chunks.length > 0) {
          this.corrupt("snapshot data is stored without snapshot metadata");
        }
        return null;
      }
      const metadata = decodeSnapshotMetadata(metadataBytes);
      const size = sizeBytes === undefined ? undefined : decodeUint64(sizeBytes);
      if (size === undefined) this.corrupt("the snapshot size record is missing or malformed");
      const data = concat(chunks);
      if (data.byteLength !== size) {
        this.corrupt(`snapshot data has ${data.byteLength} bytes, its size record says ${size}`);
      }
      return { metadata, data };
    });
  }

  /** The log after the snapshot, checked: consecutive indexes, keys match, terms never drop. */
  entriesAfter(snapshot: SnapshotMetadata | null): Promise<Entry[]> {
    const afterIndex = snapshot?.index ?? 0;
    return this.guard("reading the log", async () => {
      const entries: Entry[] = [];
      let previousTerm = snapshot?.term ?? 0;
      const range = { gt: logKey(afterIndex), lt: LOG_RANGE.lt };
      for await (const [key, value] of this.db.iterator(range)) {
        const index = logIndexOfKey(key) ?? this.corrupt("a log key is malformed");
        const expected = afterIndex + entries.length + 1;
        if (index !== expected) {
          this.corrupt(`the log has a gap: expected index ${expected}, found ${index}`);
        }
        const entry = this.decodeAt(index, value);
        if (entry.term < previousTerm) {
          this.corrupt(
            `log entry ${index} has term ${entry.term}, below ${previousTerm} before it`,
          );
        }
        previousTerm = entry.term;
        entries.push(entry);
      }
      return entries;
    });
  }

  private decodeAt(index: number, value: Uint8Array): Entry {
    let entry: Entry;
    try {
      entry = decodeEntry(value);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return this.corrupt(`log entry ${index} is undecodable (${reason})`, error);
    }
    if (entry.index !== index)
      this.corrupt(`the record under log key ${index} is entry ${entry.index}`);
    return entry;
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  const data = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return data;
}
