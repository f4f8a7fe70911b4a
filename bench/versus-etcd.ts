// Benchmark: our three-node cluster side by side with a three-member etcd, in one run, on the
// same machine, alternating etcd, ours, etcd (A-B-A) so drift in the machine's load shows up as
// a difference between etcd's two runs rather than as a bias.
//
// - The write: an etcd put of a 200-byte value to a fixed key per client; ours a RegisterWorker
//   (POST /v1/workers) of a fixed worker per client with a 200-byte `meta` value. Both carry the
//   same payload through the log (fsynced on a majority) into every member's state, overwriting
//   the previous value; a Heartbeat carries no payload, so it would flatter us.
// - Clients go straight to the leader (etcd3 over gRPC, one HTTP/2 channel; ours the typed client
//   over undici keep-alive, 64 connections), retries off on the etcd side (one attempt).
// - seqP50Ms / seqP99Ms: one write at a time (ELK_BENCH_SEQ, default 2,000, after 200 warm-up).
// - c64PerSec: writes/s with 64 concurrent clients for ELK_BENCH_SECONDS (default 5).
// - failoverP50Ms: with 8 clients writing, kill -9 the leader and time the first write that
//   succeeds through a survivor (each survivor tried in turn, 500 ms per attempt);
//   ELK_BENCH_FAILOVER_ROUNDS rounds (default 5), the killed member restarted between rounds.
// - stall (ours only): ELK_BENCH_STALL_SECONDS (default 60; 0 skips) at 64 clients while a random
//   follower is frozen for 150 ms every 5 s (SIGSTOP/SIGCONT: an OS-level event-loop stall); it
//   reports the elections seen (terms that began, and leaders other than the first). The goal
//   is 0.
// Without an `etcd` binary on PATH (Debian: `apt-get install etcd-server etcd-client`) it says so
// and measures ours alone. Run: `npm run bench -- versus-etcd` (about 4 to 5 minutes).
// Prints diagnostics, then one JSON line:
// {"etcdVersion":…,"etcd":{"before":{…},"after":{…}}|null,"ours":{…},"ratios":{…},"stall":{…}}.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { request } from "undici";
import { startDevCluster, type DevCluster } from "../src/cli/dev-cluster.js";
import { createClient } from "../src/worker/client.js";
import { EtcdCluster, etcdBinary, etcdClient, etcdVersion } from "./lib/etcd-cluster.js";
import { concurrentPerSec, percentile, sequentialMs, sleep } from "./lib/measure.js";

const seconds = Number(process.env.ELK_BENCH_SECONDS ?? 5);
const seqRounds = Number(process.env.ELK_BENCH_SEQ ?? 2_000);
const failoverRounds = Number(process.env.ELK_BENCH_FAILOVER_ROUNDS ?? 5);
const stallSeconds = Number(process.env.ELK_BENCH_STALL_SECONDS ?? 60);
const VALUE = "v".repeat(200);
const STALL_EVERY_MS = 5_000;
const STALL_MS = 150;
const leaseTtlMs = 600_000;

/** What the phases need from a cluster, etcd's or ours. */
interface Contender {
  readonly name: string;
  readonly ids: readonly string[];
  waitForLeader(): Promise<{ leaderId: string; url: string }>;
  /** Points the writing client at `leaderUrl` (then the others). */
  aim(leaderUrl: string): void;
  /** One write by client `c`. */
  put(c: number): Promise<void>;
  /** One write attempt through node `id` alone, bounded by 500 ms: whether it succeeded. */
  tryPut(id: string): Promise<boolean>;
  kill(id: string): Promise<void>;
  restart(id: string): Promise<void>;
  close(): Promise<void>;
}

interface Figures {
  seqP50Ms: number;
  seqP99Ms: number;
  c64PerSec: number;
  failoverP50Ms: number | null;
  failoverMs: number[];
}

async function runPhases(contender: Contender): Promise<Figures> {
  const leader = await contender.waitForLeader();
  contender.aim(leader.url);
  await sequentialMs(200, () => contender.put(0));
  const seq = await sequentialMs(seqRounds, () => contender.put(0));
  const c64 = await concurrentPerSec(64, seconds, (c) => contender.put(c));
  const failover = await failoverMs(contender);
  const figures = {
    seqP50Ms: percentile(seq, 0.5),
    seqP99Ms: percentile(seq, 0.99),
    c64PerSec: c64.result,
    failoverP50Ms: failover.length === 0 ? null : Math.round(percentile(failover, 0.5)),
    failoverMs: failover.map(Math.round),
  };
  console.log(`${contender.name}: ${JSON.stringify(figures)}`);
  return figures;
}

/** Kill -9 the leader under light load, `failoverRounds` times; ms to the first good write. */
async function failoverMs(contender: Contender): Promise<number[]> {
  let loading = true;
  const load = Array.from({ length: 8 }, async (_, c) => {
    while (loading) await contender.put(c).catch(() => sleep(10));
  });
  const samples: number[] = [];
  try {
    for (let round = 0; round < failoverRounds; round++) {
      const { leaderId } = await contender.waitForLeader();
      await sleep(1_000);
      const survivors = contender.ids.filter((id) => id !== leaderId);
      const startedAt = performance.now();
      await contender.kill(leaderId);
      samples.push(await firstWriteMs(contender, survivors, startedAt));
      console.log(`${contender.name} failover ${round + 1}: ${Math.round(samples.at(-1)!)} ms`);
      await contender.restart(leaderId);
      contender.aim((await contender.waitForLeader()).url);
    }
  } finally {
    loading = false;
    await Promise.all(load);
  }
  return samples;
}

async function firstWriteMs(contender: Contender, survivors: string[], startedAt: number) {
  for (;;) {
    for (const id of survivors) {
      if (await contender.tryPut(id)) return performance.now() - startedAt;
    }
    await sleep(5);
  }
}

function etcdContender(cluster: EtcdCluster): Contender {
  let client = etcdClient(cluster.endpoints, 5_000);
  return {
    name: "etcd",
    ids: cluster.members.map((m) => m.name),
    waitForLeader: () => cluster.waitForLeader(),
    aim: (url) => {
      client.close();
      client = etcdClient(url, 5_000);
    },
    put: async (c) => void (await client.put(`k${c}`).value(VALUE)),
    tryPut: async (id) => {
      const probe = etcdClient(cluster.member(id).clientUrl, 500);
      try {
        await probe.put("probe").value(VALUE);
        return true;
      } catch {
        return false;
      } finally {
        probe.close();
      }
    },
    kill: (id) => cluster.kill(id),
    restart: (id) => cluster.restart(id),
    close: async () => client.close(),
  };
}

function oursContender(cluster: DevCluster): Contender {
  let client = createClient({ endpoints: cluster.endpoints, connectionsPerEndpoint: 64 });
  const registration = (c: number) => ({ workerId: `v${c}`, meta: { v: VALUE }, leaseTtlMs });
  return {
    name: "ours",
    ids: cluster.nodes.map((n) => n.id),
    waitForLeader: () => cluster.waitForLeader(),
    aim: (url) => {
      void client.close();
      const others = cluster.endpoints.filter((e) => e !== url);
      client = createClient({ endpoints: [url, ...others], connectionsPerEndpoint: 64 });
    },
    put: async (c) => void (await client.registerWorker(registration(c))),
    tryPut: async (id) => {
      try {
        const response = await request(`${cluster.node(id).url}/v1/workers`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(registration(999)),
          headersTimeout: 500,
          bodyTimeout: 500,
        });
        await response.body.text();
        return response.statusCode < 300;
      } catch {
        return false;
      }
    },
    kill: async (id) => void (await cluster.kill(id, "SIGKILL")),
    restart: (id) => cluster.restart(id),
    close: () => client.close(),
  };
}

/**
 * 64 writing clients for `stallSeconds` while a random follower freezes for STALL_MS every
 * STALL_EVERY_MS; counts elections from every node's Raft status, polled every 100 ms.
 */
async function stallCheck(cluster: DevCluster) {
  const first = await cluster.waitForLeader();
  const contender = oursContender(cluster);
  contender.aim(first.url);
  const status = createClient({ endpoints: cluster.endpoints });
  const leadersByTerm = new Map<number, string>();
  let maxTerm = first.term;
  let running = true;
  const watch = (async () => {
    while (running) {
      const statuses = await Promise.allSettled(
        cluster.nodes.map((n) => status.raftStatus({}, { endpoint: n.url, retryDeadlineMs: 0 })),
      );
      for (const s of statuses) {
        if (s.status !== "fulfilled") continue;
        maxTerm = Math.max(maxTerm, s.value.term);
        if (s.value.leaderId !== null) leadersByTerm.set(s.value.term, s.value.leaderId);
      }
      await sleep(100);
    }
  })();
  let stalls = 0;
  const stall = (async () => {
    const endAt = performance.now() + stallSeconds * 1000;
    while (performance.now() + STALL_EVERY_MS < endAt) {
      await sleep(STALL_EVERY_MS);
      const followers = cluster.nodes.filter((n) => n.id !== first.leaderId && n.pid !== null);
      const victim = followers[Math.floor(Math.random() * followers.length)];
      if (victim?.pid == null) continue;
      process.kill(victim.pid, "SIGSTOP");
      await sleep(STALL_MS);
      process.kill(victim.pid, "SIGCONT");
      stalls++;
    }
  })();
  const load = await concurrentPerSec(64, stallSeconds, (c) => contender.put(c));
  await stall;
  running = false;
  await watch;
  await Promise.all([contender.close(), status.close()]);
  const leaders = [...leadersByTerm.entries()].filter(([term]) => term > first.term);
  const result = {
    seconds: stallSeconds,
    stalls,
    stallMs: STALL_MS,
    writesPerSec: load.result,
    termsBegun: maxTerm - first.term,
    leaderChanges: leaders.filter(([, id]) => id !== first.leaderId).length,
  };
  console.log(`stall check: ${JSON.stringify(result)}`);
  return result;
}

async function withEtcd<T>(binary: string, run: (c: Contender) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "elk-bench-etcd-"));
  const cluster = await EtcdCluster.start(binary, dir);
  const contender = etcdContender(cluster);
  try {
    return await run(contender);
  } finally {
    await contender.close();
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function withOurs<T>(run: (cluster: DevCluster) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "elk-bench-versus-"));
  const cluster = await startDevCluster({
    basePort: 0,
    dataDir: dir,
    logLevel: "warn",
    readyTimeoutMs: 60_000,
  });
  try {
    return await run(cluster);
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** ours ÷ etcd (the mean of etcd's two runs), three decimals. */
function ratio(ours: number | null, before: number | null, after: number | null) {
  if (ours === null || before === null || after === null) return null;
  return Math.round((ours / ((before + after) / 2)) * 1000) / 1000;
}

const binary = etcdBinary();
if (binary === null) console.log("etcd is not installed (apt-get install etcd-server): ours alone");
const before = binary === null ? null : await withEtcd(binary, runPhases);
const { ours, stall } = await withOurs(async (cluster) => {
  const contender = oursContender(cluster);
  const figures = await runPhases(contender).finally(() => contender.close());
  return { ours: figures, stall: stallSeconds > 0 ? await stallCheck(cluster) : null };
});
const after = binary === null ? null : await withEtcd(binary, runPhases);
const etcd = before === null || after === null ? null : { before, after };
console.log(
  JSON.stringify({
    etcdVersion: binary === null ? null : etcdVersion(binary),
    machine: { cpus: os.cpus().length, loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100 },
    valueBytes: VALUE.length,
    etcd,
    ours,
    ratios:
      etcd === null
        ? null
        : {
            seqP50OursOverEtcd: ratio(ours.seqP50Ms, before!.seqP50Ms, after!.seqP50Ms),
            seqP99OursOverEtcd: ratio(ours.seqP99Ms, before!.seqP99Ms, after!.seqP99Ms),
            c64OursOverEtcd: ratio(ours.c64PerSec, before!.c64PerSec, after!.c64PerSec),
            failoverP50OursOverEtcd: ratio(
              ours.failoverP50Ms,
              before!.failoverP50Ms,
              after!.failoverP50Ms,
            ),
          },
    stall,
  }),
);
