/**
 * The LevelDB key layout of the Raft store. Keys are bytes; LevelDB orders them bytewise, so
 * fixed-width big-endian numbers sort like the numbers themselves and a range of log indexes is a
 * contiguous key range (truncation and compaction delete a range, load scans one).
 *
 * | key                              | value                                                |
 * | -------------------------------- | ---------------------------------------------------- |
 * | `00`                             | store format version, uint64 BE                      |
 * | `01`                             | hard state (raft codec frame)                        |
 * | `02`                             | snapshot metadata (raft codec frame)                 |
 * | `03`                             | snapshot data length in bytes, uint64 BE             |
 * | `04` + chunk number (uint32 BE)  | snapshot data bytes [n·chunk, (n+1)·chunk)           |
 * | `05` + log index (uint64 BE)     | the log entry at that index (raft codec frame)       |
 */

/** The layout version this code writes and reads. */
export const STORE_FORMAT_VERSION = 1;

/** Key of the store format version record. */
export const FORMAT_KEY = Uint8Array.of(0x00);
/** Key of the hard state record. */
export const HARD_STATE_KEY = Uint8Array.of(0x01);
/** Key of the latest snapshot's metadata. */
export const SNAPSHOT_METADATA_KEY = Uint8Array.of(0x02);
/** Key of the latest snapshot's data length. */
export const SNAPSHOT_SIZE_KEY = Uint8Array.of(0x03);
const SNAPSHOT_CHUNK_PREFIX = 0x04;
const LOG_PREFIX = 0x05;

/** A key range `[gte, lt)` for LevelDB iterators. */
export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

/** Every snapshot chunk key. */
export const SNAPSHOT_CHUNK_RANGE: KeyRange = {
  gte: Uint8Array.of(SNAPSHOT_CHUNK_PREFIX),
  lt: Uint8Array.of(SNAPSHOT_CHUNK_PREFIX + 1),
};

/** Every log entry key. */
export const LOG_RANGE: KeyRange = {
  gte: Uint8Array.of(LOG_PREFIX),
  lt: Uint8Array.of(LOG_PREFIX + 1),
};

const TWO_POW_32 = 2 ** 32;

/** `n` (a non-negative safe integer) as 8 bytes, big-endian. */
export function encodeUint64(n: number): Uint8Array {
  const bytes = new Uint8Array(8);
  writeUint64(bytes, 0, n);
  return bytes;
}

function writeUint64(target: Uint8Array, offset: number, n: number): void {
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setUint32(offset, Math.floor(n / TWO_POW_32));
  view.setUint32(offset + 4, n >>> 0);
}

/** The number in 8 big-endian bytes at `offset`, or undefined if it is not a safe integer. */
function readUint64(source: Uint8Array, offset: number): number | undefined {
  const view = new DataView(source.buffer, source.byteOffset, source.byteLength);
  const value = view.getUint32(offset) * TWO_POW_32 + view.getUint32(offset + 4);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** The number stored by {@link encodeUint64}, or undefined if `bytes` is not one. */
export function decodeUint64(bytes: Uint8Array): number | undefined {
  return bytes.byteLength === 8 ? readUint64(bytes, 0) : undefined;
}

/** The key of the log entry at `index`. */
export function logKey(index: number): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = LOG_PREFIX;
  writeUint64(key, 1, index);
  return key;
}

/** The log index named by a key of {@link LOG_RANGE}, or undefined if the key is malformed. */
export function logIndexOfKey(key: Uint8Array): number | undefined {
  return key.byteLength === 9 && key[0] === LOG_PREFIX ? readUint64(key, 1) : undefined;
}

/** The key of snapshot chunk number `n` (0-based). */
export function snapshotChunkKey(n: number): Uint8Array {
  const key = new Uint8Array(5);
  key[0] = SNAPSHOT_CHUNK_PREFIX;
  new DataView(key.buffer).setUint32(1, n);
  return key;
}

/** The chunk number named by a key of {@link SNAPSHOT_CHUNK_RANGE}, or undefined if malformed. */
export function chunkNumberOfKey(key: Uint8Array): number | undefined {
  if (key.byteLength !== 5 || key[0] !== SNAPSHOT_CHUNK_PREFIX) return undefined;
  return new DataView(key.buffer, key.byteOffset, key.byteLength).getUint32(1);
}
