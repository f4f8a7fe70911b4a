/**
 * Runs many seeds and folds their outcomes into the one summary the CLI prints as its last line
 * (`{"seeds","events","violations","livenessFailures","hash"}`). The summary hash chains the
 * per-run hashes in run order, so it is as deterministic as each run.
 */
import { RollingHash } from "./rolling-hash.js";
import { runSeed } from "./simulator.js";
import type { InjectedBug, SeedResult } from "./simulator.js";

/**
 * Fault-phase events per seed unless `--steps` says otherwise: about 2–8 s of virtual time,
 * several elections and dozens of faults in a busy seed, and 1,000 seeds of both sizes in well
 * under two minutes on two cores.
 */
export const DEFAULT_STEPS = 5_000;

/** Which runs to make: every seed on every cluster size. */
export interface RunPlan {
  readonly seeds: readonly number[];
  readonly nodeCounts: readonly (3 | 5)[];
  readonly steps: number;
  readonly injectBug?: InjectedBug;
  /** Called after each run (progress, failure reports). */
  readonly onResult?: (result: SeedResult) => void;
}

/** The machine-readable outcome of a plan (the CLI's last line). */
export interface RunSummary {
  /** Number of distinct seeds. */
  readonly seeds: number;
  readonly events: number;
  /** Runs that violated a safety invariant (each run stops at its first). */
  readonly violations: number;
  /** Runs whose healed cluster did not converge in time. */
  readonly livenessFailures: number;
  readonly hash: string;
}

/** One line naming the seed, the cluster size and what went wrong (for reports and assertions). */
export function describeFailure(result: SeedResult): string {
  const v = result.violation;
  const what =
    v !== undefined
      ? `violated ${v.invariant} at ${v.atMs} ms on ${v.nodeId ?? "the cluster"}: ${v.detail}`
      : `liveness: ${result.livenessFailure ?? "ok"}`;
  return `FAIL seed=${result.seed} nodes=${result.nodeCount} ${what}`;
}

/** Totals over all runs: how much of the protocol and of the fault space was exercised. */
export type Coverage = Record<string, number>;

function addCoverage(coverage: Coverage, result: SeedResult): void {
  const add = (key: string, n: number) => (coverage[key] = (coverage[key] ?? 0) + n);
  add("leaderTerms", result.leaderTerms);
  add("writesAcknowledged", result.client.acknowledged);
  add("readsAnswered", result.client.readsAnswered);
  for (const [type, n] of Object.entries(result.delivered)) add(`delivered.${type}`, n);
  for (const [action, n] of Object.entries(result.nemesis)) add(`nemesis.${action}`, n);
}

/** Runs every seed of `plan` on every cluster size, in order. */
export function runSeeds(plan: RunPlan): {
  summary: RunSummary;
  failures: SeedResult[];
  coverage: Coverage;
} {
  const coverage: Coverage = {};
  const hash = new RollingHash();
  const failures: SeedResult[] = [];
  let events = 0;
  let violations = 0;
  let livenessFailures = 0;
  for (const seed of plan.seeds) {
    for (const nodeCount of plan.nodeCounts) {
      const result = runSeed({
        seed,
        nodeCount,
        steps: plan.steps,
        ...(plan.injectBug === undefined ? {} : { injectBug: plan.injectBug }),
      });
      events += result.events;
      if (result.violation !== undefined) violations += 1;
      if (result.livenessFailure !== undefined) livenessFailures += 1;
      if (result.violation !== undefined || result.livenessFailure !== undefined)
        failures.push(result);
      hash.addString(result.hash);
      addCoverage(coverage, result);
      plan.onResult?.(result);
    }
  }
  return {
    summary: { seeds: plan.seeds.length, events, violations, livenessFailures, hash: hash.hex() },
    failures,
    coverage,
  };
}
