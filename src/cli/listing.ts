/**
 * What every listing command shares (docs/API.md pages): `--status` limited to the values the
 * protocol allows, `--limit`, `--cursor`, the query fields they make, and the hint printed under
 * a page that has more.
 */
import { Command, Option } from "commander";
import type { CoordinatorClient } from "../worker/client.js";
import { addClientOptions, emit, withClient, type ClientFlags } from "./client-options.js";
import { parseCount } from "./parse.js";

/** The flags {@link addListingOptions} adds (`S`: the statuses of the listed entity). */
export interface ListingFlags<S extends string> {
  readonly status?: S;
  readonly limit?: string;
  readonly cursor?: string;
}

/**
 * How one listing command differs from the others: its name, its own filter options (added by
 * `configure`), the statuses `--status` accepts, the call that fetches a page (given the paging
 * fields the flags make), and the table that shows it.
 */
export interface ListingSpec<F extends ClientFlags & ListingFlags<string>, P> {
  readonly name: string;
  readonly description: string;
  readonly statuses: readonly string[];
  readonly configure: (command: Command) => Command;
  readonly fetch: (client: CoordinatorClient, flags: F, paging: PagingQuery<F>) => Promise<P>;
  readonly render: (page: P) => string;
}

/** The `status`, `limit` and `cursor` fields of a listing request. */
export type PagingQuery<F> =
  F extends ListingFlags<infer S> ? { status?: S; limit?: number; cursor?: string } : never;

/** A listing command: fetches one page and prints it as a table, or as JSON with `--json`. */
export function listingCommand<F extends ClientFlags & ListingFlags<string>, P>(
  spec: ListingSpec<F, P>,
): Command {
  const command = spec.configure(new Command(spec.name).description(spec.description));
  addListingOptions(command, spec.statuses);
  return addClientOptions(command).action(async (flags: F) => {
    const paging = listingQuery(flags) as PagingQuery<F>;
    const page = await withClient(flags, (client) => spec.fetch(client, flags, paging));
    emit(flags, page, () => spec.render(page));
  });
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
