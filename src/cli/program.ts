/**
 * The `elk-coordinator` command line (README "Running a cluster"): `node` and `dev` run
 * coordinators; `plan`,
 * `partitions`, `workers`, `status` and `member` talk to a running cluster. {@link runCli} maps every
 * outcome to an exit code (exit-codes.ts) and prints errors as `error [code]: detail`.
 */
import { Command, CommanderError } from "commander";
import { CoordinatorError } from "../errors.js";
import { certsCommand } from "./certs-command.js";
import { devCommand } from "./dev-command.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from "./exit-codes.js";
import { memberCommand } from "./member-command.js";
import { nodeCommand } from "./node-command.js";
import { partitionsCommand } from "./partitions-command.js";
import { planCommand } from "./plan-command.js";
import { statusCommand } from "./status-command.js";
import { workerCommand } from "./worker-command.js";
import { workersCommand } from "./workers-command.js";

/** The whole command tree; usage errors throw (exitOverride) instead of exiting. */
export function buildProgram(): Command {
  const program = new Command("elk-coordinator")
    .description("A Raft-replicated coordinator that hands partitions of batch work to workers.")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  for (const command of [
    nodeCommand(),
    devCommand(),
    planCommand(),
    partitionsCommand(),
    workersCommand(),
    statusCommand(),
    memberCommand(),
    workerCommand(),
    certsCommand(),
  ]) {
    program.addCommand(command);
  }
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((child) => [child, ...allCommands(child)]);
}

/**
 * Runs the CLI with `argv` (without the executable and script) and resolves with the exit code
 * (commands that keep running — `node`, `dev`, `status --watch` — exit the process themselves).
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT_OK;
  } catch (error) {
    return report(error);
  }
}

/** Prints what went wrong and gives its exit code. */
function report(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander has printed the message already; help and version are not errors.
    const informational = ["commander.helpDisplayed", "commander.help", "commander.version"];
    return informational.includes(error.code) ? EXIT_OK : EXIT_USAGE;
  }
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    return EXIT_USAGE;
  }
  if (error instanceof CoordinatorError) {
    const status = error.details["httpStatus"];
    const http = typeof status === "number" ? ` (HTTP ${status})` : "";
    console.error(`error [${error.code}]${http}: ${error.message}`);
    return EXIT_FAILURE;
  }
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT_FAILURE;
}
