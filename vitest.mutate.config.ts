// The unit tests StrykerJS runs against each mutant of src/raft and src/state-machine
// (docs/MUTATION.md): the pure cores' own tests only, no processes or sockets.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/raft/**/*.test.ts", "test/state-machine/**/*.test.ts"],
    // Fewer fuzz and model-test runs per mutant: a killed mutant fails in the first few, and the
    // full counts make every surviving mutant cost many seconds more (the model test's check of
    // its own generator, which needs the full count, is skipped then).
    env: {
      SM_MODEL_RUNS: process.env["SM_MODEL_RUNS"] ?? "40",
      RAFT_FUZZ_RUNS: process.env["RAFT_FUZZ_RUNS"] ?? "50",
    },
    testTimeout: 60_000,
  },
});
