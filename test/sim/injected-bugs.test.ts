// Proves the simulator can fail: each deliberately injected Raft bug is reported as a safety violation within a few seeds.
import { describe, expect, it } from "vitest";
import { runSeeds } from "./run-seeds.js";
import type { InjectedBug } from "./simulator.js";

const SEEDS = Array.from({ length: 30 }, (_, i) => i + 1);

function violatedInvariants(injectBug: InjectedBug): Set<string> {
  const { summary, failures } = runSeeds({
    seeds: SEEDS,
    nodeCounts: [3, 5],
    steps: 3_000,
    injectBug,
  });
  expect(summary.violations).toBeGreaterThan(0);
  return new Set(
    failures.flatMap((f) => (f.violation === undefined ? [] : [f.violation.invariant])),
  );
}

describe("injected bugs are caught", () => {
  it("grantVoteTwice (Raft §5.2, one vote per term)", () => {
    const invariants = violatedInvariants("grantVoteTwice");
    expect([...invariants].every((i) => i === "single-vote" || i === "election-safety")).toBe(true);
  });

  it("commitPreviousTermByCounting (Raft §5.4.2, Figure 8)", () => {
    const invariants = violatedInvariants("commitPreviousTermByCounting");
    const figure8 = ["current-term-commit", "leader-completeness", "state-machine-safety"];
    expect([...invariants].every((i) => figure8.includes(i))).toBe(true);
  });

  it("the same seeds without an injected bug stay clean", () => {
    const { summary } = runSeeds({ seeds: SEEDS, nodeCounts: [3, 5], steps: 3_000 });
    expect(summary).toMatchObject({ seeds: 30, violations: 0, livenessFailures: 0 });
  });
});
