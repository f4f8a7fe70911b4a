/**
 * Worker PROCESSES for the demo and the integration tests: each one is this repository's CLI
 * (`elk-coordinator worker`, run the way the dev cluster runs its nodes: same Node, tsx when
 * from source) with the demo's processor module, its output in `<dir>/<workerId>.log`. They are
 * spawned with an IPC channel, so a worker drains and exits when the process that started it
 * goes away — even if that process was SIGKILLed.
 */
import path from "node:path";
import { ChildProcessNode } from "../../src/cli/child-process-node.js";
import type { ChildExit } from "../../src/cli/child-process-node.js";
import { cliInvocation } from "../../src/cli/dev-cluster.js";

/** How the workers are started. */
export interface WorkerProcessOptions {
  /** The cluster's node URLs. */
  readonly endpoints: readonly string[];
  /** The processor module (absolute path). */
  readonly processorModule: string;
  /** Where the worker logs go. */
  readonly logDir: string;
  /** Partitions per worker at once. */
  readonly windowSize: number;
  /** Extra `worker` flags (e.g. `--lease-ttl-ms`). */
  readonly extraArgs?: readonly string[];
  /** A worker ended without being asked to. */
  readonly onUnexpectedExit?: (workerId: string, exit: ChildExit) => void;
}

/** A set of named worker processes. */
export class WorkerProcesses {
  private readonly children = new Map<string, ChildProcessNode>();

  constructor(private readonly options: WorkerProcessOptions) {}

  /** Starts a worker process named `workerId` (with its own log file). */
  start(workerId: string, extraArgs: readonly string[] = []): void {
    const { execPath, args } = cliInvocation();
    const { options } = this;
    const child = new ChildProcessNode({
      id: workerId,
      execPath,
      args: [
        ...args,
        "worker",
        ...["--processor", options.processorModule],
        ...["--endpoints", options.endpoints.join(",")],
        ...["--worker-id", workerId, "--window", String(options.windowSize)],
        ...(options.extraArgs ?? []),
        ...extraArgs,
      ],
      env: { ...process.env },
      logs: { kind: "file", logFile: path.join(options.logDir, `${workerId}.log`) },
      onUnexpectedExit: (exit) => options.onUnexpectedExit?.(workerId, exit),
    });
    this.children.set(workerId, child);
    child.start();
  }

  /** The process id of `workerId` while it runs. */
  pid(workerId: string): number | null {
    return this.children.get(workerId)?.pid ?? null;
  }

  /** Names of the workers started, running or not. */
  ids(): string[] {
    return [...this.children.keys()];
  }

  /** Sends `signal` to `workerId` and resolves once it has exited. */
  kill(workerId: string, signal: NodeJS.Signals = "SIGKILL"): Promise<ChildExit> {
    return this.child(workerId).kill(signal);
  }

  /** Sends `signal` without waiting for an exit (SIGSTOP, SIGCONT). */
  signal(workerId: string, signal: NodeJS.Signals): void {
    const pid = this.pid(workerId);
    if (pid === null) throw new Error(`worker ${workerId} is not running`);
    process.kill(pid, signal);
  }

  /** Resolves when `workerId` has exited. */
  exit(workerId: string): Promise<ChildExit> {
    return this.child(workerId).exit();
  }

  /** The end of `workerId`'s log. */
  lastOutput(workerId: string): Promise<string> {
    return this.child(workerId).lastOutput();
  }

  /** Drains every worker (SIGTERM), SIGKILL after `graceMs`. */
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all([...this.children.values()].map((child) => child.stop(graceMs)));
  }

  private child(workerId: string): ChildProcessNode {
    const child = this.children.get(workerId);
    if (child === undefined) throw new Error(`no worker ${workerId}`);
    return child;
  }
}
