// Proves how the CLI ends: help is exit 0; an unknown command or option, a missing required
// option and a bad value are usage errors (exit 2) with a message; a node configuration mistake
// is a usage error too, whether it comes from a flag or a config file; every command of the README
// is registered; `dev` refuses node counts other than 1, 3 and 5, and `member` refuses bad ids
// and addresses before calling the cluster.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT_OK, EXIT_USAGE } from "../../src/cli/exit-codes.js";
import { buildProgram, runCli } from "../../src/cli/program.js";

let output: string[];
beforeEach(() => {
  output = [];
  const keep = (chunk: unknown) => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(keep);
  vi.spyOn(process.stderr, "write").mockImplementation(keep);
  vi.spyOn(console, "error").mockImplementation((line: unknown) => void output.push(String(line)));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

describe("the command tree", () => {
  it("has node, dev, plan (with its actions), partitions, workers, status, member, worker and certs", () => {
    const program = buildProgram();
    const names = program.commands.map((command) => command.name());
    expect(names).toEqual([
      "node",
      "dev",
      "plan",
      "partitions",
      "workers",
      "status",
      "member",
      "worker",
      "certs",
    ]);
    const member = program.commands.find((command) => command.name() === "member")!;
    expect(member.commands.map((command) => command.name())).toEqual([
      "list",
      "add",
      "promote",
      "remove",
      "replace",
    ]);
    const plan = program.commands.find((command) => command.name() === "plan")!;
    expect(plan.commands.map((command) => command.name())).toEqual([
      "submit",
      "list",
      "show",
      "gaps",
      "pause",
      "resume",
      "cancel",
      "retry-failed",
    ]);
  });

  it("offers every node setting as a flag of `node`", () => {
    const node = buildProgram().commands.find((command) => command.name() === "node")!;
    const flags = node.options.map((option) => option.long);
    for (const flag of ["--id", "--listen", "--peers", "--data-dir", "--cluster-secret"]) {
      expect(flags).toContain(flag);
    }
    expect(flags).toContain("--tick-interval-ms");
    expect(flags).toContain("--snapshot-every-entries");
  });
});

describe("exit codes", () => {
  it("exits 0 after help", async () => {
    expect(await runCli(["plan", "submit", "--help"])).toBe(EXIT_OK);
    expect(output.join("")).toMatch(/--partition-size <n>/);
  });

  it("exits 2 on an unknown command or option, or a missing required option", async () => {
    expect(await runCli(["plans"])).toBe(EXIT_USAGE);
    expect(await runCli(["workers", "--bogus"])).toBe(EXIT_USAGE);
    expect(await runCli(["plan", "submit", "--min", "1"])).toBe(EXIT_USAGE);
    expect(output.join("")).toMatch(/required option '--max <id>' not specified/);
  });

  it("exits 2 on a bad value, naming the option", async () => {
    const argv = ["plan", "submit", "--min", "1", "--max", "9", "--partition-size", "0"];
    expect(await runCli(argv)).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/error: --partition-size must be a whole number ≥ 1/);
    const json = ["plan", "submit", "--min", "1", "--max", "9", "--partition-size", "1"];
    expect(await runCli([...json, "--options", "{oops"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/--options must be JSON/);
  });

  it("exits 2 when a node's configuration is wrong, before anything starts", async () => {
    vi.stubEnv("ELK_CLUSTER_SECRET", "");
    expect(await runCli(["node", "--id", "n 1", "--data-dir", "/tmp/x"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/--id: node id "n 1"/);
    expect(await runCli(["node", "--id", "n1", "--data-dir", "/tmp/x"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/a cluster secret is required/);
  });

  it("reads a node's config file from --config or ELK_CONFIG, a flag winning over it", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "elk-program-"));
    const file = path.join(dir, "node.json");
    await writeFile(file, JSON.stringify({ id: "bad id", dataDir: dir, clusterSecret: "s" }));
    expect(await runCli(["node", "--config", file])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toContain(`"id" in ${file}: node id "bad id"`);
    vi.stubEnv("ELK_CONFIG", file);
    expect(await runCli(["node", "--id", "n1"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toContain(`"clusterSecret" in ${file}: the cluster secret must be`);
    await rm(dir, { recursive: true, force: true });
  });

  it("exits 2 when dev is asked for an even or too large cluster, saying why", async () => {
    expect(await runCli(["dev", "--nodes", "4"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(
      /--nodes must be 1, 3 or 5, got 4: 4 nodes survive no more failures than 3/,
    );
    expect(await runCli(["dev", "--nodes", "7"])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/got 7: more nodes on one machine/);
    expect(await runCli(["dev", "--help"])).toBe(EXIT_OK);
    expect(output.join("")).toMatch(/how many nodes: 1, 3 or 5/);
  });

  it("exits 2 on a bad member id or address, before any request", async () => {
    const unreachable = ["--endpoints", "http://127.0.0.1:9"];
    expect(await runCli(["member", "add", "n 4", "--address", "h:1", ...unreachable])).toBe(
      EXIT_USAGE,
    );
    expect(output.join("\n")).toMatch(/<id>: "n 4" must be/);
    expect(await runCli(["member", "add", "n4", "--address", "h:0", ...unreachable])).toBe(
      EXIT_USAGE,
    );
    expect(output.join("\n")).toMatch(/--address must be host:port with a port 1..65535/);
    const same = ["member", "replace", "--old", "n2", "--new", "n2", "--address", "h:7104"];
    expect(await runCli([...same, ...unreachable])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/--old and --new must differ/);
  });

  it("exits 2 on an empty endpoint list", async () => {
    expect(await runCli(["workers", "--endpoints", ","])).toBe(EXIT_USAGE);
    expect(output.join("\n")).toMatch(/--endpoints lists no node/);
  });
});
