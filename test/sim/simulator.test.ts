// Proves a simulation run of the production node is a pure function of its seed, that a healthy seed heals and finishes its plans, and that a run reports liveness failures.
import { describe, expect, it } from "vitest";
import { runSeed } from "./simulator.js";

describe("runSeed", () => {
  it("the same seed twice gives the same events and hash; other seeds differ", async () => {
    const a = await runSeed({ seed: 42, nodeCount: 3, steps: 400 });
    const b = await runSeed({ seed: 42, nodeCount: 3, steps: 400 });
    const c = await runSeed({ seed: 43, nodeCount: 3, steps: 400 });
    expect(b.hash).toBe(a.hash);
    expect(b.events).toBe(a.events);
    expect(b.workload).toEqual(a.workload);
    expect(c.hash).not.toBe(a.hash);
  }, 120_000);

  it("runs the fault phase, heals, completes every plan and converges", async () => {
    const result = await runSeed({ seed: 7, nodeCount: 5, steps: 600 });
    expect(result.violation).toBeUndefined();
    expect(result.livenessFailure).toBeUndefined();
    expect(result.convergedAfterMs).toBeGreaterThan(0);
    expect(result.checks.acknowledged).toBeGreaterThan(0);
    expect(result.checks.grants).toBeGreaterThan(0);
    expect(result.leaderTerms).toBeGreaterThan(0);
  }, 120_000);

  it("reports a liveness failure when the plans cannot finish within the bound", async () => {
    const result = await runSeed({
      seed: 7,
      nodeCount: 3,
      steps: 300,
      overrides: { healBoundMs: 1 },
    });
    expect(result.violation).toBeUndefined();
    expect(result.livenessFailure).toMatch(/1 ms after healing: n1 /);
  }, 120_000);

  it("traces a replay: node starts, nemesis actions, healing", async () => {
    const lines: string[] = [];
    await runSeed({ seed: 3, nodeCount: 3, steps: 400, trace: (line) => lines.push(line) });
    expect(lines.some((l) => / n\d STARTED /.test(l))).toBe(true);
    expect(lines.some((l) => / HEAL: /.test(l))).toBe(true);
    expect(lines.some((l) => / raft role /.test(l))).toBe(true);
  }, 120_000);
});
