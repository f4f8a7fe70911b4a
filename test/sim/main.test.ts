// Proves the `npm run sim` command line: replay prints a trace and a stable hash, failures name the seed and invariant and exit non-zero, and the last line is always the JSON summary.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");

function sim(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(tsx, ["test/sim/main.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ELK_SIM_INJECT_BUG: "", ...env },
  });
  const lines = run.stdout.trimEnd().split("\n");
  const summary = JSON.parse(lines[lines.length - 1] ?? "") as Record<string, unknown>;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, summary };
}

describe("npm run sim", () => {
  it("replays one seed with its trace, and the same seed twice prints the same hash", () => {
    const first = sim(["--seed", "5", "--nodes", "3", "--steps", "800"]);
    const second = sim(["--seed", "5", "--nodes", "3", "--steps", "800"]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/── seed 5, 3 nodes/);
    expect(first.stdout).toMatch(/deliver n\d->n\d /);
    expect(first.summary).toMatchObject({ seeds: 1, violations: 0, livenessFailures: 0 });
    expect(Object.keys(first.summary)).toEqual([
      "seeds",
      "events",
      "violations",
      "livenessFailures",
      "hash",
    ]);
    expect(second.summary).toEqual(first.summary);
  }, 60_000);

  it("reports an injected bug with seed, invariant and replay command, and exits non-zero", () => {
    const run = sim(["--seeds", "4", "--steps", "1500"], { ELK_SIM_INJECT_BUG: "grantVoteTwice" });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL seed=\d+ nodes=[35] violated (single-vote|election-safety)/);
    expect(run.stdout).toMatch(
      /replay: ELK_SIM_INJECT_BUG=grantVoteTwice npm run sim -- --seed \d+/,
    );
    expect(run.summary["violations"]).toBeGreaterThan(0);
  }, 60_000);

  it("refuses bad arguments", () => {
    const run = spawnSync(tsx, ["test/sim/main.ts", "--seeds", "0"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--seeds must be a positive integer/);
  }, 60_000);
});
