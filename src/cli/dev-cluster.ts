/**
 * A local coordinator cluster of real node processes on one machine (`elk-coordinator dev`, and
 * the machinery the demo, the benchmarks, the integration tests and the chaos harness reuse).
 *
 * Each node is a child process running this CLI's `node` command (same Node executable, same
 * Node flags, the CLI script next to this module, so it works compiled and under tsx), with
 * its own data directory `<dataDir>/<id>` and port `basePort + i`. A cluster secret is generated
 * once and kept in `<dataDir>/cluster-secret` (mode 0600), handed to the nodes through their
 * environment, never on a command line. {@link startDevCluster} resolves once the nodes agree
 * on a leader; nodes can then be killed, restarted and stopped one by one.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CoordinatorError } from "../errors.js";
import type { LogLevel, NodeTimings } from "../server/index.js";
import { flagOf } from "../server/index.js";
import { createClient, type CoordinatorClient } from "../worker/client.js";
import { ChildProcessNode, type ChildExit } from "./child-process-node.js";
import { checkBasePort, choosePorts, hostPort } from "./dev-ports.js";

/** The file in the cluster's data directory that holds its secret. */
export const CLUSTER_SECRET_FILE = "cluster-secret";

/** How to start a dev cluster; everything has a default. */
export interface DevClusterOptions {
  /** Nodes n1..nN (default 3). */
  readonly nodes?: number;
  /** Node i listens on basePort + i − 1 (default 7101); 0 picks free ports. */
  readonly basePort?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** The cluster's directory (default `./.elk-dev`); node data in `<dataDir>/<id>`. */
  readonly dataDir?: string;
  /** Delete the cluster's directory first (only one this module created). */
  readonly fresh?: boolean;
  /** Require this API token on `/v1` calls. */
  readonly apiToken?: string;
  /** Timing flags for every node (default: the node's defaults). */
  readonly timings?: Partial<NodeTimings>;
  /** Default "info". */
  readonly logLevel?: LogLevel;
  /** "files" (default): `<dataDir>/<id>.log`; "prefix": echoed to stdout as `[id] line`. */
  readonly logs?: "files" | "prefix";
  /** Bound on the wait for a leader, and for a restarted node to answer (default 20 s). */
  readonly readyTimeoutMs?: number;
  /** After SIGTERM, a node gets this long before SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
  /** Extra Node flags for the nodes (e.g. `--cpu-prof`). */
  readonly nodeFlags?: readonly string[];
  /** Extra arguments for one node's `node` command. */
  readonly nodeArgs?: (id: string) => readonly string[];
  /** A node ended without being asked to (it crashed, or was killed from outside). */
  readonly onUnexpectedExit?: (id: string, exit: ChildExit, logFile: string | null) => void;
}

/** One node of a dev cluster. */
export interface DevNode {
  readonly id: string;
  /** Its HTTP base URL (`http://127.0.0.1:7101`). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Where its output goes, or null when echoed. */
  readonly logFile: string | null;
  /** Its process id while it runs, else null. */
  readonly pid: number | null;
}

/** The leader the nodes agree on. */
export interface LeaderView {
  readonly leaderId: string;
  readonly url: string;
  readonly term: number;
}

/** A running dev cluster. */
export interface DevCluster {
  /** Every node's URL, in id order. */
  readonly endpoints: readonly string[];
  readonly dataDir: string;
  readonly clusterSecret: string;
  /** The nodes as they are now. */
  readonly nodes: readonly DevNode[];
  node(id: string): DevNode;
  /** `export ELK_ENDPOINTS=…` for a shell. */
  readonly exportLine: string;
  /**
   * Waits until a node leads and every running node names it as leader.
   * @throws Error after `timeoutMs` (default readyTimeoutMs), or when a node exits meanwhile
   */
  waitForLeader(timeoutMs?: number): Promise<LeaderView>;
  /** Sends `signal` (default SIGKILL) to node `id` and resolves once it has exited. */
  kill(id: string, signal?: NodeJS.Signals): Promise<ChildExit>;
  /** Starts a stopped node again with the same arguments; resolves once it answers /healthz. */
  restart(id: string): Promise<void>;
  /**
   * Starts a NEW node `id` that joins the running cluster (`--join` at the running nodes'
   * URLs, a free port, an empty data directory) and resolves once it answers /healthz. It
   * serves nothing until it is added (`member add`, docs/RUNBOOKS.md).
   * @throws CoordinatorError "invalid_request" when `id` is taken
   */
  join(id: string): Promise<DevNode>;
  /**
   * SIGTERM to every node, SIGKILL after stopGraceMs; resolves when all have exited, with how
   * each node that was running ended (a graceful stop is code 0).
   */
  stop(): Promise<ReadonlyMap<string, ChildExit>>;
}

interface Member {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly dataDir: string;
  readonly logFile: string | null;
  readonly process: ChildProcessNode;
}

/**
 * Starts a cluster of `options.nodes` node processes and waits until they agree on a leader.
 * On failure every started process is stopped before the error is thrown.
 * @throws Error when a node exits during start (with the end of its output), no leader is agreed
 *   within readyTimeoutMs, or `fresh` is asked for a directory this module did not create
 */
export async function startDevCluster(options: DevClusterOptions = {}): Promise<DevCluster> {
  const count = options.nodes ?? 3;
  if (!Number.isSafeInteger(count) || count < 1) {
    throw new CoordinatorError(
      "invalid_request",
      `a cluster needs at least one node, not ${count}`,
    );
  }
  const host = options.host ?? "127.0.0.1";
  const basePort = options.basePort ?? 7101;
  checkBasePort(basePort, count);
  const dataDir = path.resolve(options.dataDir ?? ".elk-dev");
  if (options.fresh === true) await removeDevDirectory(dataDir);
  await mkdir(dataDir, { recursive: true });
  const clusterSecret = await loadOrCreateSecret(dataDir);
  const ports = await choosePorts(count, basePort, host);
  const ids = ports.map((_port, i) => `n${i + 1}`);
  const peers = ids.map((id, i) => `${id}=${hostPort(host, ports[i] ?? 0)}`).join(",");
  const members = ids.map((id, i) =>
    createMember(options, { id, port: ports[i] ?? 0, host, dataDir, peers, clusterSecret }),
  );
  const setup = { host, dataDir, peers, clusterSecret };
  const cluster = new LocalCluster(members, setup, options);
  try {
    for (const member of members) await mkdir(member.dataDir, { recursive: true });
    for (const member of members) member.process.start();
    await cluster.waitForLeader();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** What every member of one dev cluster shares. */
interface ClusterSetup {
  readonly host: string;
  readonly dataDir: string;
  /** The first voters, `id=host:port,…` (every member's --peers). */
  readonly peers: string;
  readonly clusterSecret: string;
}

interface MemberSetup extends ClusterSetup {
  readonly id: string;
  readonly port: number;
  /** The URLs a joining member asks for the membership (`--join`). */
  readonly join?: readonly string[];
}

function createMember(options: DevClusterOptions, setup: MemberSetup): Member {
  const { id, port, host } = setup;
  const dataDir = path.join(setup.dataDir, id);
  const logFile = (options.logs ?? "files") === "files" ? `${dataDir}.log` : null;
  const { execPath, args } = cliInvocation(options.nodeFlags ?? []);
  const timingFlags = Object.entries(options.timings ?? {}).flatMap(([key, value]) =>
    value === undefined ? [] : [flagOf(key), String(value)],
  );
  // The nodes' settings come from the options alone, never from ELK_* variables around us.
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("ELK_")),
  );
  env.ELK_CLUSTER_SECRET = setup.clusterSecret;
  if (options.apiToken !== undefined) env.ELK_API_TOKEN = options.apiToken;
  const nodeProcess = new ChildProcessNode({
    id,
    execPath,
    args: [
      ...args,
      "node",
      ...["--id", id, "--listen", hostPort(host, port), "--peers", setup.peers],
      ...["--data-dir", dataDir, "--log-level", options.logLevel ?? "info"],
      ...(setup.join === undefined ? [] : ["--join", setup.join.join(",")]),
      ...timingFlags,
      ...(options.nodeArgs?.(id) ?? []),
    ],
    env,
    logs: logFile === null ? { kind: "prefix" } : { kind: "file", logFile },
    onUnexpectedExit: (exit) => options.onUnexpectedExit?.(id, exit, logFile),
  });
  const url = `http://${hostPort(host, port)}`;
  return { id, port, url, dataDir, logFile, process: nodeProcess };
}

/** How often the cluster is polled while waiting for a leader or a node. */
const POLL_INTERVAL_MS = 50;
/** One status request while polling. */
const POLL_REQUEST_TIMEOUT_MS = 1_000;

class LocalCluster implements DevCluster {
  readonly dataDir: string;
  readonly clusterSecret: string;
  private readonly members: Member[];
  private readonly client: CoordinatorClient;
  private readonly readyTimeoutMs: number;
  private readonly stopGraceMs: number;

  constructor(
    members: readonly Member[],
    private readonly setup: ClusterSetup,
    private readonly options: DevClusterOptions,
  ) {
    this.members = [...members];
    this.dataDir = setup.dataDir;
    this.clusterSecret = setup.clusterSecret;
    this.client = createClient({
      endpoints: this.endpoints,
      ...(options.apiToken === undefined ? {} : { apiToken: options.apiToken }),
      requestTimeoutMs: POLL_REQUEST_TIMEOUT_MS,
      retryDeadlineMs: 0,
    });
    this.readyTimeoutMs = options.readyTimeoutMs ?? 20_000;
    this.stopGraceMs = options.stopGraceMs ?? 10_000;
  }

  get endpoints(): readonly string[] {
    return this.members.map((member) => member.url);
  }

  get exportLine(): string {
    return `export ELK_ENDPOINTS=${this.endpoints.join(",")}`;
  }

  get nodes(): readonly DevNode[] {
    return this.members.map(view);
  }

  async join(id: string): Promise<DevNode> {
    if (this.members.some((member) => member.id === id)) {
      throw new CoordinatorError("invalid_request", `${id} is a node of this cluster already`);
    }
    const [port = 0] = await choosePorts(1, 0, this.setup.host);
    const join = this.members.filter((m) => m.process.running).map((m) => m.url);
    const member = createMember(this.options, { ...this.setup, id, port, join });
    await mkdir(member.dataDir, { recursive: true });
    this.members.push(member);
    await this.restart(id);
    return view(member);
  }

  node(id: string): DevNode {
    return view(this.member(id));
  }

  async waitForLeader(timeoutMs = this.readyTimeoutMs): Promise<LeaderView> {
    return this.poll(`the nodes to agree on a leader`, timeoutMs, async () => {
      const running = this.members.filter((member) => member.process.running);
      const answers = await Promise.all(running.map((member) => this.statusOf(member)));
      // A joining node not yet added knows no leader: only members must agree.
      const statuses = answers.filter(
        (status) => status === null || isMember(status.nodeId, status.membership),
      );
      const leader = statuses.find((status) => status?.role === "Leader");
      if (leader === undefined || leader === null) return null;
      const agreed = statuses.every((status) => status?.leaderId === leader.nodeId);
      if (!agreed) return null;
      return { leaderId: leader.nodeId, url: this.member(leader.nodeId).url, term: leader.term };
    });
  }

  async kill(id: string, signal: NodeJS.Signals = "SIGKILL"): Promise<ChildExit> {
    return this.member(id).process.kill(signal);
  }

  async restart(id: string): Promise<void> {
    const member = this.member(id);
    member.process.start();
    await this.poll(`${id} to answer /healthz`, this.readyTimeoutMs, async () => {
      try {
        await this.client.healthz({ endpoint: member.url, retryDeadlineMs: 0 });
        return true;
      } catch {
        return null;
      }
    });
  }

  async stop(): Promise<ReadonlyMap<string, ChildExit>> {
    const exits = await Promise.all(
      this.members.map(async (member) => {
        const wasRunning = member.process.running;
        const exit = await member.process.stop(this.stopGraceMs);
        return [member.id, wasRunning ? exit : null] as const;
      }),
    );
    await this.client.close();
    return new Map(exits.flatMap(([id, exit]) => (exit === null ? [] : [[id, exit]])));
  }

  private member(id: string): Member {
    const member = this.members.find((candidate) => candidate.id === id);
    if (member === undefined) {
      throw new CoordinatorError("invalid_request", `no node ${id} in this cluster`);
    }
    return member;
  }

  private async statusOf(member: Member) {
    try {
      return await this.client.raftStatus({}, { endpoint: member.url, retryDeadlineMs: 0 });
    } catch {
      return null;
    }
  }

  /**
   * Calls `probe` every POLL_INTERVAL_MS until it gives a value; fails after `timeoutMs`, or at
   * once when a node that was running has exited with a failure (with the end of its output).
   */
  private async poll<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>) {
    const expected = this.members.filter((member) => member.process.running);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      for (const gone of expected.filter((member) => !member.process.running)) {
        const exit = await gone.process.exit();
        // Exit status 0 is a clean stop (a node stops by itself once removed from the cluster).
        if (exit.code === 0) continue;
        const output = await gone.process.lastOutput().catch(() => "");
        throw new Error(
          `node ${gone.id} exited (code ${exit.code}, signal ${exit.signal}) while waiting for ` +
            `${what}; its last output:\n${output}`,
        );
      }
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }
}

function isMember(
  id: string,
  membership: { readonly voters: readonly string[]; readonly learners: readonly string[] },
): boolean {
  return membership.voters.includes(id) || membership.learners.includes(id);
}

function view(member: Member): DevNode {
  const { id, url, port, dataDir, logFile } = member;
  return { id, url, port, dataDir, logFile, pid: member.process.pid };
}

/**
 * How to run this CLI in a child: the same Node executable and flags (minus inspector flags,
 * whose port would clash) and the CLI script next to this module; from TypeScript source,
 * tsx's loader is added when the flags do not already carry it.
 */
export function cliInvocation(extraFlags: readonly string[] = []): {
  execPath: string;
  args: string[];
} {
  const here = fileURLToPath(import.meta.url);
  const extension = path.extname(here);
  const script = path.join(path.dirname(here), `main${extension}`);
  const flags = process.execArgv.filter((flag) => !flag.startsWith("--inspect"));
  if (extension === ".ts" && !flags.some((flag) => flag.includes("tsx"))) {
    const loader = createRequire(import.meta.url).resolve("tsx");
    flags.push("--import", pathToFileURL(loader).href);
  }
  return { execPath: process.execPath, args: [...flags, ...extraFlags, script] };
}

async function loadOrCreateSecret(dataDir: string): Promise<string> {
  const file = path.join(dataDir, CLUSTER_SECRET_FILE);
  if (existsSync(file)) return (await readFile(file, "utf8")).trim();
  const secret = randomBytes(32).toString("base64url");
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  return secret;
}

/** `--fresh`: deletes `dataDir`, but only if it is empty or holds a dev cluster's secret file. */
async function removeDevDirectory(dataDir: string): Promise<void> {
  if (!existsSync(dataDir)) return;
  const entries = await readdir(dataDir);
  if (entries.length > 0 && !entries.includes(CLUSTER_SECRET_FILE)) {
    throw new CoordinatorError(
      "invalid_request",
      `refusing to delete ${dataDir}: it is not a dev cluster's directory (no ${CLUSTER_SECRET_FILE})`,
    );
  }
  await rm(dataDir, { recursive: true, force: true });
}
