/**
 * `elk-coordinator partitions --plan ID [--status S] [--worker W] [--limit N]`: the partitions
 * of a plan (or of a worker) as a table, or one JSON page.
 */
import { Command, Option } from "commander";
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import { addPagingOptions, pageQuery, withNextPage, type PagingFlags } from "./paging.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";

type PartitionPage = ResponseOf<(typeof ROUTES)["listPartitions"]>;
type PartitionStatus = "pending" | "claimed" | "running" | "completed" | "failed";

interface PartitionsFlags extends ClientFlags, PagingFlags {
  readonly plan?: string;
  readonly status?: PartitionStatus;
  readonly worker?: string;
}

/** The `partitions` command. */
export function partitionsCommand(): Command {
  const command = new Command("partitions")
    .description("list partitions by plan and number")
    .option("--plan <planId>", "only this plan's")
    .addOption(
      new Option("--status <status>", "only this status").choices([
        "pending",
        "claimed",
        "running",
        "completed",
        "failed",
      ]),
    )
    .option("--worker <workerId>", "only those this worker holds, completed or failed");
  return addClientOptions(addPagingOptions(command)).action(async (flags: PartitionsFlags) => {
    const page = await withClient(flags, (client) =>
      client.listPartitions({
        ...(flags.plan === undefined ? {} : { planId: flags.plan }),
        ...(flags.status === undefined ? {} : { status: flags.status }),
        ...(flags.worker === undefined ? {} : { workerId: flags.worker }),
        ...pageQuery(flags),
      }),
    );
    emit(flags, page, () => renderPartitionPage(page, Date.now()));
  });
}

/** The table of `partitions`, lease times relative to `nowMs`. */
export function renderPartitionPage(page: PartitionPage, nowMs: number): string {
  if (page.items.length === 0) return "no partitions";
  const rows = page.items.map((partition) => [
    partition.planId,
    String(partition.partitionId),
    `${partition.minId}..${partition.maxId}`,
    partition.status,
    partition.workerId ?? "-",
    String(partition.fencingToken),
    String(partition.attempts),
    String(partition.processedCount),
    relativeTime(partition.leaseExpiresAtMs, nowMs),
    truncate(partition.lastError ?? "", 40),
  ]);
  const header = ["PLAN", "PARTITION", "IDS", "STATUS", "WORKER", "TOKEN", "ATTEMPTS"];
  const table = renderTable([...header, "PROCESSED", "LEASE ENDS", "LAST ERROR"], rows);
  return withNextPage(table, page.nextCursor);
}
