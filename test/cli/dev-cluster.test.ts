// Proves the parts of the dev cluster that need no running node: how a child runs the CLI (same
// Node, tsx's loader added from source, inspector flags dropped), and the refusals before any
// process starts (no nodes, a bad base port, --fresh on a directory it did not create). Real
// clusters are exercised in test/integration/cluster.test.ts.
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliInvocation, startDevCluster } from "../../src/cli/dev-cluster.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "elk-devcluster-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cliInvocation", () => {
  it("runs main.ts next to the module with the same Node, through tsx's loader", () => {
    const { execPath, args } = cliInvocation(["--cpu-prof"]);
    expect(execPath).toBe(process.execPath);
    expect(args.at(-1)).toBe(path.resolve("src/cli/main.ts"));
    expect(args.at(-2)).toBe("--cpu-prof");
    expect(args.some((arg) => /tsx/.test(arg))).toBe(true);
    expect(args.some((arg) => arg.startsWith("--inspect"))).toBe(false);
  });
});

describe("refusals before anything starts", () => {
  it("needs at least one node and a usable base port", async () => {
    await expect(startDevCluster({ nodes: 0, dataDir: dir })).rejects.toThrow(/at least one/);
    await expect(startDevCluster({ basePort: 65_535, dataDir: dir })).rejects.toThrow(
      /base port 65535 is not usable/,
    );
  });

  it("will not delete a directory that is not a dev cluster's", async () => {
    const precious = path.join(dir, "precious");
    await mkdir(precious);
    await writeFile(path.join(precious, "thesis.tex"), "years of work");
    await expect(startDevCluster({ dataDir: precious, fresh: true })).rejects.toThrow(
      /refusing to delete .*precious: it is not a dev cluster's directory/,
    );
    expect(await readdir(precious)).toEqual(["thesis.tex"]);
  });
});
