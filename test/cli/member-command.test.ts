// Proves what `member` prints and how it ends: the list as the leader sees it (leader marked,
// progress columns, the configuration line) and as a follower does (no progress, said so); the
// commands run end to end against an app over the fake membership — list (table and --json),
// add, promote refused while the learner lags (exit 1 with the code), remove with --force, and
// replace reporting each step on stderr.
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EXIT_FAILURE, EXIT_OK } from "../../src/cli/exit-codes.js";
import type { Membership } from "../../src/cli/leader-members.js";
import { renderMembers } from "../../src/cli/member-command.js";
import { runCli } from "../../src/cli/program.js";
import { FakeService } from "../api/fake-service.js";
import { buildTestApp } from "../api/harness.js";

const VIEW: Membership = {
  nodeId: "n1",
  leaderId: "n1",
  configIndex: 12,
  changeInFlight: false,
  members: [
    {
      id: "n1",
      role: "voter",
      address: "127.0.0.1:7101",
      isLeader: true,
      matchIndex: null,
      entriesBehind: null,
      caughtUp: null,
      connected: null,
    },
    {
      id: "n4",
      role: "learner",
      address: "127.0.0.1:7104",
      isLeader: false,
      matchIndex: 750,
      entriesBehind: 250,
      caughtUp: false,
      connected: true,
    },
  ],
  removed: ["n2"],
  caughtUpEntriesMax: 100,
};

describe("renderMembers", () => {
  it("prints the configuration line and a row per member, the leader marked", () => {
    const lines = renderMembers(VIEW).split("\n");
    expect(lines[0]).toBe(
      "config index 12  change in flight: no  removed: n2  (answered by n1, the leader)",
    );
    expect(lines[1]!.split(/\s{2,}/)).toEqual([
      "ID",
      "ROLE",
      "ADDRESS",
      "LEADER",
      "MATCH",
      "BEHIND",
      "CAUGHT UP",
      "CONNECTED",
    ]);
    expect(lines[2]!.split(/\s+/)).toEqual([
      "n1",
      "voter",
      "127.0.0.1:7101",
      "*",
      "-",
      "-",
      "-",
      "-",
    ]);
    expect(lines[3]!.split(/\s+/)).toEqual([
      "n4",
      "learner",
      "127.0.0.1:7104",
      "750",
      "250",
      "no",
      "yes",
    ]);
  });

  it("says when the answer is not the leader's, so progress is unknown", () => {
    const text = renderMembers({ ...VIEW, nodeId: "n3", changeInFlight: true, removed: [] });
    expect(text.split("\n")[0]).toBe(
      "config index 12  change in flight: yes  removed: none  (answered by n3, not the leader n1: no progress)",
    );
  });
});

describe("member commands against an app", () => {
  let app: FastifyInstance;
  let service: FakeService;
  let endpoint: string;
  let output: string[];

  beforeEach(async () => {
    service = new FakeService();
    app = buildTestApp({ service });
    await app.listen({ host: "127.0.0.1", port: 0 });
    endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    service.membership.members.get("n1")!.address = endpoint.slice("http://".length);
    output = [];
    const keep = (line: unknown) => void output.push(String(line));
    vi.spyOn(console, "log").mockImplementation(keep);
    vi.spyOn(console, "error").mockImplementation(keep);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    await app.close();
  });

  const run = (...argv: string[]) => runCli([...argv, "--endpoints", endpoint]);

  it("adds, lists (table and JSON), refuses an early promotion, removes with --force", async () => {
    expect(await run("member", "add", "n4", "--address", "127.0.0.1:7104")).toBe(EXIT_OK);
    expect(output.join("\n")).toContain("added n4 as a learner");
    expect(await run("member", "list")).toBe(EXIT_OK);
    expect(output.at(-1)).toMatch(/n4\s+learner\s+127\.0\.0\.1:7104\s+500\s+500\s+no\s+yes/);
    expect(await run("member", "list", "--json")).toBe(EXIT_OK);
    const listed = JSON.parse(output.at(-1)!) as Membership;
    expect(listed.members.map((m) => m.id)).toEqual(["n1", "n2", "n3", "n4"]);
    expect(await run("member", "promote", "n4")).toBe(EXIT_FAILURE);
    expect(output.at(-1)).toMatch(/^error \[learner_not_caught_up\] \(HTTP 409\)/);
    service.membership.down.add("n2");
    expect(await run("member", "remove", "n3")).toBe(EXIT_FAILURE);
    expect(output.at(-1)).toMatch(/^error \[no_live_quorum\]/);
    expect(await run("member", "remove", "n3", "--force")).toBe(EXIT_OK);
    expect(service.membership.changes).toEqual(["add n4", "remove n3"]);
  });

  it("replace runs every step, reports them on stderr and prints the result", async () => {
    service.membership.catchUpPerRead = 1_000;
    const stderr: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
      stderr.push(String(chunk));
      return true;
    });
    const argv = ["member", "replace", "--old", "n2", "--new", "n4", "--address", "h4:7104"];
    expect(await run(...argv)).toBe(EXIT_OK);
    expect(stderr.join("")).toMatch(
      /added n4 at h4:7104 as a learner[\s\S]*promoted n4[\s\S]*removed n2/,
    );
    expect(output.join("\n")).toContain("replaced n2 with n4");
    expect(service.membership.changes).toEqual(["add n4", "promote n4", "remove n2"]);
  });
});
