// Proves 3-node clusters of the production node keep every safety invariant, finish every plan and converge after healing in the CI seeds.
import { it } from "vitest";
import { CI_SEEDS, expectCleanSeeds } from "./ci-seeds.js";

it(`${CI_SEEDS} seeds on 3 nodes: no violation, every healed cluster finishes`, async () => {
  await expectCleanSeeds(3);
}, 900_000);
