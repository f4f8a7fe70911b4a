/**
 * `elk-coordinator partitions --plan ID [--status S] [--worker W] [--limit N]`: the partitions
 * of a plan (or of a worker) as a table, or one JSON page.
 */
import type { Command } from "commander";
import { PartitionStatusSchema, type ResponseOf, type ROUTES } from "../protocol/index.js";
import type { ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";
import { definedFields, listingCommand, withNextPage, type ListingFlags } from "./listing.js";

type PartitionPage = ResponseOf<(typeof ROUTES)["listPartitions"]>;

interface PartitionsFlags
  extends ClientFlags, ListingFlags<PartitionPage["items"][number]["status"]> {
  readonly plan?: string;
  readonly worker?: string;
}

/** The `partitions` command. */
export function partitionsCommand(): Command {
  return listingCommand({
    name: "partitions",
    description: "list partitions by plan and number",
    statuses: PartitionStatusSchema.enum,
    configure: (command) =>
      command
        .option("--plan <planId>", "only this plan's")
        .option("--worker <workerId>", "only those this worker holds, completed or failed"),
    fetch: (client, flags: PartitionsFlags, paging) =>
      client.listPartitions({
        ...definedFields({ planId: flags.plan, workerId: flags.worker }),
        ...paging,
      }),
    render: (page) => renderPartitionPage(page, Date.now()),
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
