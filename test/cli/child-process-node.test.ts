// Proves the child-process wrapper on real processes: output to a log file or echoed with a
// prefix (and its tail kept for failure messages), exits reported as unexpected only when
// nobody asked, SIGTERM escalated to SIGKILL after the grace, and a restart with the same
// arguments.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ChildProcessNode, type ChildExit } from "../../src/cli/child-process-node.js";

/** Prints its marker, then stays up (ignoring SIGTERM when asked) until killed or told to exit. */
const SCRIPT = `
  console.log("hello from " + process.argv[1]);
  if (process.argv[2] === "stubborn") process.on("SIGTERM", () => console.log("ignoring SIGTERM"));
  if (process.argv[2] === "exit") process.exit(3);
  setInterval(() => undefined, 1000);
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "elk-child-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function child(mode: string, logs: "file" | "prefix", unexpected: ChildExit[] = []) {
  const logFile = path.join(dir, `${mode}.log`);
  return {
    logFile,
    node: new ChildProcessNode({
      id: mode,
      execPath: process.execPath,
      args: ["-e", SCRIPT, mode, mode],
      env: process.env,
      logs: logs === "file" ? { kind: "file", logFile } : { kind: "prefix" },
      onUnexpectedExit: (exit) => unexpected.push(exit),
    }),
  };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await condition()); i++) {
    if (i > 500) throw new Error("condition not met in 5 s");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("ChildProcessNode", () => {
  it("appends output to its log file and reports a kill as expected", async () => {
    const unexpected: ChildExit[] = [];
    const { node, logFile } = child("quiet", "file", unexpected);
    node.start();
    expect(node.running).toBe(true);
    expect(node.pid).toBeGreaterThan(0);
    await until(async () => (await readFile(logFile, "utf8").catch(() => "")).includes("hello"));
    expect(await node.lastOutput()).toContain("hello from quiet");
    expect(await node.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    expect(node.running).toBe(false);
    expect(node.pid).toBeNull();
    expect(unexpected).toEqual([]);
  });

  it("echoes output with a prefix and reports an exit nobody asked for", async () => {
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    const unexpected: ChildExit[] = [];
    const { node } = child("exit", "prefix", unexpected);
    node.start();
    expect(await node.exit()).toEqual({ code: 3, signal: null });
    await until(() => write.mock.calls.some(([line]) => String(line).includes("[exit] hello")));
    write.mockRestore();
    expect(unexpected).toEqual([{ code: 3, signal: null }]);
    expect(await node.lastOutput()).toContain("hello from exit");
  });

  it("escalates to SIGKILL when SIGTERM is ignored, and starts again", async () => {
    const { node, logFile } = child("stubborn", "file");
    node.start();
    await until(async () => (await readFile(logFile, "utf8").catch(() => "")).includes("hello"));
    expect(await node.stop(200)).toEqual({ code: null, signal: "SIGKILL" });
    expect(await readFile(logFile, "utf8")).toContain("ignoring SIGTERM");
    node.start();
    const pid = node.pid;
    expect(pid).toBeGreaterThan(0);
    await until(async () => (await readFile(logFile, "utf8")).split("hello").length === 3);
    expect(await node.kill("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
  });

  it("is a no-op to kill or stop a node that is not running", async () => {
    const { node } = child("never", "prefix");
    expect(await node.kill("SIGKILL")).toEqual({ code: null, signal: null });
    expect(await node.stop(10)).toEqual({ code: null, signal: null });
  });
});
