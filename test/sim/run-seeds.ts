/**
 * Runs many seeds and folds their outcomes into the one summary the CLI prints as its last line
 * (`{"seeds","runs","events","violations","livenessFailures","hash"}`). The summary hash chains
 * the per-run hashes in run order (seed, then cluster size), so it is as deterministic as each
 * run, whichever process ran which seed.
 */
import type { InjectedBug } from "./bugs.js";
import { RollingHash } from "./rolling-hash.js";
import { runSeed, type SeedResult } from "./simulator.js";

/**
 * Fault-phase events per seed unless `--steps` says otherwise: a few seconds of virtual time,
 * several elections and faults in a busy seed.
 */
export const DEFAULT_STEPS = 1_500;

/** One run: a seed on a cluster size. */
export interface Run {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
}

/** Which runs to make. */
export interface RunPlan {
  readonly runs: readonly Run[];
  readonly steps: number;
  readonly injectBug?: InjectedBug;
  /** Stop after the first failing run (hunting an injected bug). */
  readonly stopAtFirstFailure?: boolean;
  /** Called after each run (progress, failure reports). */
  readonly onResult?: (result: RunOutcome) => void;
}

/** What the summary needs of one run (what a child process reports). */
export interface RunOutcome {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
  readonly events: number;
  readonly hash: string;
  /** One line naming what failed, or null. */
  readonly failure: string | null;
  readonly violated: string | null;
  readonly coverage: Coverage;
}

/** The machine-readable outcome of a plan (the CLI's last line). */
export interface RunSummary {
  /** Number of distinct seeds. */
  readonly seeds: number;
  readonly runs: number;
  readonly events: number;
  /** Runs that violated a safety invariant (each run stops at its first). */
  readonly violations: number;
  /** Runs whose healed cluster did not finish in time. */
  readonly livenessFailures: number;
  readonly hash: string;
}

/** Totals over all runs: how much of the protocol and of the fault space was exercised. */
export type Coverage = Record<string, number>;

/** The runs of seeds `seeds` on every size of `nodeCounts`, in run order. */
export function runsOf(seeds: readonly number[], nodeCounts: readonly (3 | 5)[]): Run[] {
  return seeds.flatMap((seed) => nodeCounts.map((nodeCount) => ({ seed, nodeCount })));
}

/** One line naming the seed, the cluster size and what went wrong (for reports and assertions). */
export function describeFailure(result: SeedResult): string | null {
  const v = result.violation;
  if (v === undefined && result.livenessFailure === undefined) return null;
  const what =
    v !== undefined
      ? `violated ${v.invariant} at ${v.atMs} ms on ${v.nodeId ?? "the cluster"}: ${v.detail}`
      : `liveness: ${result.livenessFailure ?? "ok"}`;
  return `FAIL seed=${result.seed} nodes=${result.nodeCount} ${what}`;
}

function coverageOf(result: SeedResult): Coverage {
  const coverage: Coverage = {};
  const add = (key: string, n: number) => (coverage[key] = (coverage[key] ?? 0) + n);
  add("leaderTerms", result.leaderTerms);
  add("virtualMs", result.virtualMs);
  for (const [key, n] of Object.entries(result.checks)) add(`checks.${key}`, n);
  for (const [key, n] of Object.entries(result.workload)) add(`clients.${key}`, n);
  for (const [key, n] of Object.entries(result.lives)) add(`lives.${key}`, n);
  for (const [type, n] of Object.entries(result.sent)) add(`sent.${type}`, n);
  for (const [kind, n] of Object.entries(result.eventKinds)) add(`events.${kind}`, n);
  for (const [action, n] of Object.entries(result.nemesis)) add(`nemesis.${action}`, n);
  for (const [outcome, n] of Object.entries(result.membership)) add(`member.${outcome}`, n);
  add("member.joined", result.joined);
  for (const [reason, n] of Object.entries(result.retired)) add(`member.retired.${reason}`, n);
  return coverage;
}

/** Runs one seed and reduces it to what a summary needs. */
export async function runOne(
  run: Run,
  steps: number,
  injectBug?: InjectedBug,
): Promise<RunOutcome> {
  const result = await runSeed({
    ...run,
    steps,
    ...(injectBug === undefined ? {} : { injectBug }),
  });
  return {
    ...run,
    events: result.events,
    hash: result.hash,
    failure: describeFailure(result),
    violated: result.violation?.invariant ?? null,
    coverage: coverageOf(result),
  };
}

/** Folds outcomes, given in run order, into the summary and the coverage totals. */
export function summarize(outcomes: readonly RunOutcome[]): {
  summary: RunSummary;
  coverage: Coverage;
} {
  const coverage: Coverage = {};
  const hash = new RollingHash();
  let events = 0;
  let violations = 0;
  let livenessFailures = 0;
  for (const outcome of outcomes) {
    events += outcome.events;
    if (outcome.violated !== null) violations++;
    else if (outcome.failure !== null) livenessFailures++;
    hash.addString(outcome.hash);
    for (const [key, n] of Object.entries(outcome.coverage))
      coverage[key] = (coverage[key] ?? 0) + n;
  }
  const seeds = new Set(outcomes.map((o) => o.seed)).size;
  return {
    summary: {
      seeds,
      runs: outcomes.length,
      events,
      violations,
      livenessFailures,
      hash: hash.hex(),
    },
    coverage,
  };
}

/** Runs every run of `plan`, in order, in this process. */
export async function runSeeds(plan: RunPlan): Promise<{
  summary: RunSummary;
  outcomes: RunOutcome[];
  coverage: Coverage;
}> {
  const outcomes: RunOutcome[] = [];
  for (const run of plan.runs) {
    const outcome = await runOne(run, plan.steps, plan.injectBug);
    outcomes.push(outcome);
    plan.onResult?.(outcome);
    if (plan.stopAtFirstFailure === true && outcome.failure !== null) break;
  }
  return { ...summarize(outcomes), outcomes };
}
