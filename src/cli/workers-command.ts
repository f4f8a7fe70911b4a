/**
 * `elk-coordinator workers [--namespace NS] [--status S]`: the registered workers, what they
 * hold and when their leases end.
 */
import { Command } from "commander";
import { WorkerStatusSchema, type ResponseOf, type ROUTES } from "../protocol/index.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";
import {
  addListingOptions,
  definedFields,
  listingQuery,
  withNextPage,
  type ListingFlags,
} from "./listing.js";

type WorkerPage = ResponseOf<(typeof ROUTES)["listWorkers"]>;

interface WorkersFlags extends ClientFlags, ListingFlags<WorkerPage["items"][number]["status"]> {
  readonly namespace?: string;
}

/** The `workers` command. */
export function workersCommand(): Command {
  const command = new Command("workers")
    .description("list registered workers")
    .option("--namespace <ns>", "only this namespace");
  addListingOptions(command, WorkerStatusSchema.enum);
  return addClientOptions(command).action(async (flags: WorkersFlags) => {
    const page = await withClient(flags, (client) =>
      client.listWorkers({
        ...definedFields({ namespace: flags.namespace }),
        ...listingQuery(flags),
      }),
    );
    emit(flags, page, () => renderWorkerPage(page, Date.now()));
  });
}

/** The table of `workers`, lease times relative to `nowMs`. */
export function renderWorkerPage(page: WorkerPage, nowMs: number): string {
  if (page.items.length === 0) return "no workers";
  const rows = page.items.map((worker) => [
    worker.workerId,
    worker.namespace,
    worker.status,
    `${worker.held.length}/${worker.windowSize}`,
    relativeTime(worker.leaseExpiresAtMs, nowMs),
    truncate(
      Object.entries(worker.meta)
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(" "),
      40,
    ),
  ]);
  const table = renderTable(["WORKER", "NAMESPACE", "STATUS", "HELD", "LEASE ENDS", "META"], rows);
  return withNextPage(table, page.nextCursor);
}
