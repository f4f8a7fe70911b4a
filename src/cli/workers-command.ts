/**
 * `elk-coordinator workers [--namespace NS] [--status S]`: the registered workers, what they
 * hold and when their leases end.
 */
import type { Command } from "commander";
import { WorkerStatusSchema, type ResponseOf, type ROUTES } from "../protocol/index.js";
import type { ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";
import { definedFields, listingCommand, withNextPage, type ListingFlags } from "./listing.js";

type WorkerPage = ResponseOf<(typeof ROUTES)["listWorkers"]>;

interface WorkersFlags extends ClientFlags, ListingFlags<WorkerPage["items"][number]["status"]> {
  readonly namespace?: string;
}

/** The `workers` command. */
export function workersCommand(): Command {
  return listingCommand({
    name: "workers",
    description: "list registered workers",
    statuses: WorkerStatusSchema.enum,
    configure: (command) => command.option("--namespace <ns>", "only this namespace"),
    fetch: (client, flags: WorkersFlags, paging) =>
      client.listWorkers({ ...definedFields({ namespace: flags.namespace }), ...paging }),
    render: (page) => renderWorkerPage(page, Date.now()),
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
