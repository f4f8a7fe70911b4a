// Test helper (not a test): a real `redis-server` (Debian's package; .ci/run installs it) on
// 127.0.0.1 and a free port, without persistence, started and stopped by PID. If redis-server
// is not on PATH the helper FAILS with a message saying how to install it: these tests never
// skip silently.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import { Redis } from "ioredis";

const START_TIMEOUT_MS = 10_000;

/** A port nobody listens on right now (the OS picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address === null || typeof address === "string") reject(new Error("no port"));
        else resolve(address.port);
      });
    });
  });
}

/** One redis-server process; `stop` and `start` again keep the port (data is lost: no saves). */
export class RedisServer {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  /** Starts redis-server on a free port and waits until it accepts connections. */
  static async start(): Promise<RedisServer> {
    const server = new RedisServer(await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Whether the process runs (started and not stopped). */
  get running(): boolean {
    return this.child !== null;
  }

  /** A plain client for assertions (the caller quits it). */
  client(): Redis {
    const client = new Redis(this.url, { maxRetriesPerRequest: 1 });
    // Reconnect attempts while the server is stopped on purpose are expected, not failures.
    client.on("error", () => undefined);
    return client;
  }

  /** Starts the process (again) on the same port. */
  async start(): Promise<void> {
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => {
        reject(new Error(`redis-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`));
      }, START_TIMEOUT_MS);
      child.once("error", (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const missing = error.code === "ENOENT";
        reject(
          missing
            ? new Error(
                "redis-server is not on PATH. The Redis mirror tests need a real Redis: " +
                  "apt-get install -y redis-server (CI installs it through .ci/run)",
              )
            : error,
        );
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`));
      });
      const onData = (data: Buffer) => {
        output += data.toString();
        if (!output.includes("Ready to accept connections")) return;
        clearTimeout(timer);
        child.removeAllListeners("exit");
        child.stdout?.off("data", onData).resume();
        child.stderr?.off("data", onData).resume();
        resolve();
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
    });
  }

  /** Stops the process by PID (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }
}
