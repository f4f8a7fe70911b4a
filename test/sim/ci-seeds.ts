/**
 * The CI run of the simulator: seeds 1..1000 at the CLI's default length, one cluster size per
 * test file so that vitest's two workers run the sizes side by side.
 */
import { expect } from "vitest";
import { DEFAULT_STEPS, describeFailure, runSeeds } from "./run-seeds.js";
import type { RunSummary } from "./run-seeds.js";

/** Seeds every CI run covers, per cluster size. */
export const CI_SEEDS = 1_000;

/** Runs the CI seeds on `nodeCount` nodes and fails with the first failures' descriptions. */
export function expectCleanSeeds(nodeCount: 3 | 5): RunSummary {
  const seeds = Array.from({ length: CI_SEEDS }, (_, i) => i + 1);
  const { summary, failures } = runSeeds({ seeds, nodeCounts: [nodeCount], steps: DEFAULT_STEPS });
  expect(failures.slice(0, 5).map(describeFailure)).toEqual([]);
  expect(summary).toMatchObject({ seeds: CI_SEEDS, violations: 0, livenessFailures: 0 });
  return summary;
}
