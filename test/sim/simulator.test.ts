// Proves a simulation run is a pure function of its seed, that healthy seeds end converged, and that a run reports liveness failures.
import { describe, expect, it } from "vitest";
import { runSeed } from "./simulator.js";

describe("runSeed", () => {
  it("the same seed twice gives the same events and hash", () => {
    for (const nodeCount of [3, 5] as const) {
      const a = runSeed({ seed: 42, nodeCount, steps: 2_000 });
      const b = runSeed({ seed: 42, nodeCount, steps: 2_000 });
      expect(b.hash).toBe(a.hash);
      expect(b.events).toBe(a.events);
      expect(b.client).toEqual(a.client);
    }
  });

  it("different seeds, sizes or lengths give different hashes", () => {
    const hashes = new Set(
      [1, 2, 3, 4, 5].flatMap((seed) =>
        ([3, 5] as const).map((nodeCount) => runSeed({ seed, nodeCount, steps: 1_000 }).hash),
      ),
    );
    expect(hashes.size).toBe(10);
    expect(runSeed({ seed: 1, nodeCount: 3, steps: 1_001 }).hash).not.toBe(
      runSeed({ seed: 1, nodeCount: 3, steps: 1_000 }).hash,
    );
  });

  it("runs the fault phase, heals, converges and checks acknowledged writes", () => {
    const result = runSeed({ seed: 7, nodeCount: 3, steps: 3_000 });
    expect(result.violation).toBeUndefined();
    expect(result.livenessFailure).toBeUndefined();
    expect(result.events).toBeGreaterThan(3_000);
    expect(result.client.acknowledged).toBeGreaterThan(0);
    expect(result.leaderTerms).toBeGreaterThan(0);
  });

  it("reports a liveness failure when the cluster cannot converge within the bound", () => {
    const result = runSeed({ seed: 7, nodeCount: 5, steps: 500, overrides: { healBoundMs: 1 } });
    expect(result.violation).toBeUndefined();
    expect(result.livenessFailure).toMatch(/not converged 1 ms after healing: n1 /);
  });

  it("traces a replay: events, nemesis actions and state changes", () => {
    const lines: string[] = [];
    runSeed({ seed: 3, nodeCount: 3, steps: 600, trace: (line) => lines.push(line) });
    expect(lines.some((l) => / deliver n\d->n\d AppendEntries term=\d+/.test(l))).toBe(true);
    expect(lines.some((l) => / n\d Leader term=\d+ commit=\d+ leader=n\d/.test(l))).toBe(true);
    expect(lines.some((l) => / HEAL: /.test(l))).toBe(true);
  });
});
