// Runs benchmarks: `npm run bench -- <name>` runs bench/<name>.ts, no name runs every bench.
// Each bench runs in its own Node process with --expose-gc (so heap figures are measured after
// a real collection) and prints one JSON object as its last line; the runner echoes the
// bench's output and then prints every bench's JSON line, one per bench.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

const here = import.meta.dirname;
const requested = process.argv.slice(2);
const available = readdirSync(here)
  .filter((file) => file.endsWith(".ts") && file !== "main.ts")
  .map((file) => file.slice(0, -3))
  .sort();
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench ${unknown.join(", ")}; available: ${available.join(", ")}`);
  process.exit(2);
}

const summary: string[] = [];
let failed = false;
for (const name of requested.length > 0 ? requested : available) {
  const run = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", path.join(here, `${name}.ts`)],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 * 1024 * 1024 },
  );
  process.stdout.write(run.stdout);
  const last = run.stdout.trim().split("\n").at(-1) ?? "";
  if (run.status !== 0 || !last.startsWith("{")) {
    console.error(`bench ${name} failed (exit ${run.status ?? run.signal})`);
    failed = true;
    continue;
  }
  summary.push(JSON.stringify({ bench: name, ...(JSON.parse(last) as object) }));
}
console.log(summary.join("\n"));
process.exit(failed ? 1 : 0);
