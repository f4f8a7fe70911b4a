// The unit tests StrykerJS runs against each mutant of src/raft and src/state-machine
// (docs/MUTATION.md): the pure cores' own tests only, no processes or sockets.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/raft/**/*.test.ts", "test/state-machine/**/*.test.ts"],
    // Fewer model-test runs per mutant: a killed mutant fails in the first few, and the full
    // count would make every surviving state-machine mutant cost half a minute.
    env: {
      SM_MODEL_RUNS: process.env["SM_MODEL_RUNS"] ?? "40",
      RAFT_FUZZ_RUNS: process.env["RAFT_FUZZ_RUNS"] ?? "50",
    },
    testTimeout: 60_000,
  },
});
