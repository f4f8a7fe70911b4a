// Benchmark: latency of a synced one-entry persist (hard state + one 100-byte entry) of the
// LevelDB Raft store, the floor under every commit. Run: `npx tsx bench/storage-fsync.ts [count]`.
// Prints one JSON line: {"persists":…,"medianMs":…,"p99Ms":…,"maxMs":…}.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { RaftStore } from "../src/storage/raft-store.js";
import { asNodeId } from "../src/util/ids.js";

const count = Number(process.argv[2] ?? 500);
const warmup = 20;
const dir = await mkdtemp(path.join(os.tmpdir(), "elk-bench-fsync-"));
try {
  const store = await RaftStore.open(dir);
  const data = new Uint8Array(100).fill(7);
  const samples: number[] = [];
  for (let index = 1; index <= warmup + count; index++) {
    const report = await store.persist({
      hardState: { term: 1, vote: asNodeId("n1"), commit: index - 1 },
      entries: [{ index, term: 1, type: "Normal", data }],
    });
    if (index > warmup) samples.push(report.syncDurationMs);
  }
  await store.close();
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  console.log(
    JSON.stringify({
      persists: count,
      medianMs: round(at(0.5)),
      p99Ms: round(at(0.99)),
      maxMs: round(samples[samples.length - 1]!),
    }),
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
