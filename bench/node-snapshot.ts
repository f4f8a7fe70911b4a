// What a snapshot of a 1,000,000-partition plan costs the node's Ready loop: how long
// the loop stalls (encoding the state and handing it to MemoryStorage, which must see one
// consistent state), how long until it is durable (LevelDB, synced, in 1 MiB chunks, plus the
// compaction), how long a Ready's persist issued meanwhile waits behind it in the store, and how
// long a follower takes to install it. Last line: {"partitions", "snapshotBytes", "loopStallMs",
// "durableMs", "persistBehindSnapshotMs", "restoreMs"}.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { NodeEvents } from "../src/node/events.js";
import { Snapshotter } from "../src/node/snapshots.js";
import { MemoryStorage } from "../src/raft/memory-storage.js";
import type { Entry } from "../src/raft/types.js";
import { apply, createState, restoreSnapshot } from "../src/state-machine/index.js";
import { RaftStore } from "../src/storage/raft-store.js";
import { asNodeId } from "../src/util/ids.js";

const PARTITIONS = 1_000_000;
const LOG_ENTRIES = 12_000;
const round = (ms: number) => Math.round(ms * 10) / 10;

const dir = await mkdtemp(path.join(os.tmpdir(), "elk-bench-node-snapshot-"));
try {
  const store = await RaftStore.open(dir);
  const entries: Entry[] = Array.from({ length: LOG_ENTRIES }, (_, i) => ({
    index: i + 1,
    term: 1,
    type: "Normal",
    data: new Uint8Array(100),
  }));
  const hardState = { term: 1, vote: asNodeId("n1"), commit: LOG_ENTRIES };
  await store.persist({ hardState, entries });
  const storage = new MemoryStorage({
    hardState,
    confState: { voters: [asNodeId("n1")], learners: [] },
    entries,
  });
  const state = createState();
  const plan = {
    type: "CreatePlan",
    planId: "big",
    minId: 1,
    maxId: PARTITIONS * 1_000,
    partitionSize: 1_000,
  } as const;
  const created = apply(state, { proposedAtMs: Date.now(), command: plan }, LOG_ENTRIES);
  if (created.status !== "ok") throw new Error(JSON.stringify(created));
  let durableMs = 0;
  let snapshotBytes = 0;
  const events = new NodeEvents(() => undefined);
  events.on("snapshot", (e) => {
    durableMs = e.encodeMs + e.saveMs;
    snapshotBytes = e.bytes;
  });
  const snapshotter = new Snapshotter({
    store,
    storage,
    everyEntries: 10_000,
    tailEntries: 5_000,
    dutyCyclePercentMax: 10,
    monotonicMs: () => performance.now(),
    events,
    onFailure: (error) => {
      throw error;
    },
  });
  const stallStartMs = performance.now();
  snapshotter.maybeTake(state, LOG_ENTRIES);
  const loopStallMs = performance.now() - stallStartMs;
  const persistStartMs = performance.now();
  await store.persist({
    hardState,
    entries: [{ index: LOG_ENTRIES + 1, term: 1, type: "Normal", data: new Uint8Array(100) }],
  });
  const persistBehindSnapshotMs = performance.now() - persistStartMs;
  await snapshotter.idle();
  const restoreStartMs = performance.now();
  restoreSnapshot(storage.snapshot().data);
  const restoreMs = performance.now() - restoreStartMs;
  await store.close();
  console.log(
    JSON.stringify({
      partitions: PARTITIONS,
      snapshotBytes,
      loopStallMs: round(loopStallMs),
      durableMs: round(durableMs),
      persistBehindSnapshotMs: round(persistBehindSnapshotMs),
      restoreMs: round(restoreMs),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
