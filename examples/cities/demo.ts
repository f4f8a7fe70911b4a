/**
 * `npm run demo [-- --rows N] [--chaos] [--workers 3] [--keep]`: the main job (demo-run.ts
 * says what it does). Prints the console's URL (`/ui` of a node), a live status line, a summary,
 * and as its LAST line one
 * JSON object `{"ok":…,"rows":…,"partitions":…,"seconds":…,"rowsPerSec":…,"leaderChanges":…,
 * "duplicates":…,"gaps":…}`. Exits 0 when every check passed, 1 when one failed, 2 for a wrong
 * flag, 130 when interrupted (Ctrl-C stops every child first; a second Ctrl-C exits at once —
 * the children then stop on their own, they watch their parent).
 */
import { Command, InvalidArgumentError } from "commander";
import { onStopSignals } from "../../src/cli/signals.js";
import { NativeModuleError } from "../../src/storage/native-module.js";
import type { DemoStatus, DemoSummary } from "./demo-run.js";
import { DemoInterrupted, removeDemoDirectory, runDemo } from "./demo-run.js";

interface DemoFlags {
  readonly rows?: number;
  readonly chaos?: true;
  readonly workers: number;
  readonly keep?: true;
  readonly partitionSize?: number;
  readonly window: number;
  readonly dataDir: string;
  readonly timeoutS: number;
}

function positive(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError("expected a whole number ≥ 1");
  }
  return value;
}

function parseFlags(argv: readonly string[]): DemoFlags {
  return new Command("demo")
    .description("three nodes, three workers, the world's cities into SQLite, exactly once")
    .option("--rows <n>", "process only the first n cities (default all 135,233)", positive)
    .option("--chaos", "SIGKILL the leader node and a worker a third of the way through")
    .option("--workers <n>", "worker processes", positive, 3)
    .option(
      "--keep",
      "keep the cluster up after the run (look at the console; Ctrl-C stops it) and keep the data directory",
    )
    .option("--partition-size <n>", "ids per partition (default rows / 1000)", positive)
    .option("--window <n>", "partitions each worker processes at once", positive, 4)
    .option("--data-dir <dir>", "the demo's directory, recreated at start", ".elk-demo")
    .option("--timeout-s <s>", "give up after this many seconds", positive, 600)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2))
    .parse([...argv], { from: "user" })
    .opts<DemoFlags>();
}

/** The one updating status line (a line every few seconds when not on a terminal). */
function statusPrinter(): (status: DemoStatus) => void {
  let lastPrintedMs = 0;
  return (status) => {
    const line =
      `partitions ${status.completed}/${status.partitions} · ` +
      `${status.processedRows.toLocaleString("en")} rows · ` +
      `${status.rowsPerSec.toLocaleString("en")} rows/s · leader ${status.leaderId ?? "—"}`;
    if (process.stdout.isTTY) {
      process.stdout.write(`\r\x1b[2K${line}`);
    } else if (Date.now() - lastPrintedMs >= 3_000 || status.completed === status.partitions) {
      lastPrintedMs = Date.now();
      console.log(line);
    }
  };
}

function printSummary(summary: DemoSummary, flags: DemoFlags): void {
  if (process.stdout.isTTY) process.stdout.write("\n");
  const { data, plan } = summary;
  console.log("");
  console.log(
    `rows         ${summary.rows} (processed once: ${data.rows - data.unprocessed - data.duplicates})`,
  );
  console.log(`partitions   ${plan.completed}/${plan.partitions} completed, ${plan.failed} failed`);
  console.log(`time         ${summary.seconds} s, ${summary.rowsPerSec} rows/s`);
  console.log(`leader       ${summary.leaderChanges} change(s) seen`);
  for (const event of summary.chaosEvents) console.log(`chaos        ${event}`);
  console.log(
    `fence        ${data.refusedRows} stale row writes refused; ${data.writers} workers wrote`,
  );
  console.log(
    `checks       duplicates ${summary.duplicates}, gaps ${summary.gaps}, wrong values ` +
      `${data.wrongValues}, geohash outside its cell ${data.outsideCell}`,
  );
  for (const problem of summary.problems) console.log(`PROBLEM      ${problem}`);
  console.log(summary.ok ? "verdict      every row processed exactly once" : "verdict      FAILED");
  if (flags.keep === true || !summary.ok) console.log(`kept         ${flags.dataDir}`);
}

/** `--keep`: prints the summary, then keeps the cluster up until Ctrl-C. */
function holdUntilInterrupted(
  flags: DemoFlags,
  signal: AbortSignal,
): (summary: DemoSummary, consoleUrl: string) => Promise<void> {
  return async (summary, consoleUrl) => {
    printSummary(summary, flags);
    console.log(`console      ${consoleUrl} — the cluster stays up; Ctrl-C stops it`);
    if (signal.aborted) return;
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const interrupt = new AbortController();
  // A Ctrl-C relayed twice (by the terminal and by npm/tsx) counts once (src/cli/signals.ts).
  onStopSignals({
    stop: () => {
      console.error(
        "\ninterrupted: stopping the workers and the cluster… (Ctrl-C again: quit now)",
      );
      interrupt.abort();
    },
    stopNow: () => process.exit(EXIT_INTERRUPTED),
  });
  const summary = await runDemo({
    ...(flags.rows === undefined ? {} : { rows: flags.rows }),
    ...(flags.partitionSize === undefined ? {} : { partitionSize: flags.partitionSize }),
    chaos: flags.chaos === true,
    workers: flags.workers,
    windowSize: flags.window,
    dataDir: flags.dataDir,
    timeoutMs: flags.timeoutS * 1_000,
    signal: interrupt.signal,
    log: (line) => console.log(process.stdout.isTTY ? `\r\x1b[2K${line}` : line),
    onStatus: statusPrinter(),
    ...(flags.keep === true ? { hold: holdUntilInterrupted(flags, interrupt.signal) } : {}),
  });
  if (flags.keep !== true) printSummary(summary, flags);
  if (flags.keep !== true && summary.ok) await removeDemoDirectory(flags.dataDir);
  const { ok, rows, partitions, seconds, rowsPerSec, leaderChanges, duplicates, gaps } = summary;
  console.log(
    JSON.stringify({ ok, rows, partitions, seconds, rowsPerSec, leaderChanges, duplicates, gaps }),
  );
  return ok ? 0 : 1;
}

/** Ctrl-C (the shell's convention: 128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof DemoInterrupted) {
      console.log(JSON.stringify({ ok: false, error: "interrupted" }));
      process.exit(EXIT_INTERRUPTED);
    }
    // An addon built for another Node.js: its message is the fix, a stack trace would hide it.
    const text =
      error instanceof NativeModuleError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    console.error(`demo failed: ${text}`);
    // The verdict line is still the last line; nothing was verified, so no figures are claimed.
    console.log(JSON.stringify({ ok: false, error: String(error) }));
    process.exit(1);
  },
);
