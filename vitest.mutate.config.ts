// The unit tests StrykerJS runs against each mutant of src/raft and src/state-machine
// (docs/MUTATION.md): the pure cores' own tests only, no processes or sockets.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/raft/**/*.test.ts", "test/state-machine/**/*.test.ts"],
    // Fewer raw-node fuzz runs per mutant: a killed mutant fails in the first few, and the full
    // count makes every surviving Raft mutant cost seconds more. (The state-machine model test
    // keeps its runs: its "every command path reached" check needs all of them.)
    env: { RAFT_FUZZ_RUNS: process.env["RAFT_FUZZ_RUNS"] ?? "50" },
    testTimeout: 60_000,
  },
});
