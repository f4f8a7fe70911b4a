/**
 * A three-member etcd cluster on loopback for the side-by-side bench: Debian's `etcd` binary
 * with its default timings (heartbeat 100 ms, election timeout 1,000 ms, fsync on), free ports,
 * data in a temporary directory, each member a child process ended by its PID. Driven through
 * the `etcd3` npm client with its retry and circuit-breaker policies off, so a figure is one
 * attempt's, as ours are.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { openSync, closeSync } from "node:fs";
import path from "node:path";
import { noop } from "cockatiel";
import { Etcd3 } from "etcd3";
import { freePort, pollUntil } from "./measure.js";

/** The etcd binary on PATH (`apt-get install etcd-server`), or null. */
export function etcdBinary(): string | null {
  const found = spawnSync("sh", ["-c", "command -v etcd"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** The etcd version line (`etcd Version: 3.4.23`), for the report. */
export function etcdVersion(binary: string): string {
  const out = spawnSync(binary, ["--version"], { encoding: "utf8" }).stdout;
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? "unknown";
}

interface EtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly args: readonly string[];
  readonly logFile: string;
  process: ChildProcess | null;
  /** One client per member, bound to it alone. */
  readonly client: Etcd3;
}

/** A client of `hosts` with no retries, no circuit breaker, and `deadlineMs` per call. */
export function etcdClient(hosts: string | string[], deadlineMs: number): Etcd3 {
  return new Etcd3({
    hosts,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + deadlineMs },
  });
}

/** A running etcd cluster. */
export class EtcdCluster {
  private constructor(
    private readonly binary: string,
    readonly members: readonly EtcdMember[],
  ) {}

  /** Starts `size` members under `dataDir` and waits until they agree on a leader. */
  static async start(binary: string, dataDir: string, size = 3): Promise<EtcdCluster> {
    const names = Array.from({ length: size }, (_, i) => `e${i + 1}`);
    const clientPorts: number[] = [];
    const peerPorts: number[] = [];
    for (let i = 0; i < size; i++) clientPorts.push(await freePort());
    for (let i = 0; i < size; i++) peerPorts.push(await freePort());
    const peerUrl = (i: number) => `http://127.0.0.1:${peerPorts[i]}`;
    const initialCluster = names.map((name, i) => `${name}=${peerUrl(i)}`).join(",");
    const members = names.map((name, i): EtcdMember => {
      const clientUrl = `http://127.0.0.1:${clientPorts[i]}`;
      const args = [
        ...["--name", name, "--data-dir", path.join(dataDir, name)],
        ...["--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl],
        ...["--listen-peer-urls", peerUrl(i), "--initial-advertise-peer-urls", peerUrl(i)],
        ...["--initial-cluster", initialCluster, "--initial-cluster-state", "new"],
        ...["--initial-cluster-token", "elk-bench", "--log-level", "warn", "--logger", "zap"],
      ];
      const logFile = path.join(dataDir, `${name}.log`);
      return {
        name,
        clientUrl,
        args,
        logFile,
        process: null,
        client: etcdClient(clientUrl, 2_000),
      };
    });
    await mkdir(dataDir, { recursive: true });
    const cluster = new EtcdCluster(binary, members);
    for (const member of members) cluster.spawn(member);
    try {
      await cluster.waitForLeader();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  private spawn(member: EtcdMember): void {
    const log = openSync(member.logFile, "a");
    member.process = spawn(this.binary, member.args, { stdio: ["ignore", log, log] });
    closeSync(log);
  }

  /** Every member's client URL. */
  get endpoints(): string[] {
    return this.members.map((m) => m.clientUrl);
  }

  member(name: string): EtcdMember {
    const found = this.members.find((m) => m.name === name);
    if (found === undefined) throw new Error(`no etcd member ${name}`);
    return found;
  }

  /** The PID of member `name` while it runs. */
  pidOf(name: string): number | null {
    return this.member(name).process?.pid ?? null;
  }

  /** The leader every running member names, and its term; waits up to `timeoutMs`. */
  waitForLeader(timeoutMs = 60_000): Promise<{ leaderId: string; term: number; url: string }> {
    return pollUntil("the etcd members to agree on a leader", timeoutMs, async () => {
      const running = this.members.filter((m) => m.process !== null);
      const statuses = await Promise.all(running.map((m) => m.client.maintenance.status()));
      const leaders = new Set(statuses.map((s) => s.leader));
      if (leaders.size !== 1 || statuses[0]?.leader === "0") return null;
      const index = statuses.findIndex((s) => s.header.member_id === statuses[0]?.leader);
      const leader = running[index];
      if (leader === undefined) return null;
      return {
        leaderId: leader.name,
        term: Number(statuses[index]?.raftTerm),
        url: leader.clientUrl,
      };
    });
  }

  /** SIGKILLs member `name` by PID; resolves once it has exited. */
  async kill(name: string): Promise<void> {
    const child = this.member(name).process;
    if (child === null) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    this.member(name).process = null;
  }

  /** Starts member `name` again on its data directory; resolves once the cluster agrees. */
  async restart(name: string): Promise<void> {
    this.spawn(this.member(name));
    await this.waitForLeader();
  }

  /** Kills every member and closes the clients. */
  async stop(): Promise<void> {
    for (const member of this.members) {
      await this.kill(member.name);
      member.client.close();
    }
  }
}
