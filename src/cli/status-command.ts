/**
 * `elk-coordinator status [--watch]`: the cluster as every node sees it. It asks EVERY endpoint
 * for its own Raft status (not only the leader), so a node that is partitioned away, behind or
 * down shows up as such: node, role, term, the leader it knows, commit and applied indexes, lag
 * (the highest commit index any node reports minus this node's applied index) and snapshot
 * index, and the configuration index it holds; below the table, the membership (voters,
 * learners, a change in flight) as the node holding the latest configuration knows it. `--watch`
 * redraws every second until Ctrl-C.
 */
import { Command } from "commander";
import { CoordinatorError } from "../errors.js";
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import type { CoordinatorClient } from "../worker/client.js";
import {
  addClientOptions,
  parseEndpoints,
  withClient,
  type ClientFlags,
} from "./client-options.js";
import { EXIT_FAILURE, EXIT_OK } from "./exit-codes.js";
import { renderTable } from "./format.js";

type RaftStatus = ResponseOf<(typeof ROUTES)["raftStatus"]>;

/** What one endpoint said: its status, or why it did not answer. */
export type NodeReport =
  | { readonly endpoint: string; readonly status: RaftStatus }
  | {
      readonly endpoint: string;
      readonly error: { readonly code: string; readonly message: string };
    };

/** How often `--watch` redraws. */
const WATCH_INTERVAL_MS = 1_000;
/** One endpoint gets this long to answer. */
const STATUS_TIMEOUT_MS = 2_000;

interface StatusFlags extends ClientFlags {
  readonly watch?: true;
}

/** The `status` command. */
export function statusCommand(): Command {
  const command = new Command("status")
    .description(
      "every node's Raft status: role, term, leader, commit/applied, lag; voters and learners",
    )
    .option("--watch", "redraw every second until Ctrl-C");
  return addClientOptions(command).action(async (flags: StatusFlags) => {
    const endpoints = parseEndpoints(flags.endpoints);
    await withClient(flags, async (client) => {
      if (flags.watch === true) return watch(client, endpoints, flags);
      const reports = await collect(client, endpoints);
      print(reports, flags);
      if (reports.every((report) => "error" in report)) process.exitCode = EXIT_FAILURE;
    });
  });
}

/** Every endpoint's own status, asked in parallel, in the order given. */
export async function collect(
  client: CoordinatorClient,
  endpoints: readonly string[],
): Promise<NodeReport[]> {
  return Promise.all(
    endpoints.map(async (endpoint): Promise<NodeReport> => {
      try {
        const status = await client.raftStatus(
          {},
          { endpoint, retryDeadlineMs: 0, signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) },
        );
        return { endpoint, status };
      } catch (error) {
        const code = error instanceof CoordinatorError ? error.code : "unreachable";
        const message = error instanceof Error ? error.message : String(error);
        return { endpoint, error: { code, message } };
      }
    }),
  );
}

/** The table of `status`. */
export function renderStatus(reports: readonly NodeReport[]): string {
  const commitMax = Math.max(
    0,
    ...reports.map((report) => ("status" in report ? report.status.commitIndex : 0)),
  );
  const rows = reports.map((report) => {
    if ("error" in report) {
      return [report.endpoint, "-", report.error.code, "-", "-", "-", "-", "-", "-", "-"];
    }
    const { status } = report;
    return [
      report.endpoint,
      status.nodeId,
      status.role,
      String(status.term),
      status.leaderId ?? "-",
      String(status.commitIndex),
      String(status.lastApplied),
      String(commitMax - status.lastApplied),
      String(status.snapshotIndex),
      String(status.membership.configIndex),
    ];
  });
  const header = ["ENDPOINT", "NODE", "ROLE", "TERM", "LEADER", "COMMIT", "APPLIED", "LAG"];
  const table = renderTable([...header, "SNAPSHOT", "CONFIG"], rows);
  const membership = renderMembership(reports);
  return membership === null ? table : `${table}\n\n${membership}`;
}

/**
 * The membership as the node with the latest configuration (highest config index; the leader
 * on a tie) knows it, or null when no node answered.
 */
export function renderMembership(reports: readonly NodeReport[]): string | null {
  let latest: RaftStatus | null = null;
  for (const report of reports) {
    if (!("status" in report)) continue;
    const { status } = report;
    const index = status.membership.configIndex;
    const best = latest?.membership.configIndex ?? -1;
    if (index > best || (index === best && status.role === "Leader")) latest = status;
  }
  if (latest === null) return null;
  const { voters, learners, configIndex, changeInFlight } = latest.membership;
  const list = (ids: readonly string[]) => (ids.length === 0 ? "none" : ids.join(" "));
  return [
    `voters    ${list(voters)}`,
    `learners  ${list(learners)}`,
    `config index ${configIndex} (as ${latest.nodeId} holds it)` +
      (changeInFlight ? ", a change is in flight (not yet committed)" : ", no change in flight"),
  ].join("\n");
}

function print(reports: readonly NodeReport[], flags: StatusFlags): void {
  console.log(flags.json === true ? JSON.stringify(reports) : renderStatus(reports));
}

/** Redraws every WATCH_INTERVAL_MS (one JSON line per round with --json) until SIGINT/SIGTERM. */
async function watch(
  client: CoordinatorClient,
  endpoints: readonly string[],
  flags: StatusFlags,
): Promise<void> {
  let stopped = false;
  let wake = () => undefined as void;
  const stop = () => {
    stopped = true;
    wake();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  while (!stopped) {
    const reports = await collect(client, endpoints);
    if (flags.json !== true) process.stdout.write("\x1b[2J\x1b[H");
    print(reports, flags);
    if (flags.json !== true) console.log(`\n${new Date().toISOString()}  (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, WATCH_INTERVAL_MS);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
      if (stopped) wake();
    });
  }
  process.exitCode = EXIT_OK;
}
