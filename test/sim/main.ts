/**
 * `npm run sim` — the deterministic Raft simulator's command line.
 *
 *   npm run sim -- --seeds N [--nodes 3|5] [--steps K]   runs seeds 1..N (both sizes unless --nodes)
 *   npm run sim -- --seed S [--nodes 3|5] [--steps K]    replays one seed and prints its trace
 *
 * The last line is always one JSON object:
 * `{"seeds":N,"events":E,"violations":V,"livenessFailures":L,"hash":"<hex>"}`; the exit code is
 * non-zero when V or L is. TEST ONLY: `ELK_SIM_INJECT_BUG=commitPreviousTermByCounting` or
 * `=grantVoteTwice` runs a deliberately broken core, to show the simulator catching it.
 */
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { DEFAULT_STEPS, describeFailure, runSeeds } from "./run-seeds.js";
import { INJECTABLE_BUGS, runSeed } from "./simulator.js";
import type { InjectedBug, SeedResult } from "./simulator.js";

function usage(problem: string): never {
  console.error(`sim: ${problem}`);
  console.error("usage: npm run sim -- (--seeds N | --seed S) [--nodes 3|5] [--steps K]");
  process.exit(2);
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) usage(`--${name} must be a positive integer`);
  return value;
}

function injectedBug(): InjectedBug | undefined {
  const name = process.env["ELK_SIM_INJECT_BUG"];
  if (name === undefined || name === "") return undefined;
  const bug = INJECTABLE_BUGS.find((b) => b === name);
  if (bug === undefined) usage(`ELK_SIM_INJECT_BUG must be one of ${INJECTABLE_BUGS.join(", ")}`);
  return bug;
}

function replayCommand(result: SeedResult, steps: number, bug: InjectedBug | undefined): string {
  const env = bug === undefined ? "" : `ELK_SIM_INJECT_BUG=${bug} `;
  return `${env}npm run sim -- --seed ${result.seed} --nodes ${result.nodeCount} --steps ${steps}`;
}

function reportFailure(result: SeedResult, steps: number, bug: InjectedBug | undefined): void {
  console.log(describeFailure(result));
  console.log(`  replay: ${replayCommand(result, steps, bug)}`);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string" },
      seed: { type: "string" },
      nodes: { type: "string" },
      steps: { type: "string" },
    },
    strict: true,
  });
  const count = positiveInteger("seeds", values.seeds);
  const single = positiveInteger("seed", values.seed);
  if ((count === undefined) === (single === undefined))
    usage("give exactly one of --seeds and --seed");
  if (values.nodes !== undefined && values.nodes !== "3" && values.nodes !== "5")
    usage("--nodes is 3 or 5");
  const nodeCounts: (3 | 5)[] =
    values.nodes === undefined ? [3, 5] : [values.nodes === "3" ? 3 : 5];
  const steps = positiveInteger("steps", values.steps) ?? DEFAULT_STEPS;
  const bug = injectedBug();
  const seeds =
    single !== undefined ? [single] : Array.from({ length: count ?? 0 }, (_, i) => i + 1);
  if (single !== undefined) replay(single, nodeCounts, steps, bug);

  const startedMs = performance.now();
  const { summary, coverage } = runSeeds({
    seeds,
    nodeCounts,
    steps,
    ...(bug === undefined ? {} : { injectBug: bug }),
    onResult: (r) => {
      if (r.violation !== undefined || r.livenessFailure !== undefined)
        reportFailure(r, steps, bug);
    },
  });
  const wallMs = Math.round(performance.now() - startedMs);
  console.log(
    `sim: ${seeds.length} seeds × ${nodeCounts.join("+")} nodes, ${steps} fault steps each, ${wallMs} ms wall`,
  );
  console.log(`coverage ${JSON.stringify(coverage)}`);
  console.log(JSON.stringify(summary));
  process.exitCode = summary.violations + summary.livenessFailures > 0 ? 1 : 0;
}

/** Prints the trace and a summary of each run of one seed (the JSON line follows in main). */
function replay(
  seed: number,
  nodeCounts: readonly (3 | 5)[],
  steps: number,
  bug: InjectedBug | undefined,
): void {
  for (const nodeCount of nodeCounts) {
    console.log(
      `── seed ${seed}, ${nodeCount} nodes${bug === undefined ? "" : `, injected bug ${bug}`}`,
    );
    const result = runSeed({
      seed,
      nodeCount,
      steps,
      ...(bug === undefined ? {} : { injectBug: bug }),
      trace: (line) => console.log(line),
    });
    console.log(
      `scenario ${JSON.stringify(result.scenario)}\n` +
        `client ${JSON.stringify(result.client)}\nnetwork ${JSON.stringify(result.network)}\n` +
        `nemesis ${JSON.stringify(result.nemesis)}\ndelivered ${JSON.stringify(result.delivered)}\n` +
        `leader terms ${result.leaderTerms}, ` +
        `${result.events} events, ${result.virtualMs} virtual ms, hash ${result.hash}`,
    );
  }
}

main();
