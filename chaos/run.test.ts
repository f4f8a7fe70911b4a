// Proves the chaos suite end to end with real node and worker processes (README "Chaos"): a
// 60 s run with a fixed seed passes every property, its schedule replacing the leader with a new
// node under a new id (replace-node) between other faults; a 30 s run with a random seed (printed, to
// replay with `npm run chaos -- --seed S`) passes too; and the deliberately broken build
// (ELK_CHAOS_BREAK_FENCING: the store's fence off, the processor deaf to lease loss) is caught:
// a worker paused past its lease has its late writes accepted, and the checker says so.
import { randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runChaos, type ChaosOptions, type ChaosOutcome } from "./run.js";

/** A run's faults, plus start (≤ 90 s on a busy machine), healing, completion and checks. */
const RUN_TIMEOUT_MS = 360_000;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-chaos-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function run(
  options: Partial<ChaosOptions> & { seed: number; durationSeconds: number },
): Promise<ChaosOutcome> {
  const outcome = await runChaos(
    {
      nodes: 3,
      workers: 3,
      artifactsRoot: path.join(root, String(options.seed)),
      breakFencing: false,
      keepArtifacts: false,
      log: () => undefined,
      ...options,
    },
    new AbortController().signal,
  );
  console.log(outcome.lines.join("\n"));
  return outcome;
}

describe.sequential("chaos runs with real processes", () => {
  it("passes a 60 s run with a fixed seed", { timeout: RUN_TIMEOUT_MS }, async () => {
    const outcome = await run({ seed: 20_261_122, durationSeconds: 60 });
    expect(outcome.violations).toEqual([]);
    expect(outcome.verdict).toMatchObject({
      ok: true,
      duplicates: 0,
      lost: 0,
      gaps: 0,
      linearizable: true,
    });
    expect(outcome.verdict.nemesisEvents).toBeGreaterThan(5);
    expect(outcome.verdict.nodeReplacements).toBe(1);
    expect(outcome.verdict.acceptedWrites).toBeGreaterThan(0);
    expect(outcome.lines.at(-1)).toBe(JSON.stringify(outcome.verdict));
  });

  it("passes a 30 s run with a random seed", { timeout: RUN_TIMEOUT_MS }, async () => {
    const seed = randomInt(2 ** 31);
    console.log(
      `chaos: random seed ${seed} (replay: npm run chaos -- --seed ${seed} --duration 30)`,
    );
    const outcome = await run({ seed, durationSeconds: 30 });
    expect(outcome.violations).toEqual([]);
    expect(outcome.verdict.ok).toBe(true);
  });

  it(
    "catches the broken build: late writes of a paused worker accepted",
    { timeout: RUN_TIMEOUT_MS },
    async () => {
      const outcome = await run({
        seed: 7,
        durationSeconds: 30,
        breakFencing: true,
        faultKinds: ["pause-worker"],
      });
      expect(outcome.verdict.ok).toBe(false);
      expect(outcome.violations.join("\n")).toMatch(/stale writes accepted/);
    },
  );
});
