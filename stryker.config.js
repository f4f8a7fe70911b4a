// Mutation testing of the pure cores (docs/MUTATION.md): `npm run mutate`, or one folder with
// `npm run mutate -- --mutate "src/raft/**/*.ts" --incrementalFile reports/mutation/raft.json`.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts" },
  plugins: ["@stryker-mutator/vitest-runner"],
  mutate: ["src/raft/**/*.ts", "src/state-machine/**/*.ts"],
  coverageAnalysis: "perTest",
  // The machine is shared and small: two sandboxes at once at the most (STRYKER_CONCURRENCY).
  concurrency: Number(process.env["STRYKER_CONCURRENCY"] ?? 2),
  // Reuse the results of unchanged mutants and tests from the previous run.
  incremental: true,
  incrementalFile: "reports/mutation/incremental.json",
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0 },
  timeoutMS: 10_000,
  tempDirName: ".stryker-tmp",
  ignorePatterns: ["dist", "coverage", "artifacts", ".elk-dev", ".elk-demo", "reports"],
};
