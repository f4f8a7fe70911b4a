// The coordinator node's Ready loop without HTTP: three nodes in ONE process (so they
// share its cores), an in-memory network through the real wire codec, real LevelDB stores with
// fsync, the test harness's timings (10 ms ticks, 200–400 ms elections). Measures sequential proposal latency on the
// leader, throughput with 64 proposals in flight, and group commit (proposals per fsync).
// Last line: {"seqP50Ms", "seqP99Ms", "c64PerSec", "proposalsPerFsync", "fsyncP50Ms"}.
import { performance } from "node:perf_hooks";
import type { Command } from "../src/state-machine/index.js";
import { TestCluster } from "../test/node/harness.js";

const SEQUENTIAL = 2_000;
const CONCURRENT = 64;
const CONCURRENT_TOTAL = 20_000;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

const cluster = await TestCluster.start({
  timings: {
    proposalTimeoutMs: 10_000,
    snapshotEveryEntries: 10_000,
    snapshotLogTailEntries: 5_000,
  },
});
try {
  const leader = await cluster.leader();
  const fsyncs: number[] = [];
  leader.events.on("persist", (e) => fsyncs.push(e.durationMs));
  let next = 0;
  const command = (): Command => ({ type: "RegisterWorker", workerId: `w${next++ % 50_000}` });
  const latencies: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) {
    const startedAtMs = performance.now();
    const result = await leader.propose(command());
    latencies.push(performance.now() - startedAtMs);
    if (result.status !== "ok") throw new Error(JSON.stringify(result));
  }
  latencies.sort((a, b) => a - b);
  const before = leader.loopStats();
  let issued = 0;
  const startedAtMs = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async () => {
      while (issued < CONCURRENT_TOTAL) {
        issued++;
        const result = await leader.propose(command());
        if (result.status !== "ok") throw new Error(JSON.stringify(result));
      }
    }),
  );
  const elapsedMs = performance.now() - startedAtMs;
  const after = leader.loopStats();
  fsyncs.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      seqP50Ms: round(at(latencies, 0.5)),
      seqP99Ms: round(at(latencies, 0.99)),
      c64PerSec: Math.round((CONCURRENT_TOTAL / elapsedMs) * 1000),
      proposalsPerFsync: round(
        (after.proposals - before.proposals) / (after.persists - before.persists),
      ),
      fsyncP50Ms: round(at(fsyncs, 0.5)),
    }),
  );
} finally {
  await cluster.destroy();
}
