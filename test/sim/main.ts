/**
 * `npm run sim` — the deterministic simulator's command line (docs/SIMULATION.md §5).
 *
 *   npm run sim -- --seeds N [--nodes 3|5] [--steps K] [--jobs J]   seeds 1..N (both sizes
 *                                                   unless --nodes), in J child processes
 *   npm run sim -- --seed S [--nodes 3|5] [--steps K]   replays one seed and prints its trace
 *
 * A failing run prints one line naming it, a one-line replay command and the transcript of its
 * last events (the seed is replayed with tracing on: same seed, same run). The last line is
 * always one JSON object `{"seeds","runs","events","violations","livenessFailures","hash",
 * "wallMs","eventsPerSecond"}`; the hash is the same whatever `--jobs` is; the exit code is
 * non-zero when a run failed. TEST ONLY: `ELK_SIM_INJECT_BUG=<name>` (./bugs.ts) runs a
 * deliberately broken build, to show the simulator catching it.
 */
import { fork } from "node:child_process";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { injectedBugFromEnv, type InjectedBug } from "./bugs.js";
import {
  DEFAULT_STEPS,
  runOne,
  runsOf,
  summarize,
  type Run,
  type RunOutcome,
} from "./run-seeds.js";
import { runSeed } from "./simulator.js";

/** Lines of transcript printed for a failing run. */
const TRANSCRIPT_LINES = 40;

function usage(problem: string): never {
  console.error(`sim: ${problem}`);
  console.error(
    "usage: npm run sim -- (--seeds N | --seed S) [--nodes 3|5] [--steps K] [--jobs J]",
  );
  process.exit(2);
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) usage(`--${name} must be a positive integer`);
  return value;
}

function replayCommand(run: Run, steps: number, bug: InjectedBug | undefined): string {
  const env = bug === undefined ? "" : `ELK_SIM_INJECT_BUG=${bug} `;
  return `${env}npm run sim -- --seed ${run.seed} --nodes ${run.nodeCount} --steps ${steps}`;
}

/** Replays `run` with tracing on and prints its last lines. */
async function printTranscript(run: Run, steps: number, bug: InjectedBug | undefined) {
  const lines: string[] = [];
  await runSeed({
    ...run,
    steps,
    ...(bug === undefined ? {} : { injectBug: bug }),
    trace: (line) => lines.push(line),
  });
  console.log(`  last ${TRANSCRIPT_LINES} events of the transcript:`);
  for (const line of lines.slice(-TRANSCRIPT_LINES)) console.log(`    ${line}`);
}

/** Runs `runs` in `jobs` child processes (run i in child i mod jobs); outcomes in run order. */
async function runInChildren(
  runs: readonly Run[],
  steps: number,
  jobs: number,
): Promise<RunOutcome[]> {
  const outcomes: (RunOutcome | undefined)[] = new Array<RunOutcome | undefined>(runs.length);
  const children = Array.from({ length: jobs }, (_, job) => {
    const child = fork(process.argv[1] ?? "test/sim/main.ts", ["--child"], {
      execArgv: process.execArgv,
      stdio: ["inherit", "inherit", "inherit", "ipc"],
    });
    const mine = runs.map((run, i) => ({ run, i })).filter(({ i }) => i % jobs === job);
    return new Promise<void>((resolve, reject) => {
      child.on("message", (message: { i: number; outcome: RunOutcome }) => {
        outcomes[message.i] = message.outcome;
      });
      child.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(`child ${job} exited ${code}`)),
      );
      child.send({ work: mine, steps });
    });
  });
  await Promise.all(children);
  return outcomes.map((o, i) => {
    if (o === undefined) throw new Error(`run ${i} was not reported`);
    return o;
  });
}

/** A child process: runs what the parent sends and reports each outcome. */
function child(): void {
  process.once("message", (message: { work: { run: Run; i: number }[]; steps: number }) => {
    void (async () => {
      const bug = injectedBugFromEnv();
      for (const { run, i } of message.work) {
        const outcome = await runOne(run, message.steps, bug);
        process.send?.({ i, outcome });
      }
      process.disconnect();
    })();
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: "string" },
      seed: { type: "string" },
      nodes: { type: "string" },
      steps: { type: "string" },
      jobs: { type: "string" },
      child: { type: "boolean" },
    },
    strict: true,
  });
  if (values.child === true) return child();
  const count = positiveInteger("seeds", values.seeds);
  const single = positiveInteger("seed", values.seed);
  if ((count === undefined) === (single === undefined)) {
    usage("give exactly one of --seeds and --seed");
  }
  if (values.nodes !== undefined && values.nodes !== "3" && values.nodes !== "5") {
    usage("--nodes is 3 or 5");
  }
  const nodeCounts: (3 | 5)[] =
    values.nodes === undefined ? [3, 5] : [values.nodes === "3" ? 3 : 5];
  const steps = positiveInteger("steps", values.steps) ?? DEFAULT_STEPS;
  const jobs = positiveInteger("jobs", values.jobs) ?? 1;
  let bug: InjectedBug | undefined;
  try {
    bug = injectedBugFromEnv();
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  const seeds =
    single !== undefined ? [single] : Array.from({ length: count ?? 0 }, (_, i) => i + 1);
  const runs = runsOf(seeds, nodeCounts);
  if (single !== undefined) await replay(runs, steps, bug);

  const startedMs = performance.now();
  const outcomes =
    jobs > 1 && runs.length > 1
      ? await runInChildren(runs, steps, jobs)
      : await runSequentially(runs, steps, bug);
  const wallMs = Math.round(performance.now() - startedMs);
  const { summary, coverage } = summarize(outcomes);
  for (const outcome of outcomes.filter((o) => o.failure !== null).slice(0, 5)) {
    console.log(outcome.failure);
    console.log(`  replay: ${replayCommand(outcome, steps, bug)}`);
    if (single === undefined) await printTranscript(outcome, steps, bug);
  }
  console.log(
    `sim: ${seeds.length} seeds × ${nodeCounts.join("+")} nodes, ${steps} fault steps each, ${jobs} job(s), ${wallMs} ms wall`,
  );
  console.log(`coverage ${JSON.stringify(coverage)}`);
  const eventsPerSecond = Math.round((summary.events / Math.max(1, wallMs)) * 1000);
  console.log(JSON.stringify({ ...summary, wallMs, eventsPerSecond }));
  process.exitCode = summary.violations + summary.livenessFailures > 0 ? 1 : 0;
}

async function runSequentially(runs: readonly Run[], steps: number, bug: InjectedBug | undefined) {
  const outcomes: RunOutcome[] = [];
  for (const run of runs) outcomes.push(await runOne(run, steps, bug));
  return outcomes;
}

/** Prints the trace and a summary of each run of one seed (the JSON line follows in main). */
async function replay(runs: readonly Run[], steps: number, bug: InjectedBug | undefined) {
  for (const run of runs) {
    console.log(
      `── seed ${run.seed}, ${run.nodeCount} nodes${bug === undefined ? "" : `, injected bug ${bug}`}`,
    );
    const result = await runSeed({
      ...run,
      steps,
      ...(bug === undefined ? {} : { injectBug: bug }),
      trace: (line) => console.log(line),
    });
    const { scenario, ...rest } = result;
    console.log(`scenario ${JSON.stringify(scenario)}`);
    console.log(`result ${JSON.stringify({ ...rest, violation: rest.violation ?? null })}`);
  }
}

void main();
