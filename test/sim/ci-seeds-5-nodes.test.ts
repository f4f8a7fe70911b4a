// Proves 5-node clusters keep every safety invariant and converge after healing in 1,000 seeds (the CI run).
import { it } from "vitest";
import { CI_SEEDS, expectCleanSeeds } from "./ci-seeds.js";

it(`${CI_SEEDS} seeds on 5 nodes: no violation, every healed cluster converges`, () => {
  expectCleanSeeds(5);
}, 300_000);
