/**
 * `npm run chaos -- --seed S --duration 60 [--nodes 5] [--workers 4]`: one chaos run (README
 * "Chaos") with a human summary and, as the last line, the JSON verdict. Exit 0 when every property
 * held, 1 when one was violated (the summary names it, the seed and the artifacts directory), 2 for
 * a wrong option, 130 when interrupted. Ctrl-C (or the run's own watchdog) aborts the run and every
 * process it started is killed by PID before exiting.
 */
import { randomInt } from "node:crypto";
import { Command, InvalidArgumentError, Option } from "commander";
import { fencingBroken } from "./broken-switch.js";
import { FAULT_WEIGHTS, type FaultKind } from "./nemesis-plan.js";
import { runChaos } from "./run.js";

/** The whole run, faults plus healing and checking, must end within its duration plus this. */
const WATCHDOG_EXTRA_MS = 6 * 60_000;

function integer(min: number, max: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`an integer in ${min}..${max}`);
    }
    return value;
  };
}

const KINDS = FAULT_WEIGHTS.map(([kind]) => kind);

function faultKinds(text: string): FaultKind[] {
  const kinds = text.split(",").map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !(KINDS as string[]).includes(kind));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown faults: ${unknown.join(", ")}`);
  return kinds as FaultKind[];
}

interface Flags {
  readonly seed?: number;
  readonly duration: number;
  readonly nodes: number;
  readonly workers: number;
  readonly artifacts: string;
  readonly keepArtifacts?: boolean;
  readonly faults?: FaultKind[];
}

const program = new Command("chaos")
  .description("real-process chaos run: nemeses, a workload, and a checker that ends in a verdict")
  .option("--seed <n>", "the seed (default: random, printed)", integer(0, 2 ** 31 - 1))
  .option("--duration <s>", "seconds of faults and workload", integer(5, 24 * 3600), 60)
  .addOption(
    new Option("--nodes <n>", "coordinator nodes").choices(["3", "5"]).default(3).argParser(Number),
  )
  .option("--workers <n>", "worker processes", integer(1, 16), 3)
  .option("--artifacts <dir>", "where run directories go", "artifacts/chaos")
  .option("--keep-artifacts", "keep the run directory when the run passed")
  .option(
    "--faults <kinds>",
    `only these faults, comma-separated (${KINDS.join(", ")})`,
    faultKinds,
  )
  .action(async (flags: Flags) => {
    const seed = flags.seed ?? randomInt(2 ** 31);
    const controller = new AbortController();
    const interrupt = () => controller.abort();
    process.once("SIGINT", interrupt);
    process.once("SIGTERM", interrupt);
    const watchdog = setTimeout(interrupt, flags.duration * 1_000 + WATCHDOG_EXTRA_MS);
    try {
      const outcome = await runChaos(
        {
          seed,
          durationSeconds: flags.duration,
          nodes: flags.nodes,
          workers: flags.workers,
          artifactsRoot: flags.artifacts,
          breakFencing: fencingBroken(),
          keepArtifacts: flags.keepArtifacts === true,
          ...(flags.faults === undefined ? {} : { faultKinds: flags.faults }),
          log: (line) => console.log(line),
        },
        controller.signal,
      );
      for (const line of outcome.lines) console.log(line);
      process.exitCode = outcome.verdict.ok ? 0 : 1;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.error(`chaos run (seed ${seed}) could not finish: ${message}`);
      console.log(JSON.stringify({ ok: false, seed, error: message }));
      process.exitCode = controller.signal.aborted ? 130 : 1;
    } finally {
      clearTimeout(watchdog);
    }
  });

program.exitOverride((error) => {
  process.exit(error.exitCode === 0 ? 0 : 2);
});
await program.parseAsync(process.argv);
