// Proves the LevelDB Raft store keeps exactly what was persisted across close, reopen and
// SIGKILL, truncates and compacts by key ranges, stores large snapshots in bounded chunks, and
// refuses locked, corrupt or inconsistent data directories with a StorageError naming them.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, describe, expect, it, vi } from "vitest";
import { configHistoryOf } from "../../src/raft/config-history.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import type { ConfState, Entry, HardState, Snapshot } from "../../src/raft/types.js";
import { RaftStore, STORE_DIRECTORY } from "../../src/storage/raft-store.js";
import {
  FORMAT_KEY,
  HARD_STATE_KEY,
  LOG_RANGE,
  SNAPSHOT_CHUNK_RANGE,
  encodeUint64,
  logIndexOfKey,
  logKey,
  snapshotChunkKey,
} from "../../src/storage/key-layout.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { InvariantViolation } from "../../src/util/assert.js";
import { asNodeId } from "../../src/util/ids.js";
import { encodeEntry, encodeHardState } from "../../src/wire/raft-codec.js";

const dirs: string[] = [];
const stores: RaftStore[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(stores.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "elk-raft-store-"));
  dirs.push(dir);
  return dir;
}

async function open(dir: string, snapshotChunkBytes?: number): Promise<RaftStore> {
  const options = snapshotChunkBytes === undefined ? {} : { snapshotChunkBytes };
  const store = await RaftStore.open(dir, options);
  stores.push(store);
  return store;
}

/** A raw LevelDB handle on the store's files (the store must be closed). */
async function withRaw(
  dir: string,
  use: (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>,
) {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path.join(dir, STORE_DIRECTORY), {
    keyEncoding: "view",
    valueEncoding: "view",
  });
  await db.open();
  try {
    await use(db);
  } finally {
    await db.close();
  }
}

async function storedLogIndexes(dir: string): Promise<number[]> {
  let indexes: number[] = [];
  await withRaw(dir, async (db) => {
    indexes = (await db.keys(LOG_RANGE).all()).map((k) => logIndexOfKey(k)!);
  });
  return indexes;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const entry = (index: number, term: number, text = `cmd-${index}-${term}`): Entry => ({
  index,
  term,
  type: "Normal",
  data: bytes(text),
});
const entries = (from: number, through: number, term: number) =>
  Array.from({ length: through - from + 1 }, (_, i) => entry(from + i, term));
const hard = (term: number, commit: number): HardState => ({
  term,
  vote: asNodeId("n2"),
  commit,
});
const snapshotAt = (index: number, term: number, data: Uint8Array): Snapshot => ({
  metadata: { index, term, confState: { voters: ["n1", "n2", "n3"].map(asNodeId), learners: [] } },
  data,
});
function patterned(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) % 251;
  return data;
}
/** Byte equality without an element-by-element deep compare (slow for megabytes). */
const sameBytes = (a: Uint8Array | undefined, b: Uint8Array) =>
  a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);

async function storageError(promise: Promise<unknown>): Promise<StorageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StorageError);
  return error as StorageError;
}

describe("persist and load", () => {
  it("a fresh store loads empty", async () => {
    const store = await open(await tempDir());
    expect(await store.load()).toEqual({
      hardState: { term: 0, vote: null, commit: 0 },
      snapshot: null,
      entries: [],
    });
  });

  it("loads back what was persisted, also after close and reopen", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ hardState: hard(1, 0), entries: entries(1, 3, 1) });
    const report = await store.persist({ hardState: hard(2, 3), entries: [entry(4, 2)] });
    expect(report.operations).toBe(2);
    expect(report.syncDurationMs).toBeGreaterThan(0);
    const expected = {
      hardState: hard(2, 3),
      snapshot: null,
      entries: [...entries(1, 3, 1), entry(4, 2)],
    };
    expect(await store.load()).toEqual(expected);
    await store.close();
    expect(await (await open(dir)).load()).toEqual(expected);
  });

  it("replaces a conflicting suffix in the same batch, deleting the rest of it (Raft §5.3)", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ hardState: hard(1, 2), entries: entries(1, 6, 1) });
    await store.persist({ hardState: hard(2, 2), entries: [entry(3, 2), entry(4, 2)] });
    const loaded = await store.load();
    expect(loaded.entries).toEqual([...entries(1, 2, 1), entry(3, 2), entry(4, 2)]);
    // The suffix can grow again from the new tail.
    await store.persist({ entries: [entry(5, 2)] });
    await store.close();
    expect(await storedLogIndexes(dir)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a snapshot from the leader replaces the whole log; entries follow it", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ hardState: hard(1, 5), entries: entries(1, 10, 1) });
    const snapshot = snapshotAt(12, 2, patterned(3000));
    await store.persist({ hardState: hard(2, 12), snapshot, entries: entries(13, 14, 2) });
    expect(await store.load()).toEqual({
      hardState: hard(2, 12),
      snapshot,
      entries: entries(13, 14, 2),
    });
    await store.close();
    expect(await storedLogIndexes(dir)).toEqual([13, 14]);
  });

  it("keeps the configuration: Config entries and a snapshot's members, addresses and removed ids", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    const confState: ConfState = {
      voters: ["n1", "n2", "n4"].map(asNodeId),
      learners: [asNodeId("n5")],
      addresses: [{ id: asNodeId("n5"), address: "10.0.0.5:7001" }],
      removed: [asNodeId("n3")],
    };
    const snapshot: Snapshot = { metadata: { index: 20, term: 3, confState }, data: bytes("s") };
    const change: Entry = {
      index: 21,
      term: 3,
      type: "Config",
      data: new Uint8Array(0),
      config: { ...confState, voters: ["n1", "n2", "n4", "n5"].map(asNodeId), learners: [] },
    };
    await store.persist({ hardState: hard(3, 20), snapshot, entries: [change, entry(22, 3)] });
    await store.close();
    const loaded = await (await open(dir)).load();
    expect(loaded).toEqual({ hardState: hard(3, 20), snapshot, entries: [change, entry(22, 3)] });
    // What a restarting node derives from it: the latest Config entry after the snapshot.
    const memory = new MemoryStorage({ confState, snapshot, entries: loaded.entries });
    expect(configHistoryOf(memory).latest()).toEqual({ index: 21, confState: change.config });
  });

  it("refuses entries that do not attach to the log", async () => {
    const store = await open(await tempDir());
    await store.persist({ entries: entries(1, 3, 1) });
    await expect(store.persist({ entries: [entry(5, 1)] })).rejects.toThrow(InvariantViolation);
    await expect(store.persist({ entries: [entry(4, 1), entry(6, 1)] })).rejects.toThrow(
      InvariantViolation,
    );
    expect((await store.load()).entries).toEqual(entries(1, 3, 1));
  });

  it("serves a synced write of nothing without touching the disk", async () => {
    const store = await open(await tempDir());
    expect(await store.persist({ entries: [] })).toEqual({
      syncDurationMs: 0,
      operations: 0,
      bytes: 0,
    });
  });
});

describe("snapshots and compaction", () => {
  it("keeps a local snapshot in bounded chunks and compacts the log behind it", async () => {
    const dir = await tempDir();
    const store = await open(dir, 1000);
    await store.persist({ hardState: hard(3, 20), entries: entries(1, 20, 3) });
    const snapshot = snapshotAt(15, 3, patterned(2500));
    await store.saveSnapshot(snapshot);
    await store.compact(10);
    expect(await store.load()).toEqual({
      hardState: hard(3, 20),
      snapshot,
      entries: entries(16, 20, 3),
    });
    await store.close();
    expect(await storedLogIndexes(dir)).toEqual(entries(11, 20, 3).map((e) => e.index));
    await withRaw(dir, async (db) => {
      const chunks = await db.values(SNAPSHOT_CHUNK_RANGE).all();
      expect(chunks.map((c) => c.byteLength)).toEqual([1000, 1000, 500]);
    });
  });

  it("a smaller snapshot replaces a larger one without leftover chunks", async () => {
    const dir = await tempDir();
    const store = await open(dir, 1000);
    await store.persist({ hardState: hard(1, 30), entries: entries(1, 30, 1) });
    await store.saveSnapshot(snapshotAt(10, 1, patterned(4500)));
    const smaller = snapshotAt(20, 1, patterned(1200));
    await store.saveSnapshot(smaller);
    await store.compact(20);
    await store.close();
    const reopened = await open(dir, 1000);
    expect(await reopened.load()).toEqual({
      hardState: hard(1, 30),
      snapshot: smaller,
      entries: entries(21, 30, 1),
    });
  });

  it("stores a snapshot of tens of megabytes in bounded chunks", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ hardState: hard(1, 1), entries: [entry(1, 1)] });
    const data = patterned(12 * 1024 * 1024 + 5);
    await store.saveSnapshot(snapshotAt(1, 1, data));
    await store.close();
    await withRaw(dir, async (db) => {
      const sizes = (await db.values(SNAPSHOT_CHUNK_RANGE).all()).map((c) => c.byteLength);
      expect(sizes).toHaveLength(13);
      expect(Math.max(...sizes)).toBe(1024 * 1024);
    });
    const loaded = await (await open(dir)).load();
    expect(sameBytes(loaded.snapshot?.data, data)).toBe(true);
  });

  it("refuses to compact past the snapshot or to store a snapshot beyond the log", async () => {
    const store = await open(await tempDir());
    await store.persist({ hardState: hard(1, 5), entries: entries(1, 5, 1) });
    await expect(store.compact(3)).rejects.toThrow(InvariantViolation);
    await expect(store.saveSnapshot(snapshotAt(6, 1, patterned(10)))).rejects.toThrow(
      InvariantViolation,
    );
  });
});

describe("refusals", () => {
  it("refuses a second open of a held data directory, naming it", async () => {
    const dir = await tempDir();
    await open(dir);
    const error = await storageError(RaftStore.open(dir));
    expect(error.failure).toBe("locked");
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/in use by another process/);
  });

  it("a garbage log record makes load fail with a StorageError naming the directory", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ hardState: hard(1, 4), entries: entries(1, 5, 1) });
    await store.close();
    await withRaw(dir, (db) => db.put(logKey(3), Uint8Array.of(0xc1, 0xff, 0x00)));
    const error = await storageError((await open(dir)).load());
    expect(error.failure).toBe("corrupt");
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/log entry 3 is undecodable/);
  });

  const corruptions: [
    string,
    (db: ClassicLevel<Uint8Array, Uint8Array>) => Promise<void>,
    RegExp,
  ][] = [
    ["a gap in the log", (db) => db.del(logKey(3)), /gap: expected index 3, found 4/],
    ["terms going down", (db) => db.put(logKey(4), encodeEntry(entry(4, 0))), /term 0, below 1/],
    [
      "a record under the wrong key",
      (db) => db.put(logKey(4), encodeEntry(entry(9, 1))),
      /is entry 9/,
    ],
    [
      "commit beyond the log",
      (db) => db.put(HARD_STATE_KEY, encodeHardState(hard(1, 9))),
      /commit 9/,
    ],
    ["a garbage hard state", (db) => db.put(HARD_STATE_KEY, bytes("nope")), /hard state/],
    ["a missing snapshot chunk", (db) => db.del(snapshotChunkKey(0)), /chunk 0 is missing/],
    ["a snapshot chunk too many", (db) => db.put(snapshotChunkKey(2), bytes("x")), /says 1500/],
  ];
  for (const [name, damage, why] of corruptions) {
    it(`load refuses ${name}`, async () => {
      const dir = await tempDir();
      const store = await open(dir, 1000);
      await store.persist({ hardState: hard(1, 5), entries: entries(1, 5, 1) });
      await store.saveSnapshot(snapshotAt(1, 1, patterned(1500)));
      await store.close();
      await withRaw(dir, damage);
      const error = await storageError((await open(dir, 1000)).load());
      expect(error.failure).toBe("corrupt");
      expect(error.message).toContain(dir);
      expect(error.message).toMatch(why);
    });
  }

  it("refuses a store of another format version, or records without a format record", async () => {
    const dir = await tempDir();
    await (await open(dir)).close();
    await withRaw(dir, (db) => db.put(FORMAT_KEY, encodeUint64(99)));
    const newer = await storageError(RaftStore.open(dir));
    expect(newer.failure).toBe("unsupported_format");
    expect(newer.message).toMatch(/format 99/);
    await withRaw(dir, (db) =>
      db.del(FORMAT_KEY).then(() => db.put(logKey(1), encodeEntry(entry(1, 1)))),
    );
    expect((await storageError(RaftStore.open(dir))).failure).toBe("corrupt");
    // Neither failed open left the directory locked.
    await withRaw(dir, async () => undefined);
  });

  it("a failed write fails that persist and every later one", async () => {
    const dir = await tempDir();
    const store = await open(dir);
    await store.persist({ entries: [entry(1, 1)] });
    vi.spyOn(ClassicLevel.prototype, "batch").mockRejectedValueOnce(new Error("EIO: disk on fire"));
    const error = await storageError(store.persist({ entries: [entry(2, 1)] }));
    expect(error.failure).toBe("write_failed");
    expect(error.message).toContain(dir);
    expect(error.message).toMatch(/disk on fire/);
    expect(await storageError(store.persist({ entries: [entry(2, 1)] }))).toBe(error);
  });

  it("refuses use after close", async () => {
    const store = await open(await tempDir());
    await store.close();
    expect((await storageError(store.persist({ entries: [entry(1, 1)] }))).failure).toBe("closed");
  });
});

describe("crash safety", () => {
  it("what persist acknowledged survives SIGKILL of the process; the lock holds until then", async () => {
    const dir = await tempDir();
    const fixture = path.join(import.meta.dirname, "fixtures", "persist-and-hold.ts");
    const child = spawn(process.execPath, ["--import", "tsx", fixture, dir, "50"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.stdout.on("data", (chunk: Buffer) => {
          if (chunk.toString().includes("persisted")) resolve();
        });
        child.once("exit", (code) =>
          reject(new Error(`fixture exited early (${code}): ${stderr}`)),
        );
      });
      expect((await storageError(RaftStore.open(dir))).failure).toBe("locked");
    } finally {
      child.kill("SIGKILL");
    }
    expect(await exited).toBe("SIGKILL");
    const loaded = await (await open(dir)).load();
    expect(loaded.hardState).toEqual({ term: 2, vote: "n1", commit: 49 });
    expect(loaded.entries.map((e) => e.index)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(loaded.entries[49]!.data).toEqual(bytes("cmd-50"));
  });
});
