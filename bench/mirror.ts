// The Redis mirror under load (docs/REDIS-MIRROR.md): three in-process nodes (the node tests'
// harness: real LevelDB with fsync, in-memory network, 10 ms ticks) with a RedisMirror each and a
// real redis-server, all on this machine's cores. 64 worker loops drive acquire → progress →
// complete through the leader, paced to TARGET_PER_SEC commands/s for LOAD_MS, on a plan of 20,000
// partitions. Measures the mirror's lag: per commit, ms from the apply of the oldest entry it made
// visible to Redis's reply; every 10 ms, applied − mirrored index (entries). Last line:
// {"commandsPerSec", "lagMsP50", "lagMsP99", "lagMsMax", "lagEntriesP50", "lagEntriesP99",
// "lagEntriesMax", "flushes", "entriesPerFlush", "resyncs", "errors", "converged"}.
import { performance } from "node:perf_hooks";
import { mirrorConfig } from "../src/mirror/config.js";
import { RedisMirror } from "../src/mirror/redis-mirror.js";
import type { Command } from "../src/state-machine/index.js";
import { TestCluster, recordingLogger, waitFor } from "../test/node/harness.js";
import { RedisServer } from "../test/mirror/redis-server.js";

const TARGET_PER_SEC = Number(process.env["MIRROR_BENCH_PER_SEC"] ?? 5_000);
const LOAD_MS = Number(process.env["MIRROR_BENCH_MS"] ?? 10_000);
const WORKERS = 64;
const PARTITIONS = 20_000;
const round = (ms: number) => Math.round(ms * 1000) / 1000;
const at = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

const server = await RedisServer.start();
const cluster = await TestCluster.start({
  timings: {
    proposalTimeoutMs: 10_000,
    snapshotEveryEntries: 50_000,
    snapshotLogTailEntries: 10_000,
  },
});
const logs: string[] = [];
const mirrors = [...cluster.nodes.values()].map((node) =>
  RedisMirror.start({
    source: node,
    config: mirrorConfig({ redisUrl: server.url, keyPrefix: "bench:" }),
    logger: recordingLogger(logs),
  }),
);
const redis = server.client();
try {
  const leader = await cluster.leader();
  const mirror = mirrors.find((m) => m.stats().leading) ?? mirrors[0]!;
  const propose = async (command: Command) => {
    const result = await leader.propose(command);
    if (result.status !== "ok") throw new Error(`${command.type}: ${JSON.stringify(result)}`);
    return result;
  };
  await propose({
    type: "CreatePlan",
    planId: "load",
    minId: 0,
    maxId: PARTITIONS - 1,
    partitionSize: 1,
  });

  const lagMs: number[] = [];
  const lagEntries: number[] = [];
  let flushedEntries = 0;
  mirror.events.on("flushed", (event) => {
    if (event.lagMs !== null) lagMs.push(event.lagMs);
    flushedEntries += event.entries;
  });
  const sampler = setInterval(() => lagEntries.push(mirror.stats().lagEntries), 10);
  const before = mirror.stats();

  const startedAtMs = performance.now();
  let permits = 0;
  let commands = 0;
  const permit = async () => {
    const dueAtMs = startedAtMs + (permits++ * 1000) / TARGET_PER_SEC;
    const waitMs = dueAtMs - performance.now();
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
    commands++;
  };
  const work = async (workerId: string) => {
    await propose({ type: "RegisterWorker", workerId, leaseTtlMs: 60_000 });
    while (performance.now() - startedAtMs < LOAD_MS) {
      await permit();
      const acquired = await propose({ type: "AcquirePartitions", workerId, max: 1 });
      if (acquired.type !== "AcquirePartitions") throw new Error("not an acquire result");
      for (const grant of acquired.granted) {
        const report = {
          planId: "load",
          partitionId: grant.partitionId,
          workerId,
          fencingToken: grant.fencingToken,
        };
        await permit();
        await propose({
          type: "ReportProgress",
          ...report,
          checkpointId: grant.minId,
          processedCount: 1,
        });
        await permit();
        await propose({ type: "CompletePartition", ...report, processedCount: 1 });
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, k) => work(`w${k}`)));
  const elapsedMs = performance.now() - startedAtMs;
  clearInterval(sampler);

  await waitFor("the mirror caught up", () => mirror.stats().lagEntries === 0, 30_000);
  const [mirroredIndex, partitions] = await Promise.all([
    redis.get("bench:mirror:applied_index"),
    redis.hlen("bench:default:plan:load:partitions"),
  ]);
  const after = mirror.stats();
  lagMs.sort((a, b) => a - b);
  lagEntries.sort((a, b) => a - b);
  const flushes = after.flushesTotal - before.flushesTotal;
  console.log(
    JSON.stringify({
      commandsPerSec: Math.round((commands / elapsedMs) * 1000),
      lagMsP50: round(at(lagMs, 0.5)),
      lagMsP99: round(at(lagMs, 0.99)),
      lagMsMax: round(lagMs.at(-1) ?? NaN),
      lagEntriesP50: at(lagEntries, 0.5),
      lagEntriesP99: at(lagEntries, 0.99),
      lagEntriesMax: lagEntries.at(-1) ?? NaN,
      flushes,
      entriesPerFlush: round(flushedEntries / Math.max(1, flushes)),
      resyncs: after.resyncsTotal - before.resyncsTotal,
      errors: after.errorsTotal,
      converged: mirroredIndex === String(leader.appliedIndex()) && partitions === PARTITIONS,
    }),
  );
} finally {
  await Promise.all(mirrors.map((mirror) => mirror.stop()));
  await cluster.destroy();
  redis.disconnect();
  await server.stop();
}
