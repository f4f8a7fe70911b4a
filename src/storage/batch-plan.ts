/**
 * Planning one LevelDB batch of the Raft store: which keys to put and delete so that the stored
 * log, snapshot and hard state move from one consistent state to the next in a single atomic
 * write. Range deletes are one `del` per index, since the stored log is contiguous and its bounds
 * are known.
 */
import type { Entry, Snapshot } from "../raft/types.js";
import { assert } from "../util/assert.js";
import { encodeEntry, encodeSnapshotMetadata } from "../wire/raft-codec.js";
import {
  SNAPSHOT_METADATA_KEY,
  SNAPSHOT_SIZE_KEY,
  encodeUint64,
  logKey,
  snapshotChunkKey,
} from "./key-layout.js";

/**
 * What is on disk, kept in memory so writes know which keys to delete. Stored log keys are
 * exactly `firstStored..lastStored` (none when `lastStored < firstStored`); while the log is
 * non-empty, `firstStored ≤ snapshotIndex + 1`.
 */
export interface StoredBounds {
  readonly firstStored: number;
  readonly lastStored: number;
  readonly snapshotIndex: number;
  readonly snapshotChunks: number;
}

/** The last log index: the last stored entry's, or the snapshot's if nothing is stored after it. */
export const lastIndexOf = (b: StoredBounds): number =>
  b.lastStored >= b.firstStored ? Math.max(b.lastStored, b.snapshotIndex) : b.snapshotIndex;

/** One operation of a LevelDB batch. */
export type BatchOp =
  { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

/** The operations of one batch being planned. */
export class BatchPlan {
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
