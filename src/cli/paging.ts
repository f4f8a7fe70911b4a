/**
 * The paging options every listing command shares (`--limit`, `--cursor`, DESIGN.md §6 pages)
 * and the hint printed under a page that has more.
 */
import type { Command } from "commander";
import { parseCount } from "./parse.js";

/** The flags {@link addPagingOptions} adds. */
export interface PagingFlags {
  readonly limit?: string;
  readonly cursor?: string;
}

/** Adds `--limit` and `--cursor` to `command`. */
export function addPagingOptions(command: Command): Command {
  return command
    .option("--limit <n>", "rows (default 100)")
    .option("--cursor <cursor>", "continue a listing where the last page ended");
}

/** The `limit` and `cursor` query fields the flags ask for. */
export function pageQuery(flags: PagingFlags): { limit?: number; cursor?: string } {
  return {
    ...(flags.limit === undefined ? {} : { limit: parseCount(flags.limit, "--limit", 1) }),
    ...(flags.cursor === undefined ? {} : { cursor: flags.cursor }),
  };
}

/** `table`, followed by how to get the next page when there is one. */
export function withNextPage(table: string, nextCursor: string | null): string {
  return nextCursor === null ? table : `${table}\nmore: --cursor ${nextCursor}`;
}
