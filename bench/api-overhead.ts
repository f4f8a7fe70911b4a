// Benchmark: what the HTTP layer (src/api + src/worker/client.ts) costs, with no Raft behind it:
// the apps run over an in-memory NodeService that applies every command at once to a real state
// machine (test/api/fake-service.ts). Figures: sequential Heartbeat latency through the client,
// the same through a follower that forwards to the leader, Heartbeats/s with 64 concurrent
// clients, and partition grants/s with 16 workers acquiring 64 at a time and completing them.
// Run: `npm run bench -- api-overhead` (about 10 s).
// Prints one JSON line: {"seqP50Ms":…,"seqP99Ms":…,"forwardedP50Ms":…,"c64PerSec":…,"grantsPerSec":…}.
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { buildApp } from "../src/api/index.js";
import { createClient, createSequencer } from "../src/worker/client.js";
import type { CoordinatorClient } from "../src/worker/client.js";
import { FakeService } from "../test/api/fake-service.js";

const seconds = Number(process.argv[2] ?? 2);

async function serve(service: FakeService): Promise<{ url: string; close: () => Promise<void> }> {
  const app = buildApp({ service, clusterSecret: "bench-cluster-secret-0123456789" });
  await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return Number(
    (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0).toFixed(3),
  );
}

async function sequential(
  client: CoordinatorClient,
  workerId: string,
  rounds: number,
): Promise<number[]> {
  const sequencer = createSequencer(`${workerId}/hb`);
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const startedAt = performance.now();
    await client.heartbeat(workerId, {}, { session: sequencer.next() });
    samples.push(performance.now() - startedAt);
  }
  return samples;
}

async function forSeconds(work: () => Promise<number>): Promise<number> {
  const endAt = performance.now() + seconds * 1000;
  let done = 0;
  while (performance.now() < endAt) done += await work();
  return done;
}

const leader = new FakeService({ nodeId: "n1" });
const leaderApp = await serve(leader);
const followerApp = await serve(
  new FakeService({
    nodeId: "n2",
    role: "follower",
    leader: { leaderId: "n1", leaderUrl: leaderApp.url },
  }),
);
const client = createClient({ endpoints: [leaderApp.url] });
for (let w = 0; w < 64; w++) await client.registerWorker({ workerId: `w${w}`, windowSize: 1024 });

await sequential(client, "w0", 500); // warm-up
const seq = await sequential(client, "w0", 3_000);
const viaFollower = createClient({ endpoints: [followerApp.url] });
const forwardedSamples: number[] = [];
for (let i = 0; i < 1_000; i++) {
  const startedAt = performance.now();
  await viaFollower.heartbeat("w1", {}, { retryDeadlineMs: 0 }); // retryDeadline 0: stay on the follower
  forwardedSamples.push(performance.now() - startedAt);
}

const c64 = await Promise.all(
  Array.from({ length: 64 }, (_, w) =>
    forSeconds(async () => (await client.heartbeat(`w${w}`), 1)),
  ),
);

await client.createPlan({ planId: "big", minId: 0, maxId: 9_999_999, partitionSize: 10 });
const grants = await Promise.all(
  Array.from({ length: 16 }, (_, w) =>
    forSeconds(async () => {
      const { granted } = await client.acquire(`w${w}`, { max: 64 });
      await Promise.all(
        granted.map((g) =>
          client.completePartition(g.planId, g.partitionId, {
            workerId: `w${w}`,
            fencingToken: g.fencingToken,
          }),
        ),
      );
      return granted.length;
    }),
  ),
);

await Promise.all([client.close(), viaFollower.close()]);
await Promise.all([followerApp.close(), leaderApp.close()]);
console.log(
  JSON.stringify({
    seqP50Ms: percentile(seq, 0.5),
    seqP99Ms: percentile(seq, 0.99),
    forwardedP50Ms: percentile(forwardedSamples, 0.5),
    c64PerSec: Math.round(c64.reduce((a, b) => a + b, 0) / seconds),
    grantsPerSec: Math.round(grants.reduce((a, b) => a + b, 0) / seconds),
  }),
);
