/**
 * Reading the Raft store's records back, checking each one (decodable, keys matching values, the
 * log contiguous after the snapshot with non-decreasing terms, snapshot chunks complete), and
 * turning every failure into a {@link StorageError} that names the data directory.
 */
import type { ClassicLevel } from "classic-level";
import type { Entry, HardState, Snapshot, SnapshotMetadata } from "../raft/types.js";
import { EMPTY_HARD_STATE } from "../raft/types.js";
import {
  WireDecodeError,
  decodeEntry,
  decodeHardState,
  decodeSnapshotMetadata,
} from "../wire/raft-codec.js";
import type { StoredBounds } from "./batch-plan.js";
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
} from "./key-layout.js";
import { StorageError } from "./storage-error.js";

type Db = ClassicLevel<Uint8Array, Uint8Array>;

/** An error's message with its cause's, for StorageError details. */
export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}

/** The `LEVEL_*` code of a classic-level error (or of its cause). */
export function levelCode(error: unknown): string | undefined {
  const find = (e: unknown): string | undefined =>
    e instanceof Error && "code" in e && typeof e.code === "string" ? e.code : undefined;
  const cause = error instanceof Error ? find(error.cause) : undefined;
  return cause ?? find(error);
}

/** Reads and validates records, turning every failure into a {@link StorageError}. */
export class RecordReader {
  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
  ) {}

  /** @throws StorageError `corrupt` with `detail`, always */
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
      throw new StorageError(this.dataDir, failure, `${doing}: ${errorText(error)}`, {
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

  /** The stored hard state, or EMPTY_HARD_STATE if none was ever stored. */
  hardState(): Promise<HardState> {
    return this.guard("reading the hard state", async () => {
      const stored = await this.db.get(HARD_STATE_KEY);
      return stored === undefined ? EMPTY_HARD_STATE : decodeHardState(stored);
    });
  }

  /** The latest snapshot with its data reassembled from its chunks, or null. */
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
