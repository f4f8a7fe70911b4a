/**
 * `elk-coordinator workers [--namespace NS] [--status S]`: the registered workers, what they
 * hold and when their leases end.
 */
import { Command, Option } from "commander";
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import { addPagingOptions, pageQuery, withNextPage, type PagingFlags } from "./paging.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";

type WorkerPage = ResponseOf<(typeof ROUTES)["listWorkers"]>;

interface WorkersFlags extends ClientFlags, PagingFlags {
  readonly namespace?: string;
  readonly status?: "active" | "draining" | "expired";
}

/** The `workers` command. */
export function workersCommand(): Command {
  const command = new Command("workers")
    .description("list registered workers")
    .option("--namespace <ns>", "only this namespace")
    .addOption(
      new Option("--status <status>", "only this status").choices([
        "active",
        "draining",
        "expired",
      ]),
    );
  return addClientOptions(addPagingOptions(command)).action(async (flags: WorkersFlags) => {
    const page = await withClient(flags, (client) =>
      client.listWorkers({
        ...(flags.namespace === undefined ? {} : { namespace: flags.namespace }),
        ...(flags.status === undefined ? {} : { status: flags.status }),
        ...pageQuery(flags),
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
