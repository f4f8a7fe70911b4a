/**
 * The processes of a chaos run: N coordinator nodes and M workers, each an OS process
 * started from this repository's CLI (the dev cluster's {@link cliInvocation} and
 * {@link ChildProcessNode}), with fresh data directories under the run's directory and their
 * logs next to them. Every peer link runs through a {@link PeerProxy} owned here: node i's
 * `--peers` names its own real address and, for every other node j, the proxy "i→j".
 * {@link ChaosCluster.replaceNode} puts a new node, joined at run time, in a killed node's slot.
 *
 * Only processes started here are ever signalled, always by their PID; {@link ChaosCluster.destroy}
 * SIGCONTs and SIGKILLs every one still running (also on Ctrl-C and on the harness's failure).
 */
import { randomBytes } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ChildProcessNode, type ChildExit } from "../src/cli/child-process-node.js";
import { cliInvocation } from "../src/cli/dev-cluster.js";
import type { NodeTimings } from "../src/node/config.js";
import { FAILPOINTS_ENV, flagOf } from "../src/server/index.js";
import type { Prng } from "../src/util/prng.js";
import { BREAK_FENCING_ENV } from "./broken-switch.js";
import { reserveNodePorts } from "./node-ports.js";
import { RESOURCE_URL_ENV } from "./processor.js";
import { LinkTable, PeerProxy } from "./proxy.js";

/** The node timings of a chaos run: the defaults, with snapshots often enough to ship some. */
export const CHAOS_NODE_TIMINGS: Partial<NodeTimings> = {
  snapshotEveryEntries: 400,
  snapshotLogTailEntries: 100,
  proposalTimeoutMs: 4_000,
  stopDrainTimeoutMs: 1_000,
};
/** The workers' lease: short, so a killed or paused worker's partitions come back soon. */
export const CHAOS_WORKER_LEASE_TTL_MS = 3_000;
const CHAOS_WORKER_HEARTBEAT_MS = 500;
/** The namespace chaos plans and workers use. */
export const CHAOS_NAMESPACE = "chaos";
const PROCESSOR_MODULE = path.join(path.dirname(fileURLToPath(import.meta.url)), "processor.ts");

/** Something that happened to a process without the harness asking. */
export interface UnexpectedExit {
  readonly id: string;
  readonly exit: ChildExit;
  readonly atMs: number;
}

interface NodeSpec {
  readonly id: string;
  readonly port: number;
  readonly url: string;
  /**
   * Its `--peers`: the first voters, itself directly, every other one through the proxy from it
   * (a joined node is not among them: it names only the others).
   */
  readonly peers: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** A node joined at run time: `--join` URLs and its `--advertise` address (a shared proxy). */
  readonly joined?: { readonly join: readonly string[]; readonly advertise: string };
}

interface NodeMember extends NodeSpec {
  process: ChildProcessNode;
  paused: boolean;
  /** The failpoints armed in the current process (ELK_FAILPOINTS), or null. */
  failpoints: string | null;
}

interface WorkerMember {
  readonly slot: number;
  process: ChildProcessNode;
  workerId: string;
  generation: number;
  paused: boolean;
}

/** What a chaos cluster is started with. */
export interface ChaosClusterOptions {
  readonly nodes: number;
  readonly workers: number;
  /** The run's directory: data dirs and logs go here. */
  readonly dir: string;
  readonly resourceUrl: string;
  /** Decides which messages lossy links drop. */
  readonly prng: Prng;
  /** Pass the broken-fencing switch on to the workers. */
  readonly breakFencing: boolean;
  /** Monotonic ms of the run, for exit records. */
  readonly nowMs: () => number;
}

/** The running processes and links of a chaos run. */
export class ChaosCluster {
  readonly links = new LinkTable();
  readonly unexpectedExits: UnexpectedExit[] = [];
  private readonly nodes: NodeMember[] = [];
  private readonly workers: WorkerMember[] = [];
  private readonly proxies: PeerProxy[] = [];
  private readonly secret = randomBytes(32).toString("base64url");
  /** The nodes the cluster started with (every node's `--peers`), and their ports. */
  private readonly firstVoters: { readonly id: string; readonly port: number }[] = [];
  /** Ids are never reused: the next joined node is n<this>. */
  private nextNodeNumber = 0;

  private constructor(private readonly options: ChaosClusterOptions) {}

  /** Starts proxies, nodes and workers (it does not wait for a leader). */
  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const cluster = new ChaosCluster(options);
    process.on("exit", cluster.killOnExit);
    try {
      await cluster.startNodes();
      for (let slot = 0; slot < options.workers; slot += 1) cluster.startWorker(slot);
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  /**
   * The current nodes' ids, slot by slot: a replacement takes the slot of the node it replaces
   * (slot k starts as n<k+1>).
   */
  get nodeIds(): readonly string[] {
    return this.nodes.map((node) => node.id);
  }

  /** The nodes' real HTTP URLs (clients reach them directly, never through a proxy). */
  get endpoints(): readonly string[] {
    return this.nodes.map((node) => node.url);
  }

  /** How many worker slots there are (a slot keeps its number across restarts). */
  get workerSlots(): number {
    return this.workers.length;
  }

  /** Node `id`'s real HTTP URL. */
  urlOf(id: string): string {
    return this.node(id).url;
  }

  /** Whether node `id` runs and is not paused (worth asking for its status). */
  answers(id: string): boolean {
    const node = this.node(id);
    return node.process.running && !node.paused;
  }

  /** SIGKILLs node `id` and waits for it to be gone. */
  async killNode(id: string): Promise<void> {
    const node = this.node(id);
    if (node.paused) this.signal(node.process, "SIGCONT");
    node.paused = false;
    await node.process.kill("SIGKILL");
  }

  /** Starts node `id` again (with failpoints armed through ELK_FAILPOINTS when given). */
  restartNode(id: string, failpoints: string | null = null): void {
    const node = this.node(id);
    if (node.process.running) return;
    node.process = this.nodeProcess(node, failpoints);
    node.failpoints = failpoints;
    node.process.start();
  }

  /**
   * Puts a NEW node in `oldId`'s slot, as an operator replaces a node whose disk died
   * (docs/RUNBOOKS.md "replace a failed node"): SIGKILLs `oldId`, deletes its data directory,
   * and starts the next unused id with an empty one, joining (`--join`) at the other running
   * nodes. It listens on the old node's HTTP port, so every endpoint list of the run (the
   * harness's clients, the workers' `--endpoints`) reaches it; peers reach it through one proxy
   * shared by every dialer, the address it advertises; it reaches each first voter through a
   * proxy of its own. Adding it to the membership and removing `oldId` is the caller's business
   * (./replace-node.ts); from now on `oldId` is no node of this cluster.
   * @returns the new node's id and the `host:port` to add it at
   * @throws Error when `oldId` is no node of this cluster
   */
  async replaceNode(oldId: string): Promise<{ id: string; address: string }> {
    const old = this.node(oldId);
    await this.killNode(oldId);
    await rm(old.dataDir, { recursive: true, force: true });
    const id = `n${this.nextNodeNumber}`;
    this.nextNodeNumber += 1;
    const inbound = await this.startProxy(null, id, old.port);
    const peers: string[] = [];
    for (const voter of this.firstVoters) {
      const proxy = await this.startProxy(id, voter.id, voter.port);
      peers.push(`${voter.id}=127.0.0.1:${proxy.port}`);
    }
    const dataDir = path.join(this.options.dir, id);
    await mkdir(dataDir, { recursive: true });
    const join = this.nodes.filter((n) => n.id !== oldId && n.process.running).map((n) => n.url);
    const address = `127.0.0.1:${inbound.port}`;
    const spec: NodeSpec = {
      ...{ id, port: old.port, url: old.url, peers: peers.join(","), dataDir },
      ...{ logFile: `${dataDir}.log`, joined: { join, advertise: address } },
    };
    const member: NodeMember = {
      ...spec,
      process: this.nodeProcess(spec, null),
      paused: false,
      failpoints: null,
    };
    this.nodes[this.nodes.indexOf(old)] = member;
    member.process.start();
    return { id, address };
  }

  /** Whether node `id`'s current process was started with failpoints armed. */
  armedFailpoints(id: string): boolean {
    return this.node(id).failpoints !== null;
  }

  /** Whether node `id` runs (a failpoint may have crashed it). */
  running(id: string): boolean {
    return this.node(id).process.running;
  }

  /** SIGSTOPs node `id` (a GC-like pause) unless it is down or paused already. */
  pauseNode(id: string): void {
    const node = this.node(id);
    if (node.process.running && !node.paused && this.signal(node.process, "SIGSTOP"))
      node.paused = true;
  }

  /** SIGCONTs node `id` if it is paused. */
  resumeNode(id: string): void {
    const node = this.node(id);
    if (node.paused) this.signal(node.process, "SIGCONT");
    node.paused = false;
  }

  /** The worker id in slot `slot` now (a restarted worker gets a new id). */
  workerIdOf(slot: number): string {
    return this.worker(slot).workerId;
  }

  /** SIGKILLs the worker in `slot` (mid-partition, without warning). */
  async killWorker(slot: number): Promise<void> {
    const worker = this.worker(slot);
    if (worker.paused) this.signal(worker.process, "SIGCONT");
    worker.paused = false;
    await worker.process.kill("SIGKILL");
  }

  /** Starts slot `slot` again as a new worker (a new id: a restarted process is a new worker). */
  restartWorker(slot: number): void {
    const worker = this.worker(slot);
    if (worker.process.running) return;
    this.startWorker(slot, worker.generation + 1);
  }

  /** SIGSTOPs the worker in `slot`; its lease runs out while it sleeps. */
  pauseWorker(slot: number): void {
    const worker = this.worker(slot);
    if (worker.process.running && !worker.paused && this.signal(worker.process, "SIGSTOP")) {
      worker.paused = true;
    }
  }

  /** SIGCONTs the worker in `slot` if it is paused (its late writes must then be fenced). */
  resumeWorker(slot: number): void {
    const worker = this.worker(slot);
    if (worker.paused) this.signal(worker.process, "SIGCONT");
    worker.paused = false;
  }

  /** Heals everything: links up, paused processes resumed, stopped nodes and workers started. */
  heal(): void {
    this.links.healAll();
    for (const node of this.nodes) {
      this.resumeNode(node.id);
      if (!node.process.running) this.restartNode(node.id);
    }
    for (const worker of this.workers) {
      this.resumeWorker(worker.slot);
      if (!worker.process.running) this.restartWorker(worker.slot);
    }
  }

  /** SIGTERMs the workers so they drain (release what they hold) and waits up to `graceMs`. */
  async stopWorkers(graceMs: number): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.process.stop(graceMs)));
  }

  /** SIGCONT + SIGKILL to every process still running, then closes the proxies. */
  async destroy(): Promise<void> {
    const all = this.children();
    for (const child of all) this.signal(child, "SIGCONT");
    await Promise.all(all.map((child) => child.kill("SIGKILL")));
    await Promise.all(this.proxies.map((proxy) => proxy.close()));
    process.off("exit", this.killOnExit);
  }

  /**
   * If the harness dies without {@link destroy} (an uncaught error), SIGKILL every child by PID
   * on the way out: a SIGSTOPped child would not notice its parent is gone.
   */
  private readonly killOnExit = (): void => {
    for (const child of this.children()) this.signal(child, "SIGKILL");
  };

  private children(): ChildProcessNode[] {
    return [...this.nodes.map((n) => n.process), ...this.workers.map((w) => w.process)];
  }

  private async startNodes(): Promise<void> {
    const { nodes: count, dir } = this.options;
    const { ports, release } = await reserveNodePorts(count);
    const ids = ports.map((_port, i) => `n${i + 1}`);
    this.firstVoters.push(...ids.map((id, i) => ({ id, port: ports[i]! })));
    this.nextNodeNumber = count + 1;
    const proxyPorts = new Map<string, number>();
    for (const [i, from] of ids.entries()) {
      for (const [j, to] of ids.entries()) {
        if (i === j) continue;
        const proxy = await this.startProxy(from, to, ports[j]!);
        proxyPorts.set(`${from}>${to}`, proxy.port);
      }
    }
    await release();
    for (const [i, id] of ids.entries()) {
      const dataDir = path.join(dir, id);
      await mkdir(dataDir, { recursive: true });
      const peers = ids
        .map(
          (other, j) =>
            `${other}=127.0.0.1:${i === j ? ports[i]! : proxyPorts.get(`${id}>${other}`)!}`,
        )
        .join(",");
      const port = ports[i]!;
      const url = `http://127.0.0.1:${port}`;
      const spec: NodeSpec = { id, port, url, peers, dataDir, logFile: `${dataDir}.log` };
      const member: NodeMember = {
        ...spec,
        process: this.nodeProcess(spec, null),
        paused: false,
        failpoints: null,
      };
      this.nodes.push(member);
      member.process.start();
    }
  }

  /** A proxy for the link `from`→`to` (`from` null: shared by every dialer), closed by destroy. */
  private async startProxy(from: string | null, to: string, port: number): Promise<PeerProxy> {
    const proxy = await PeerProxy.start(from, to, port, this.links, this.options.prng.fork());
    this.proxies.push(proxy);
    return proxy;
  }

  /** A process for node `node`; with failpoints armed, its crash is expected, not reported. */
  private nodeProcess(node: NodeSpec, failpoints: string | null): ChildProcessNode {
    const { execPath, args } = cliInvocation();
    const timingFlags = Object.entries(CHAOS_NODE_TIMINGS).flatMap(([key, value]) => [
      flagOf(key),
      String(value),
    ]);
    const env = this.childEnv();
    env.ELK_CLUSTER_SECRET = this.secret;
    if (failpoints !== null) env[FAILPOINTS_ENV] = failpoints;
    return new ChildProcessNode({
      id: node.id,
      execPath,
      args: [
        ...args,
        "node",
        ...["--id", node.id, "--listen", `127.0.0.1:${node.port}`, "--peers", node.peers],
        ...["--data-dir", node.dataDir, "--log-level", "info", ...timingFlags],
        ...(node.joined === undefined
          ? []
          : ["--join", node.joined.join.join(","), "--advertise", node.joined.advertise]),
      ],
      env,
      logs: { kind: "file", logFile: node.logFile },
      onUnexpectedExit: (exit) => {
        if (failpoints === null) {
          this.unexpectedExits.push({ id: node.id, exit, atMs: this.options.nowMs() });
        }
      },
    });
  }

  private startWorker(slot: number, generation = 0): void {
    const workerId = `w${slot + 1}-g${generation}`;
    const { execPath, args } = cliInvocation();
    const env = this.childEnv();
    env[RESOURCE_URL_ENV] = this.options.resourceUrl;
    if (this.options.breakFencing) env[BREAK_FENCING_ENV] = "1";
    const child = new ChildProcessNode({
      id: workerId,
      execPath,
      args: [
        ...args,
        "worker",
        ...["--processor", PROCESSOR_MODULE, "--endpoints", this.endpoints.join(",")],
        ...["--worker-id", workerId, "--namespace", CHAOS_NAMESPACE, "--window", "2"],
        ...["--lease-ttl-ms", String(CHAOS_WORKER_LEASE_TTL_MS)],
        ...["--heartbeat-interval-ms", String(CHAOS_WORKER_HEARTBEAT_MS)],
        ...["--drain-timeout-ms", "5000", "--log-level", "info"],
      ],
      env,
      logs: { kind: "file", logFile: this.workerLog(slot) },
      onUnexpectedExit: (exit) =>
        this.unexpectedExits.push({ id: workerId, exit, atMs: this.options.nowMs() }),
    });
    const member: WorkerMember = { slot, process: child, workerId, generation, paused: false };
    this.workers[slot] = member;
    child.start();
  }

  private workerLog(slot: number): string {
    return path.join(this.options.dir, `worker-${slot + 1}.log`);
  }

  /** The environment of a child: ours without any ELK_* setting (the children get theirs). */
  private childEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("ELK_")),
    );
  }

  /** Sends a signal to a child by its PID; false when it is not running. */
  private signal(child: ChildProcessNode, signal: NodeJS.Signals): boolean {
    const pid = child.pid;
    if (pid === null) return false;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private node(id: string): NodeMember {
    const node = this.nodes.find((candidate) => candidate.id === id);
    if (node === undefined) throw new Error(`no node ${id} in this chaos cluster`);
    return node;
  }

  private worker(slot: number): WorkerMember {
    const worker = this.workers[slot];
    if (worker === undefined) throw new Error(`no worker slot ${slot}`);
    return worker;
  }
}
