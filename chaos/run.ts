/**
 * One chaos run, start to verdict (README "Chaos"): start the fencing store, the cluster (nodes
 * behind per-link proxies, workers) and the status sampler; run the nemesis schedule, the plan
 * workload and the linearizability probe side by side for the run's duration; heal; wait for every
 * acknowledged plan to complete; gather the final state; check; report. Every wait is bounded;
 * whatever happens (failure, Ctrl-C), every process started here is killed by PID.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { createPrng } from "../src/util/prng.js";
import { createClient, type CoordinatorClient } from "../src/worker/client.js";
import { check, type CheckInput, type FinalPartition } from "./checker.js";
import { CHAOS_WORKER_LEASE_TTL_MS, ChaosCluster } from "./cluster.js";
import { hashDisagreement, membershipDisagreement } from "./convergence.js";
import { History } from "./history.js";
import { checkByKey } from "../test/support/linearizability.js";
import { runNemeses, sleep, type NemesisTally } from "./nemesis.js";
import { describeEvent, planNemeses, type FaultKind, type NemesisEvent } from "./nemesis-plan.js";
import { partitionModel } from "./partition-model.js";
import { LinearizabilityProbe, probeOperations } from "./probe.js";
import { reportLines, verdictOf, type ChaosVerdict } from "./report.js";
import { ResourceStore } from "./resource.js";
import { StatusSampler } from "./status-sampler.js";
import { PlanWorkload } from "./workload.js";

/** How a run is shaped. */
export interface ChaosOptions {
  readonly seed: number;
  readonly durationSeconds: number;
  readonly nodes: number;
  readonly workers: number;
  /** Where run directories are made (default ./artifacts/chaos). */
  readonly artifactsRoot: string;
  /** The deliberately broken build (./broken-switch.ts). */
  readonly breakFencing: boolean;
  /** Keep the run directory even when the run passed. */
  readonly keepArtifacts: boolean;
  /** Draw only these kinds of fault (default all). */
  readonly faultKinds?: readonly FaultKind[];
  readonly log: (line: string) => void;
}

/** What a run ends with. */
export interface ChaosOutcome {
  readonly verdict: ChaosVerdict;
  readonly violations: readonly string[];
  /** The summary, its last line the JSON verdict. */
  readonly lines: readonly string[];
  readonly artifactsDir: string;
}

/** A leader must be known within this long after healing. */
const LEADER_WAIT_MS = 30_000;
/**
 * … and within this long of the start: the node processes compile their TypeScript (tsx) as
 * they start, which takes far longer when the machine's two cores are busy with other suites.
 */
const STARTUP_LEADER_WAIT_MS = 90_000;
/** After healing, the acknowledged plans get this long to complete. */
const COMPLETION_WAIT_MS = 120_000;
const POLL_MS = 250;
/** The linearizability search budget per partition. */
const LINEARIZABILITY_STEPS_MAX = 2_000_000;
const WORKER_DRAIN_MS = 10_000;

interface Parts {
  readonly cluster: ChaosCluster;
  readonly sampler: StatusSampler;
  readonly client: CoordinatorClient;
  readonly store: ResourceStore;
  readonly history: History;
  readonly nowMs: () => number;
}

/**
 * Runs one chaos run and returns its verdict (it does not throw for a violated property).
 * @throws Error when the harness itself cannot work (no leader ever, a port taken) or the cluster
 *   stays unavailable after healing, or on abort; the message names the artifacts directory
 */
export async function runChaos(options: ChaosOptions, signal: AbortSignal): Promise<ChaosOutcome> {
  const started = performance.now();
  const nowMs = () => performance.now() - started;
  const dir = path.resolve(options.artifactsRoot, `seed-${options.seed}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  const schedule = scheduleOf(options);
  options.log(
    `chaos: seed ${options.seed}, ${options.durationSeconds} s, ${options.nodes} nodes, ${options.workers} workers, run dir ${dir}`,
  );
  for (const event of schedule) options.log(`  planned ${describeEvent(event)}`);
  await writeFile(path.join(dir, "schedule.txt"), schedule.map(describeEvent).join("\n") + "\n");
  const store = new ResourceStore(!options.breakFencing);
  const resourceUrl = await store.listen(path.join(dir, "resource-log.jsonl"));
  const prng = createPrng(options.seed);
  let parts: Parts | null = null;
  try {
    const cluster = await ChaosCluster.start({
      nodes: options.nodes,
      workers: options.workers,
      dir,
      resourceUrl,
      prng: prng.fork(),
      breakFencing: options.breakFencing,
      nowMs,
    });
    const targets = () =>
      cluster.nodeIds
        .filter((id) => cluster.answers(id))
        .map((id) => ({ id, url: cluster.urlOf(id) }));
    const sampler = new StatusSampler(cluster.endpoints, targets, nowMs);
    const client = createClient({
      endpoints: cluster.endpoints,
      requestTimeoutMs: 3_000,
      retryDeadlineMs: 0,
    });
    parts = { cluster, sampler, client, store, history: new History(nowMs), nowMs };
    sampler.start();
    await waitForLeader(parts, signal, 0, STARTUP_LEADER_WAIT_MS);
    return await runAndCheck(options, parts, schedule, prng, dir, signal);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message} (artifacts: ${dir})`, { cause: error });
  } finally {
    await parts?.sampler.stop();
    await parts?.client.close();
    await parts?.cluster.destroy();
    await store.close();
  }
}

function scheduleOf(options: ChaosOptions): NemesisEvent[] {
  return planNemeses({
    seed: options.seed,
    durationMs: options.durationSeconds * 1_000,
    nodes: options.nodes,
    workers: options.workers,
    workerLeaseTtlMs: CHAOS_WORKER_LEASE_TTL_MS,
    ...(options.faultKinds === undefined ? {} : { kinds: options.faultKinds }),
  });
}

async function runAndCheck(
  options: ChaosOptions,
  parts: Parts,
  schedule: readonly NemesisEvent[],
  prng: ReturnType<typeof createPrng>,
  dir: string,
  signal: AbortSignal,
): Promise<ChaosOutcome> {
  const startAtMs = parts.nowMs();
  const untilMs = startAtMs + options.durationSeconds * 1_000;
  const tag = `${options.seed}`;
  const workload = new PlanWorkload(parts.client, parts.history, prng.fork(), tag, parts.nowMs);
  const probe = new LinearizabilityProbe(
    parts.client,
    parts.history,
    prng.fork(),
    tag,
    parts.nowMs,
  );
  const context = {
    cluster: parts.cluster,
    sampler: parts.sampler,
    nowMs: parts.nowMs,
    startAtMs,
    log: options.log,
    signal,
    wroteRecently: (workerId: string, withinMs: number) =>
      parts.store.wroteRecently(workerId, withinMs),
  };
  const ended = (what: string) => () =>
    options.log(`chaos: ${what} ended at ${((parts.nowMs() - startAtMs) / 1000).toFixed(1)} s`);
  const [tally] = await Promise.all([
    runNemeses(schedule, context).finally(ended("nemesis")),
    workload.run(untilMs, signal).finally(ended("workload")),
    probe.run(untilMs, signal).finally(ended("probe")),
  ]);
  const seconds = Math.round((parts.nowMs() - startAtMs) / 1000);
  options.log(`chaos: faults over after ${seconds} s; healing and waiting for completion`);
  parts.cluster.heal();
  await waitForLeader(parts, signal, parts.nowMs());
  await waitForPlans(
    parts,
    workload.acknowledged.map((p) => p.planId),
    signal,
  );
  await probe.finish(signal);
  const input = await gather(parts, workload, probe.workers, signal);
  await writeFile(path.join(dir, "history.json"), JSON.stringify(parts.history.entries));
  const result = check(input);
  const verdict = verdictOf(options.seed, seconds, result, tally);
  const lines = reportLines(verdict, result, tally, {
    artifactsDir: dir,
    plansAcknowledged: workload.acknowledged.length,
    plansUnacknowledged: workload.unacknowledged.length,
    probeRounds: probe.rounds,
    probeRoundsCompleted: probe.completedRounds,
    probeOperations: probeOperations(parts.history.entries).length,
    statusSamples: parts.sampler.samples,
    failpointsFired: tally.failpointsFired,
    workerExits: parts.cluster.unexpectedExits.filter((e) => e.id.startsWith("w")).map(exitText),
  });
  await writeFile(path.join(dir, "report.txt"), lines.join("\n") + "\n");
  await writeFile(path.join(dir, "nemesis.txt"), tallyText(tally));
  if (verdict.ok && !options.keepArtifacts) await rm(dir, { recursive: true, force: true });
  return { verdict, violations: result.violations, lines, artifactsDir: dir };
}

/** Everything the checker needs, read from the healed cluster. */
async function gather(
  parts: Parts,
  workload: PlanWorkload,
  probeWorkers: readonly string[],
  signal: AbortSignal,
): Promise<CheckInput> {
  const { client, cluster } = parts;
  const live = new Set([
    ...Array.from({ length: cluster.workerSlots }, (_u, slot) => cluster.workerIdOf(slot)),
    ...probeWorkers,
  ]);
  const held = (await allPartitions(client, {})).filter(
    (p) => p.status === "claimed" || p.status === "running",
  );
  const heldByDeadWorkers = held
    .filter((p) => p.workerId === null || !live.has(p.workerId))
    .map((p) => `${p.planId}/${p.partitionId} (${p.workerId ?? "nobody"})`);
  await cluster.stopWorkers(WORKER_DRAIN_MS);
  const planStatus = new Map<string, string | null>();
  const gaps = new Map<string, { gapRanges: number; complete: boolean }>();
  const partitions: FinalPartition[] = [];
  for (const plan of workload.acknowledged) {
    const detail = await retrying(() => client.getPlan(plan.planId), signal).catch(() => null);
    planStatus.set(plan.planId, detail?.status ?? null);
    const listed = await retrying(() => client.planGaps(plan.planId), signal);
    gaps.set(plan.planId, { gapRanges: listed.gaps.length, complete: listed.complete });
    partitions.push(...(await allPartitions(client, { planId: plan.planId })));
  }
  await parts.sampler.stop();
  const linearizability = checkByKey(
    partitionModel,
    probeOperations(parts.history.entries),
    LINEARIZABILITY_STEPS_MAX,
  );
  return {
    plans: workload.acknowledged,
    planStatus,
    partitions,
    gaps,
    resourceLog: parts.store.log,
    heldByDeadWorkers,
    hashDisagreement: await hashDisagreement(parts, signal),
    membershipDisagreement: await membershipDisagreement(parts, signal),
    leaderViolations: parts.sampler.violations(),
    linearizability,
    unexpectedNodeExits: cluster.unexpectedExits.filter((e) => e.id.startsWith("n")).map(exitText),
  };
}

async function allPartitions(
  client: CoordinatorClient,
  query: { planId?: string },
): Promise<FinalPartition[]> {
  const found: FinalPartition[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page += 1) {
    const answer = await retrying(
      () =>
        client.listPartitions({
          ...query,
          limit: 500,
          ...(cursor === undefined ? {} : { cursor }),
        }),
      new AbortController().signal,
    );
    found.push(...answer.items);
    if (answer.nextCursor === null) return found;
    cursor = answer.nextCursor;
  }
  throw new Error("more than 10,000 pages of partitions");
}

/** Waits until some node has reported leading since `sinceMs` (run time), at most `waitMs`. */
async function waitForLeader(
  parts: Parts,
  signal: AbortSignal,
  sinceMs = 0,
  waitMs = LEADER_WAIT_MS,
): Promise<void> {
  const deadline = parts.nowMs() + waitMs;
  while (parts.nowMs() < deadline && !signal.aborted) {
    const leader = parts.sampler.leader;
    if (leader !== null && leader.atMs >= sinceMs) return;
    await sleep(POLL_MS, signal);
  }
  if (signal.aborted) throw new Error("chaos run interrupted");
  throw new Error(`no leader within ${waitMs} ms`);
}

async function waitForPlans(
  parts: Parts,
  planIds: readonly string[],
  signal: AbortSignal,
): Promise<void> {
  const deadline = parts.nowMs() + COMPLETION_WAIT_MS;
  const pending = new Set(planIds);
  while (pending.size > 0 && parts.nowMs() < deadline && !signal.aborted) {
    for (const planId of [...pending]) {
      const plan = await parts.client.getPlan(planId, {}, { retryDeadlineMs: 0 }).catch(() => null);
      if (plan?.status === "completed") pending.delete(planId);
    }
    if (pending.size > 0) await sleep(POLL_MS, signal);
  }
  if (signal.aborted) throw new Error("chaos run interrupted");
}

/** A read retried across failovers for up to 30 s. */
async function retrying<T>(call: () => Promise<T>, signal: AbortSignal): Promise<T> {
  let lastError: unknown = null;
  for (let attempt = 0; attempt < 120 && !signal.aborted; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      lastError = error;
      await sleep(POLL_MS, signal);
    }
  }
  throw lastError instanceof Error ? lastError : new Error("interrupted");
}

function exitText(exit: {
  id: string;
  exit: { code: number | null; signal: string | null };
  atMs: number;
}) {
  return `${exit.id} at ${(exit.atMs / 1000).toFixed(1)} s (code ${exit.exit.code}, signal ${exit.exit.signal})`;
}

function tallyText(tally: NemesisTally): string {
  return [...tally.struck, `failovers (ms): ${tally.failoverMs.join(" ")}`].join("\n") + "\n";
}
