// Proves the snapshot policy: a snapshot every `everyEntries` applied entries, one at a time,
// handed to MemoryStorage at once and made durable in the store with the log compacted behind
// it except a tail; a failed write is reported as the node's failure.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { NodeEvents, type NodeEventMap } from "../../src/node/events.js";
import { Snapshotter } from "../../src/node/snapshots.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import type { Entry } from "../../src/raft/types.js";
import { createState, restoreSnapshot, stateHash } from "../../src/state-machine/index.js";
import { RaftStore } from "../../src/storage/raft-store.js";
import { asNodeId } from "../../src/util/ids.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const LAST = 30;

async function setup(options: { dutyCyclePercentMax?: number; monotonicMs?: () => number } = {}) {
  const everyEntries = 10;
  const tailEntries = 4;
  const dir = await mkdtemp(path.join(os.tmpdir(), "elk-snapshots-"));
  dirs.push(dir);
  const store = await RaftStore.open(dir);
  const entries: Entry[] = Array.from({ length: LAST }, (_, i) => ({
    index: i + 1,
    term: 1,
    type: "NoOp",
    data: new Uint8Array(0),
  }));
  const hardState = { term: 1, vote: asNodeId("n1"), commit: LAST };
  await store.persist({ hardState, entries });
  const storage = new MemoryStorage({
    hardState,
    confState: { voters: [asNodeId("n1")], learners: [] },
    entries,
  });
  const taken: NodeEventMap["snapshot"][] = [];
  const failures: unknown[] = [];
  const events = new NodeEvents(() => undefined);
  events.on("snapshot", (e) => taken.push(e));
  const snapshotter = new Snapshotter({
    store,
    storage,
    everyEntries,
    tailEntries,
    dutyCyclePercentMax: options.dutyCyclePercentMax ?? 100,
    monotonicMs: options.monotonicMs ?? (() => performance.now()),
    events,
    onFailure: (error) => failures.push(error),
  });
  return { dir, store, storage, snapshotter, taken, failures };
}

describe("Snapshotter", () => {
  it("snapshots every everyEntries applied entries and compacts behind, keeping a tail", async () => {
    const { dir, store, storage, snapshotter, taken } = await setup();
    const state = createState();
    snapshotter.maybeTake(state, 9);
    expect(snapshotter.snapshotIndex).toBe(0);
    snapshotter.maybeTake(state, 12);
    expect(storage.snapshot().metadata.index).toBe(12);
    expect(storage.firstIndex()).toBe(9);
    // One at a time: a second due snapshot waits for the first to be durable.
    snapshotter.maybeTake(state, 25);
    expect(snapshotter.snapshotIndex).toBe(12);
    await snapshotter.idle();
    expect(taken.map((e) => [e.origin, e.index])).toEqual([["local", 12]]);
    expect(taken[0]!.bytes).toBeGreaterThan(0);
    snapshotter.maybeTake(state, 25);
    await snapshotter.idle();
    await store.close();
    const reopened = await RaftStore.open(dir);
    const loaded = await reopened.load();
    await reopened.close();
    expect(loaded.snapshot?.metadata.index).toBe(25);
    expect(stateHash(restoreSnapshot(loaded.snapshot!.data))).toBe(stateHash(state));
    // The store loads the log after its snapshot (the kept tail serves followers in memory).
    expect(loaded.entries[0]?.index).toBe(26);
    expect(loaded.entries.at(-1)?.index).toBe(LAST);
  });

  it("spaces automatic snapshots so that they take at most their duty cycle", async () => {
    let nowMs = 0;
    const { store, snapshotter } = await setup({
      dutyCyclePercentMax: 10,
      monotonicMs: () => nowMs,
    });
    const state = createState();
    snapshotter.maybeTake(state, 10);
    nowMs = 500; // the snapshot took 500 ms from start to durable
    await snapshotter.idle();
    // The next may start 500 · (100/10 − 1) = 4500 ms after it was durable.
    nowMs = 4_999;
    snapshotter.maybeTake(state, 25);
    expect(snapshotter.snapshotIndex).toBe(10);
    nowMs = 5_000;
    snapshotter.maybeTake(state, 25);
    expect(snapshotter.snapshotIndex).toBe(25);
    await snapshotter.idle();
    // A requested snapshot is not bound by it.
    expect((await snapshotter.takeNow(state, 27)).index).toBe(27);
    await store.close();
  });

  it("takeNow answers with the latest snapshot when nothing was applied since", async () => {
    const { store, snapshotter } = await setup();
    const first = await snapshotter.takeNow(createState(), 5);
    expect(first.index).toBe(5);
    expect(await snapshotter.takeNow(createState(), 5)).toEqual(first);
    expect((await snapshotter.takeNow(createState(), 6)).index).toBe(6);
    await store.close();
  });

  it("reports a snapshot that cannot be made durable as a failure", async () => {
    const { store, snapshotter, failures } = await setup();
    await store.close();
    await expect(snapshotter.takeNow(createState(), 10)).rejects.toThrow(/closed/);
    expect(failures).toHaveLength(1);
  });
});
