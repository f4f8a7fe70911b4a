// Proves 3-node clusters keep every safety invariant and converge after healing in 1,000 seeds (the CI run).
import { it } from "vitest";
import { CI_SEEDS, expectCleanSeeds } from "./ci-seeds.js";

it(`${CI_SEEDS} seeds on 3 nodes: no violation, every healed cluster converges`, () => {
  expectCleanSeeds(3);
}, 300_000);
