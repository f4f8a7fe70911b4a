/**
 * `elk-coordinator partitions --plan ID [--status S] [--worker W] [--limit N]`: the partitions
 * of a plan (or of a worker) as a table, or one JSON page.
 */
import { Command } from "commander";
import { PartitionStatusSchema, type ResponseOf, type ROUTES } from "../protocol/index.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import { relativeTime, renderTable, truncate } from "./format.js";
import {
  addListingOptions,
  definedFields,
  listingQuery,
  withNextPage,
  type ListingFlags,
} from "./listing.js";

type PartitionPage = ResponseOf<(typeof ROUTES)["listPartitions"]>;

interface PartitionsFlags
  extends ClientFlags, ListingFlags<PartitionPage["items"][number]["status"]> {
  readonly plan?: string;
  readonly worker?: string;
}

/** The `partitions` command. */
export function partitionsCommand(): Command {
  const command = new Command("partitions")
    .description("list partitions by plan and number")
    .option("--plan <planId>", "only this plan's")
    .option("--worker <workerId>", "only those this worker holds, completed or failed");
  addListingOptions(command, PartitionStatusSchema.enum);
  return addClientOptions(command).action(async (flags: PartitionsFlags) => {
    const page = await withClient(flags, (client) =>
      client.listPartitions({
        ...definedFields({ planId: flags.plan, workerId: flags.worker }),
        ...listingQuery(flags),
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
