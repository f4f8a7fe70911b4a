/**
 * Loading the user's processor for `elk-coordinator worker --processor <module>` and for the
 * embedded worker of `elk-coordinator node --processor <module>`: an ES module (a `.js` file, or
 * `.ts` when run under tsx) that exports `processor` — an object with `process(task)` — or has
 * one as its default export, and optionally exports `planner` (`partitionSize()` and
 * `nextMaxId()`). The path is relative to the current directory.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { PartitionPlanner, Processor } from "../worker/processor.js";
import { UsageError } from "./exit-codes.js";

/** What a processor module provides. */
export interface ProcessorModule {
  readonly processor: Processor;
  readonly planner?: PartitionPlanner;
}

/**
 * Imports `modulePath` and finds its processor (and planner).
 * @throws UsageError when it cannot be imported or exports no processor / a malformed planner
 */
export async function loadProcessorModule(modulePath: string): Promise<ProcessorModule> {
  const absolute = path.resolve(modulePath);
  let exported: Record<string, unknown>;
  try {
    exported = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot load the processor module ${absolute}: ${reason}`);
  }
  const processor = exported["processor"] ?? exported["default"];
  if (!hasMethods<Processor>(processor, ["process"])) {
    throw new UsageError(
      `${absolute} must export \`processor\` (or a default export) with a process(task) method`,
    );
  }
  const planner = exported["planner"];
  if (planner === undefined) return { processor };
  if (!hasMethods<PartitionPlanner>(planner, ["partitionSize", "nextMaxId"])) {
    throw new UsageError(
      `${absolute} exports a \`planner\` without partitionSize() and nextMaxId()`,
    );
  }
  return { processor, planner };
}

function hasMethods<T>(value: unknown, names: readonly string[]): value is T {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return names.every((name) => typeof record[name] === "function");
}
