/**
 * `elk-coordinator dev`: a local cluster of node processes for development. It prints the
 * endpoints and the `export ELK_ENDPOINTS=…` line once the nodes agree on a leader, reports a
 * node that dies, and on Ctrl-C or SIGTERM stops every node (SIGTERM, SIGKILL after a grace)
 * and exits 0; a second Ctrl-C kills them at once. It runs 1, 3 or 5 nodes: an even count
 * tolerates no more failures than the odd count below it (a majority of 4 is 3, so 4 nodes
 * survive one failure, like 3), and more belong on more machines; a dev cluster grows past that,
 * or to an even size on purpose, with `member add` (docs/MEMBERSHIP.md).
 */
import { Command, Option } from "commander";
import { LOG_LEVELS, type LogLevel } from "../server/index.js";
import { startDevCluster, type DevCluster } from "./dev-cluster.js";
import { EXIT_INTERRUPTED, EXIT_OK, UsageError } from "./exit-codes.js";
import { parseCount } from "./parse.js";
import { onStopSignals } from "./signals.js";

/** The cluster sizes `dev` starts (as its help and errors say): odd, each surviving one more failure. */
const DEV_NODE_COUNTS: readonly number[] = [1, 3, 5];

interface DevFlags {
  readonly nodes: string;
  readonly basePort: string;
  readonly dataDir: string;
  readonly fresh?: true;
  readonly logs: "files" | "prefix";
  readonly logLevel: LogLevel;
  readonly apiToken?: string;
}

/** The `dev` command. */
export function devCommand(): Command {
  return new Command("dev")
    .description("start a local cluster of node processes; Ctrl-C stops it")
    .option(
      "--nodes <n>",
      "how many nodes: 1, 3 or 5 (an even count survives no more failures; grow with `member add`)",
      "3",
    )
    .option("--base-port <port>", "node i listens on base-port + i - 1", "7101")
    .option("--data-dir <dir>", "the cluster's directory (node data, logs, secret)", "./.elk-dev")
    .option("--fresh", "delete the cluster's directory first (a dev directory only)")
    .addOption(
      new Option("--logs <where>", "node output: files in the data dir, or prefixed here")
        .choices(["files", "prefix"])
        .default("files"),
    )
    .addOption(
      new Option("--log-level <level>", "the nodes' log level").choices(LOG_LEVELS).default("info"),
    )
    .addOption(new Option("--api-token <token>", "require it on /v1 calls").env("ELK_API_TOKEN"))
    .action(async (flags: DevFlags) => runDev(flags));
}

async function runDev(flags: DevFlags): Promise<void> {
  const nodes = parseNodeCount(flags.nodes);
  const basePort = parseCount(flags.basePort, "--base-port", 1);
  if (basePort + nodes - 1 > 65_535) throw new UsageError("--base-port leaves too few ports");
  console.log(`starting ${nodes} node${nodes === 1 ? "" : "s"}…`);
  const cluster = await startDevCluster({
    nodes,
    basePort,
    dataDir: flags.dataDir,
    fresh: flags.fresh === true,
    logs: flags.logs,
    logLevel: flags.logLevel,
    ...(flags.apiToken === undefined ? {} : { apiToken: flags.apiToken }),
    onUnexpectedExit: (id, exit, logFile) => {
      console.error(
        `node ${id} exited (code ${exit.code}, signal ${exit.signal})` +
          (logFile === null ? "" : `; see ${logFile}`),
      );
    },
  });
  const leader = await cluster.waitForLeader();
  printCluster(cluster, leader.leaderId);
  await stopOnSignals(cluster);
}

/**
 * `--nodes`: one of {@link DEV_NODE_COUNTS}.
 * @throws UsageError otherwise, saying why even counts are refused
 */
function parseNodeCount(text: string): number {
  const nodes = parseCount(text, "--nodes", 1);
  if (!DEV_NODE_COUNTS.includes(nodes)) {
    throw new UsageError(
      `--nodes must be 1, 3 or 5, got ${nodes}: ` +
        (nodes % 2 === 0
          ? `${nodes} nodes survive no more failures than ${nodes - 1} (a majority of ${nodes} is ${nodes / 2 + 1})`
          : "more nodes on one machine only cost CPU: the machine is the failure they all share") +
        "; grow a running cluster with `member add` instead",
    );
  }
  return nodes;
}

function printCluster(cluster: DevCluster, leaderId: string): void {
  console.log(`cluster ready in ${cluster.dataDir} (leader ${leaderId})`);
  for (const node of cluster.nodes) {
    const log = node.logFile === null ? "" : `  log ${node.logFile}`;
    console.log(`  ${node.id}  ${node.url}  pid ${node.pid ?? "-"}${log}`);
  }
  console.log("");
  console.log(cluster.exportLine);
  console.log("");
  console.log("Ctrl-C stops the cluster.");
}

/** Resolves never: exits the process once the cluster has stopped after a signal. */
function stopOnSignals(cluster: DevCluster): Promise<void> {
  onStopSignals({
    stop: () => {
      console.log("stopping the nodes… (Ctrl-C again to kill them)");
      void cluster.stop().then(() => {
        console.log("stopped");
        process.exit(EXIT_OK);
      });
    },
    stopNow: () => {
      console.error("killing the nodes");
      void Promise.all(cluster.nodes.map((node) => cluster.kill(node.id, "SIGKILL"))).then(() =>
        process.exit(EXIT_INTERRUPTED),
      );
    },
  });
  return new Promise(() => undefined);
}
