/**
 * One coordinator node run as a child process (for `dev`, the demo, benchmarks, integration and
 * chaos tests): spawned with an IPC channel so it stops when its parent goes away, in its own
 * process group so a terminal's Ctrl-C reaches only the parent (which then stops it cleanly),
 * with its output appended to a log file or echoed line by line with a `[id]` prefix. It can be
 * signalled, awaited and started again with the same arguments.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { open } from "node:fs/promises";
import { createInterface } from "node:readline";

/** Where a child's stdout and stderr go. */
export type ChildLogs =
  /** Appended to `logFile`. */
  | { readonly kind: "file"; readonly logFile: string }
  /** Echoed to this process's stdout, each line prefixed with `[id] `. */
  | { readonly kind: "prefix" };

/** How a child process ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** How to start one node process. */
export interface ChildSpec {
  readonly id: string;
  readonly execPath: string;
  /** Everything after the executable: Node flags, the CLI script, `node`, its flags. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logs: ChildLogs;
  /** Called when the process ends without having been asked to (not by kill or stop). */
  readonly onUnexpectedExit: (exit: ChildExit) => void;
}

/** Lines of prefixed output remembered to explain a failed start. */
const TAIL_LINES_MAX = 40;
/** Bytes read from the end of a log file to explain a failed start. */
const TAIL_BYTES_MAX = 4_096;

/** A node process that can be started, signalled and started again. */
export class ChildProcessNode {
  private child: ChildProcess | null = null;
  private exited: Promise<ChildExit> = Promise.resolve({ code: null, signal: null });
  private expectingExit = false;
  private readonly tail: string[] = [];

  constructor(private readonly spec: ChildSpec) {}

  /** The process id while it runs, else null. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /**
   * Spawns the process (a no-op while it runs).
   * @throws Error when the log file cannot be opened
   */
  start(): void {
    if (this.child !== null) return;
    const { logs } = this.spec;
    const out = logs.kind === "file" ? openSync(logs.logFile, "a") : "pipe";
    let child: ChildProcess;
    try {
      child = spawn(this.spec.execPath, [...this.spec.args], {
        env: this.spec.env,
        stdio: ["ignore", out, out, "ipc"],
        detached: true,
      });
    } finally {
      if (typeof out === "number") closeSync(out);
    }
    this.child = child;
    this.expectingExit = false;
    if (logs.kind === "prefix") this.echo(child);
    this.exited = new Promise((resolve) => {
      const finish = (exit: ChildExit) => {
        if (this.child !== child) return;
        this.child = null;
        if (!this.expectingExit) this.spec.onUnexpectedExit(exit);
        resolve(exit);
      };
      child.once("exit", (code, signal) => finish({ code, signal }));
      child.once("error", (error) => {
        this.remember(`failed to spawn ${this.spec.execPath}: ${error.message}`);
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
    });
  }

  /** Sends `signal` (a no-op when not running) and resolves once the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<ChildExit> {
    const child = this.child;
    if (child === null) return this.exited;
    this.expectingExit = true;
    child.kill(signal);
    return this.exited;
  }

  /**
   * SIGTERM (a graceful stop), then SIGKILL if it has not exited after `graceMs`.
   * @returns how it ended
   */
  async stop(graceMs: number): Promise<ChildExit> {
    if (this.child === null) return this.exited;
    const exited = this.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), graceMs);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resolves when the current (or last) process has exited. */
  exit(): Promise<ChildExit> {
    return this.exited;
  }

  /** The last lines it printed (from its log file, or remembered), to explain a failure. */
  async lastOutput(): Promise<string> {
    const remembered = this.tail.join("\n");
    if (this.spec.logs.kind === "prefix") return remembered;
    const handle = await open(this.spec.logs.logFile, "r");
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, TAIL_BYTES_MAX);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString("utf8") + remembered;
    } finally {
      await handle.close();
    }
  }

  private echo(child: ChildProcess): void {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", (line) => {
        this.remember(line);
        process.stdout.write(`[${this.spec.id}] ${line}\n`);
      });
    }
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES_MAX) this.tail.shift();
  }
}
