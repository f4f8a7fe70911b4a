// Benchmark: a local three-node cluster of real processes (startDevCluster, default timings,
// fsync on), driven over HTTP with keep-alive (the typed client over undici, straight to the
// leader). Figures:
// - seqP50Ms / seqP99Ms: one Heartbeat at a time (3,000 after a warm-up);
// - c64PerSec: Heartbeats/s with 64 concurrent clients;
// - grantsPerSec: partitions granted per second of wall time while 64 workers fill their windows
//   (1,024 each) in batches of 64 (acquire only); acquireCompletePerSec: the same with every
//   partition completed (16 workers, batches of 64: one command per partition plus one per batch);
//   acquireCompleteBatchedPerSec: the same cycle through CompletePartitions with acquireMax 64
//   (complete what is held and acquire the next 64 in one command), measured in the same run;
// - failoverP50Ms: under load, kill -9 the leader and time the first write that succeeds
//   (through any surviving node), 5 rounds, median; the node is restarted between rounds;
// - idleCpuPct: the busiest node's CPU over 10 s of an idle cluster (/proc/<pid>/stat).
// Run: `npm run bench -- cluster` (about 1 to 2 minutes). `ELK_BENCH_SECONDS` sets each load
// phase's length (default 5); `ELK_BENCH_CPU_PROF=<dir>` runs the nodes with --cpu-prof into
// <dir> and skips the failover rounds (a SIGKILLed node writes no profile).
// `ELK_BENCH_TRACING=<ratio>` (e.g. 0.01) runs the nodes with tracing on: the OTLP exporter,
// the parent-based trace-id-ratio sampler at that ratio, and a local OTLP receiver in this
// process that accepts and drops every export (the cost measured is the nodes', not a backend's).
// Prints diagnostics, then one JSON line:
// {"seqP50Ms":…,"seqP99Ms":…,"c64PerSec":…,"grantsPerSec":…,"acquireCompletePerSec":…,
//  "acquireCompleteBatchedPerSec":…,
//  "failoverP50Ms":…,"idleCpuPct":…}.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { startDevCluster, type DevCluster } from "../src/cli/dev-cluster.js";
import { createClient, type CoordinatorClient } from "../src/worker/client.js";
import { percentile, sleep } from "./lib/measure.js";

const seconds = Number(process.env.ELK_BENCH_SECONDS ?? 5);
const profileDir = process.env.ELK_BENCH_CPU_PROF;
const FAILOVER_ROUNDS = 5;
const IDLE_SECONDS = 10;
/** Workers keep their leases through the whole run without heartbeating in between. */
const leaseTtlMs = 600_000;

/** Runs `work` in a loop for `seconds`; sums what it returns. */
async function forSeconds(work: () => Promise<number>): Promise<number> {
  const endAt = performance.now() + seconds * 1000;
  let done = 0;
  while (performance.now() < endAt) done += await work();
  return done;
}

async function sequentialMs(client: CoordinatorClient, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const startedAt = performance.now();
    await client.heartbeat("w0", {});
    samples.push(performance.now() - startedAt);
  }
  return samples;
}

async function concurrentPerSec(client: CoordinatorClient) {
  const counts = await Promise.all(
    Array.from({ length: 64 }, (_, w) =>
      forSeconds(async () => (await client.heartbeat(`w${w}`, {}), 1)),
    ),
  );
  const commands = counts.reduce((a, b) => a + b, 0);
  return { result: Math.round(commands / seconds), commands };
}

/**
 * Grants alone: 64 workers (window 1,024 each) acquire in batches of 64 until their windows are
 * full: 65,536 grants in 1,024 AcquirePartitions commands. Nothing is completed, so the figure is
 * what batching buys; the cycle below includes the completions.
 */
async function grantsPerSec(client: CoordinatorClient) {
  await client.createPlan({ planId: "grants", minId: 0, maxId: 655_359, partitionSize: 10 });
  const startedAt = performance.now();
  const counts = await Promise.all(
    Array.from({ length: 64 }, async (_, w) => {
      let held = 0;
      for (let batch = 0; batch < 16; batch++) {
        held += (await client.acquire(`w${w}`, { max: 64 })).granted.length;
      }
      return held;
    }),
  );
  const grants = counts.reduce((a, b) => a + b, 0);
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  return { result: Math.round(grants / elapsedSeconds), commands: 64 * 16 };
}

/**
 * The whole cycle: 16 workers each acquire up to 64 and complete every one (one command per
 * partition plus one per batch), so completions, not grants, bound it.
 */
async function acquireCompletePerSec(client: CoordinatorClient) {
  await client.createPlan({ planId: "cycle", minId: 0, maxId: 1_999_999, partitionSize: 10 });
  const startedAt = performance.now();
  let commands = 0;
  const counts = await Promise.all(
    Array.from({ length: 16 }, (_, w) =>
      forSeconds(async () => {
        const workerId = `g${w}`;
        const { granted } = await client.acquire(workerId, { max: 64 });
        await Promise.all(
          granted.map((g) =>
            client.completePartition(g.planId, g.partitionId, {
              workerId,
              fencingToken: g.fencingToken,
            }),
          ),
        );
        commands += 1 + granted.length;
        return granted.length;
      }),
    ),
  );
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  return { result: Math.round(counts.reduce((a, b) => a + b, 0) / elapsedSeconds), commands };
}

/**
 * The same cycle batched: 16 workers each complete everything they hold and acquire the next 64
 * in one CompletePartitions command (complete-and-acquire), so one command per 64 partitions.
 */
async function batchedCyclePerSec(client: CoordinatorClient) {
  await client.createPlan({ planId: "batched", minId: 0, maxId: 1_999_999, partitionSize: 10 });
  const startedAt = performance.now();
  let commands = 0;
  const counts = await Promise.all(
    Array.from({ length: 16 }, (_, w) => {
      const workerId = `b${w}`;
      let held: { planId: string; partitionId: number; fencingToken: number }[] = [];
      return forSeconds(async () => {
        const answer = await client.completePartitions(workerId, { items: held, acquireMax: 64 });
        commands += 1;
        const done = answer.results.filter((r) => r.status === "ok").length;
        held = (answer.acquire?.granted ?? []).map(({ planId, partitionId, fencingToken }) => ({
          planId,
          partitionId,
          fencingToken,
        }));
        return done;
      });
    }),
  );
  const elapsedSeconds = (performance.now() - startedAt) / 1000;
  return { result: Math.round(counts.reduce((a, b) => a + b, 0) / elapsedSeconds), commands };
}

/** The first write after `startedAt` that any of `urls` answers with 200, in ms. */
async function firstWriteMs(urls: readonly string[], startedAt: number): Promise<number> {
  for (;;) {
    for (const url of urls) {
      try {
        const response = await request(`${url}/v1/workers/probe/heartbeat`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: "{}",
          headersTimeout: 500,
          bodyTimeout: 500,
        });
        await response.body.text();
        if (response.statusCode === 200) return performance.now() - startedAt;
      } catch {
        // refused or timed out: the next node, or the next turn
      }
    }
    await sleep(5);
  }
}

/** Kill -9 the leader under load, FAILOVER_ROUNDS times; the times to the first good write. */
async function failoverMs(cluster: DevCluster, client: CoordinatorClient): Promise<number[]> {
  await client.registerWorker({ workerId: "probe", leaseTtlMs });
  let loading = true;
  const load = Array.from({ length: 8 }, async (_, w) => {
    while (loading) await client.heartbeat(`w${w}`, {}).catch(() => sleep(10));
  });
  const samples: number[] = [];
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    const { leaderId } = await cluster.waitForLeader();
    await sleep(1_000);
    const survivors = cluster.nodes.filter((node) => node.id !== leaderId).map((n) => n.url);
    const startedAt = performance.now();
    await cluster.kill(leaderId, "SIGKILL");
    samples.push(await firstWriteMs(survivors, startedAt));
    console.log(
      `failover round ${round + 1}: ${wholeMs(samples.at(-1) ?? 0)} ms (killed ${leaderId})`,
    );
    await cluster.restart(leaderId);
  }
  loading = false;
  await Promise.all(load);
  return samples;
}

const wholeMs = (ms: number) => Math.round(ms);

const ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** CPU time (user + system) of every node so far, in seconds, in node order. */
function nodeCpuSeconds(cluster: DevCluster): number[] {
  return cluster.nodes.map((node) => {
    const stat = readFileSync(`/proc/${node.pid ?? 0}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: field 3 is state, so utime (14) and stime (15) are at 11 and 12.
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  });
}

/**
 * Runs `phase`, which reports how many commands it ran, and prints the CPU each node and this
 * client spent per command: a figure a busy machine distorts far less than wall time.
 */
async function withCpuPerCommand<T>(
  cluster: DevCluster,
  leaderId: string,
  phase: () => Promise<{ result: T; commands: number }>,
): Promise<T> {
  const before = nodeCpuSeconds(cluster);
  const clientBefore = process.cpuUsage();
  const { result, commands } = await phase();
  const clientUsed = process.cpuUsage(clientBefore);
  const perCommandUs = (seconds: number) => Math.round((seconds * 1e6) / commands);
  const nodes = nodeCpuSeconds(cluster).map((after, i) => {
    const node = cluster.nodes[i]!;
    const role = node.id === leaderId ? "leader" : "follower";
    return `${node.id} (${role}) ${perCommandUs(after - before[i]!)} µs`;
  });
  const clientUs = perCommandUs((clientUsed.user + clientUsed.system) / 1e6);
  console.log(`  CPU per command: ${nodes.join(", ")}, client ${clientUs} µs`);
  return result;
}

/** The busiest node's CPU percentage over IDLE_SECONDS with no load. */
async function idleCpuPct(cluster: DevCluster): Promise<number> {
  await sleep(2_000);
  const before = nodeCpuSeconds(cluster);
  await sleep(IDLE_SECONDS * 1000);
  const pcts = nodeCpuSeconds(cluster).map(
    (after, i) => ((after - before[i]!) / IDLE_SECONDS) * 100,
  );
  console.log(`idle CPU % per node: ${pcts.map((p) => p.toFixed(2)).join(", ")}`);
  return Math.round(Math.max(...pcts) * 100) / 100;
}

/**
 * With ELK_BENCH_TRACING set: an OTLP/HTTP receiver that drops what it gets, and the OTEL_*
 * variables the node processes inherit (startDevCluster passes the environment on).
 */
async function tracingReceiver(): Promise<http.Server | null> {
  const ratio = process.env.ELK_BENCH_TRACING;
  if (ratio === undefined || ratio === "") return null;
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(200, { "content-type": "application/x-protobuf" }).end());
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as AddressInfo;
  process.env.OTEL_TRACES_EXPORTER = "otlp";
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${port}`;
  process.env.OTEL_TRACES_SAMPLER = "parentbased_traceidratio";
  process.env.OTEL_TRACES_SAMPLER_ARG = ratio;
  console.log(`tracing on: sampler ratio ${ratio}, OTLP receiver on port ${port}`);
  return receiver;
}

const receiver = await tracingReceiver();
const dir = await mkdtemp(path.join(os.tmpdir(), "elk-bench-cluster-"));
const cluster = await startDevCluster({
  basePort: 0,
  dataDir: dir,
  logLevel: "warn",
  // A loaded machine can take longer than the default 20 s to elect the first leader.
  readyTimeoutMs: 60_000,
  ...(profileDir === undefined ? {} : { nodeFlags: ["--cpu-prof", "--cpu-prof-dir", profileDir] }),
});
try {
  const leader = await cluster.waitForLeader();
  const others = cluster.endpoints.filter((url) => url !== leader.url);
  const client = createClient({ endpoints: [leader.url, ...others], connectionsPerEndpoint: 64 });
  for (let w = 0; w < 64; w++)
    await client.registerWorker({ workerId: `w${w}`, windowSize: 1024, leaseTtlMs });
  for (let w = 0; w < 16; w++) {
    await client.registerWorker({ workerId: `g${w}`, windowSize: 64, leaseTtlMs });
    await client.registerWorker({ workerId: `b${w}`, windowSize: 64, leaseTtlMs });
  }
  await sequentialMs(client, 500);
  const seq = await withCpuPerCommand(cluster, leader.leaderId, async () => ({
    result: await sequentialMs(client, 3_000),
    commands: 3_000,
  }));
  console.log(`sequential: p50 ${percentile(seq, 0.5)} ms, p99 ${percentile(seq, 0.99)} ms`);
  const c64PerSec = await withCpuPerCommand(cluster, leader.leaderId, () =>
    concurrentPerSec(client),
  );
  console.log(`64 clients: ${c64PerSec} commands/s`);
  const grants = await withCpuPerCommand(cluster, leader.leaderId, () => grantsPerSec(client));
  console.log(`grants (acquire only, batches of 64): ${grants}/s`);
  const cycles = await withCpuPerCommand(cluster, leader.leaderId, () =>
    acquireCompletePerSec(client),
  );
  console.log(`acquire + complete: ${cycles} partitions/s`);
  const batched = await withCpuPerCommand(cluster, leader.leaderId, () =>
    batchedCyclePerSec(client),
  );
  console.log(`complete-and-acquire batches of 64: ${batched} partitions/s`);
  const idle = await idleCpuPct(cluster);
  const failover = profileDir === undefined ? await failoverMs(cluster, client) : [];
  await client.close();
  console.log(
    JSON.stringify({
      seqP50Ms: percentile(seq, 0.5),
      seqP99Ms: percentile(seq, 0.99),
      c64PerSec,
      grantsPerSec: grants,
      acquireCompletePerSec: cycles,
      acquireCompleteBatchedPerSec: batched,
      failoverP50Ms: failover.length === 0 ? null : wholeMs(percentile(failover, 0.5)),
      idleCpuPct: idle,
    }),
  );
} finally {
  await cluster.stop();
  receiver?.close();
  await rm(dir, { recursive: true, force: true });
}
