// Proves the main job end to end, as CI can afford it: `npm run demo` on the first 20,000
// cities (1,000 partitions) ends with `"ok":true` as its last line, with and without --chaos
// (the leader node and a worker SIGKILLed midway), and exits 0.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = path.resolve(fileURLToPath(import.meta.url), "../../..");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs the demo with `args`; resolves with its exit code and output. */
function runDemo(args: readonly string[]): Promise<{ code: number | null; stdout: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), "elk-demo-test-"));
  dirs.push(dir);
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const child = spawn(
    process.execPath,
    ["--import", tsx, "examples/cities/demo.ts", ...args, "--data-dir", path.join(dir, "demo")],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on("exit", (code) => resolve({ code, stdout: stdout + stderr }));
  });
}

/** The demo's last line, its verdict; a run that ended otherwise fails with its output's tail. */
function verdictOf(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split("\n");
  try {
    return JSON.parse(lines.at(-1) ?? "{}") as Record<string, unknown>;
  } catch {
    throw new Error(`the demo ended without a verdict:\n${lines.slice(-30).join("\n")}`);
  }
}

describe("npm run demo", () => {
  it("processes 20,000 cities exactly once", { timeout: 120_000 }, async () => {
    const { code, stdout } = await runDemo(["--rows", "20000"]);
    const verdict = verdictOf(stdout);
    expect(verdict, stdout).toMatchObject({ ok: true, rows: 20_000, duplicates: 0, gaps: 0 });
    expect(verdict["partitions"]).toBe(1_000);
    expect(code).toBe(0);
  });

  it(
    "still does when the leader node and a worker are killed midway",
    { timeout: 120_000 },
    async () => {
      const { code, stdout } = await runDemo(["--rows", "20000", "--chaos"]);
      const verdict = verdictOf(stdout);
      expect(verdict, stdout).toMatchObject({ ok: true, rows: 20_000, duplicates: 0, gaps: 0 });
      expect(verdict["leaderChanges"]).toBeGreaterThanOrEqual(1);
      expect(stdout).toMatch(/chaos: SIGKILL leader node n\d/);
      expect(stdout).toMatch(/chaos: SIGKILL worker w\d/);
      expect(code).toBe(0);
    },
  );
});
