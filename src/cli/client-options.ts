/**
 * What every client command shares: `--endpoints` (or ELK_ENDPOINTS), `--api-token` (or
 * ELK_API_TOKEN), `--ca` (or ELK_CA: the CA that signs a TLS cluster's certificates) and
 * `--json`, and a typed client (src/worker/client.ts) that finds the leader and fails over
 * between the endpoints.
 */
import { readFileSync } from "node:fs";
import { Option, type Command } from "commander";
import { createClient, type CoordinatorClient } from "../worker/client.js";
import { UsageError } from "./exit-codes.js";

/** The endpoints of `elk-coordinator dev` with its defaults. */
export const DEV_ENDPOINTS = "http://127.0.0.1:7101,http://127.0.0.1:7102,http://127.0.0.1:7103";
/** A CLI call gives up retrying (other nodes, a leader election) after this long. */
const CLI_RETRY_DEADLINE_MS = 8_000;

/** The flags {@link addClientOptions} adds. */
export interface ClientFlags {
  readonly endpoints: string;
  readonly apiToken?: string;
  readonly ca?: string;
  readonly json?: true;
}

/** `--ca <file>` (or ELK_CA): verify `https://` endpoints against this CA (PEM). */
export function caOption(): Option {
  return new Option("--ca <file>", "CA (PEM) that signs the nodes' TLS certificates").env("ELK_CA");
}

/**
 * The PEM text of the `--ca` file, or undefined without one.
 * @throws UsageError when it cannot be read
 */
export function readCaFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`--ca: cannot read ${file}: ${(error as Error).message}`);
  }
}

/** Adds `--endpoints`, `--api-token` and `--json` to `command`. */
export function addClientOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--endpoints <urls>", "comma-separated node URLs (any node will do)")
        .env("ELK_ENDPOINTS")
        .default(DEV_ENDPOINTS, "the dev cluster's"),
    )
    .addOption(new Option("--api-token <token>", "sent as Bearer token").env("ELK_API_TOKEN"))
    .addOption(caOption())
    .option("--json", "print JSON for scripts instead of tables");
}

/**
 * `http://host:port` URLs from a comma list; a bare `host:port` gets `http://` (`https://` when
 * `tls`, i.e. a CA was given).
 * @throws UsageError when the list is empty
 */
export function parseEndpoints(text: string, tls = false): string[] {
  const scheme = tls ? "https" : "http";
  const endpoints = text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .map((part) => (/^[a-z]+:\/\//i.test(part) ? part : `${scheme}://${part}`));
  if (endpoints.length === 0) throw new UsageError("--endpoints lists no node");
  return endpoints;
}

/** Runs `use` with a client of the cluster the flags name, and closes it afterwards. */
export async function withClient<T>(
  flags: ClientFlags,
  use: (client: CoordinatorClient) => Promise<T>,
): Promise<T> {
  const ca = readCaFile(flags.ca);
  const client = createClient({
    endpoints: parseEndpoints(flags.endpoints, ca !== undefined),
    ...(flags.apiToken === undefined ? {} : { apiToken: flags.apiToken }),
    ...(ca === undefined ? {} : { ca }),
    retryDeadlineMs: CLI_RETRY_DEADLINE_MS,
  });
  try {
    return await use(client);
  } finally {
    await client.close();
  }
}

/** Prints `value` as one line of JSON with `--json`, else what `human` renders. */
export function emit(flags: ClientFlags, value: unknown, human: () => string): void {
  console.log(flags.json === true ? JSON.stringify(value) : human());
}
