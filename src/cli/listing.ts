/**
 * What every listing command shares (DESIGN.md §6 pages): `--status` limited to the values the
 * protocol allows, `--limit`, `--cursor`, the query fields they make, and the hint printed under
 * a page that has more.
 */
import { Option, type Command } from "commander";
import { parseCount } from "./parse.js";

/** The flags {@link addListingOptions} adds (`S`: the statuses of the listed entity). */
export interface ListingFlags<S extends string> {
  readonly status?: S;
  readonly limit?: string;
  readonly cursor?: string;
}

/** Adds `--status` (one of `statuses`), `--limit` and `--cursor` to `command`. */
export function addListingOptions(command: Command, statuses: readonly string[]): Command {
  return command
    .addOption(new Option("--status <status>", "only this status").choices(statuses))
    .option("--limit <n>", "rows (default 100)")
    .option("--cursor <cursor>", "continue a listing where the last page ended");
}

/** The `status`, `limit` and `cursor` query fields the flags ask for. */
export function listingQuery<S extends string>(
  flags: ListingFlags<S>,
): { status?: S; limit?: number; cursor?: string } {
  return definedFields({
    status: flags.status,
    limit: flags.limit === undefined ? undefined : parseCount(flags.limit, "--limit", 1),
    cursor: flags.cursor,
  });
}

/** `table`, followed by how to get the next page when there is one. */
export function withNextPage(table: string, nextCursor: string | null): string {
  return nextCursor === null ? table : `${table}\nmore: --cursor ${nextCursor}`;
}

/** `fields` without the keys whose value is undefined (optional request fields left out). */
export function definedFields<T extends object>(
  fields: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
