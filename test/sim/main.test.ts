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
    const first = sim(["--seed", "5", "--nodes", "3", "--steps", "300"]);
    const second = sim(["--seeds", "2", "--nodes", "3", "--steps", "300", "--jobs", "2"]);
    const third = sim(["--seeds", "2", "--nodes", "3", "--steps", "300"]);
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/── seed 5, 3 nodes/);
    expect(first.stdout).toMatch(/ n\d STARTED /);
    expect(first.summary).toMatchObject({ seeds: 1, violations: 0, livenessFailures: 0 });
    expect(Object.keys(first.summary)).toEqual([
      "seeds",
      "runs",
      "events",
      "violations",
      "livenessFailures",
      "hash",
      "wallMs",
      "eventsPerSecond",
    ]);
    // The same runs give the same hash whether one process or two ran them.
    expect(second.summary["hash"]).toBe(third.summary["hash"]);
    expect(second.summary["events"]).toBe(third.summary["events"]);
  }, 300_000);

  it("reports an injected bug with seed, invariant and replay command, and exits non-zero", () => {
    const run = sim(["--seeds", "1", "--nodes", "3", "--steps", "300"], {
      ELK_SIM_INJECT_BUG: "ackBeforeFsync",
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/FAIL seed=1 nodes=3 violated durable-state/);
    expect(run.stdout).toMatch(
      /replay: ELK_SIM_INJECT_BUG=ackBeforeFsync npm run sim -- --seed 1 --nodes 3 --steps 300/,
    );
    expect(run.stdout).toMatch(/last 40 events of the transcript:/);
    expect(run.summary["violations"]).toBe(1);
  }, 300_000);

  it("refuses bad arguments", () => {
    const run = spawnSync(tsx, ["test/sim/main.ts", "--seeds", "0"], {
      cwd: root,
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--seeds must be a positive integer/);
  }, 60_000);
});
