/**
 * The CI run of the simulator: seeds 1..CI_SEEDS of the production node at a short fault phase,
 * one cluster size per test file so that vitest's two workers run the sizes side by side.
 */
import { expect } from "vitest";
import { runSeeds, runsOf, type RunSummary } from "./run-seeds.js";

/** Seeds every CI run covers, per cluster size (so 2 × CI_SEEDS runs in all). */
export const CI_SEEDS = 500;

/** Fault-phase events per CI seed. */
export const CI_STEPS = 800;

/** Runs the CI seeds on `nodeCount` nodes and fails with the first failures' descriptions. */
export async function expectCleanSeeds(nodeCount: 3 | 5): Promise<RunSummary> {
  const seeds = Array.from({ length: CI_SEEDS }, (_, i) => i + 1);
  const { summary, outcomes } = await runSeeds({
    runs: runsOf(seeds, [nodeCount]),
    steps: CI_STEPS,
  });
  const failures = outcomes.flatMap((o) => (o.failure === null ? [] : [o.failure]));
  expect(failures.slice(0, 5)).toEqual([]);
  expect(summary).toMatchObject({ seeds: CI_SEEDS, violations: 0, livenessFailures: 0 });
  return summary;
}
