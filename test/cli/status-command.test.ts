// Proves `status`: every endpoint is asked for its own status (pinned, no leader discovery),
// one that fails shows its error code, and lag is the highest commit index any node reports
// minus the node's applied index.
import { describe, expect, it } from "vitest";
import { collect, renderStatus, type NodeReport } from "../../src/cli/status-command.js";
import { CoordinatorError } from "../../src/errors.js";
import type { CoordinatorClient } from "../../src/worker/client.js";

function status(
  nodeId: string,
  role: "Leader" | "Follower",
  commitIndex: number,
  lastApplied: number,
) {
  return {
    nodeId,
    role,
    term: 3,
    leaderId: "n1",
    commitIndex,
    lastApplied,
    lastLogIndex: commitIndex,
    snapshotIndex: 0,
    peers: [],
  };
}

describe("collect", () => {
  it("asks each endpoint itself and keeps the order, errors included", async () => {
    const asked: (string | undefined)[] = [];
    const client = {
      raftStatus: async (_query: unknown, options: { endpoint?: string }) => {
        asked.push(options.endpoint);
        if (options.endpoint === "http://b") throw new CoordinatorError("unreachable", "down");
        return status(options.endpoint === "http://a" ? "n1" : "n3", "Follower", 5, 5);
      },
    } as unknown as CoordinatorClient;
    const reports = await collect(client, ["http://a", "http://b", "http://c"]);
    expect(asked.sort()).toEqual(["http://a", "http://b", "http://c"]);
    expect(reports.map((report) => report.endpoint)).toEqual(["http://a", "http://b", "http://c"]);
    expect(reports[1]).toEqual({
      endpoint: "http://b",
      error: { code: "unreachable", message: "down" },
    });
  });
});

describe("renderStatus", () => {
  it("prints a row per endpoint with the lag behind the highest commit", () => {
    const reports: NodeReport[] = [
      { endpoint: "http://a", status: status("n1", "Leader", 10, 10) },
      { endpoint: "http://b", status: status("n2", "Follower", 8, 7) },
      { endpoint: "http://c", error: { code: "unreachable", message: "x" } },
    ];
    const lines = renderStatus(reports).split("\n");
    expect(lines[0]!.split(/\s+/)).toEqual([
      "ENDPOINT",
      "NODE",
      "ROLE",
      "TERM",
      "LEADER",
      "COMMIT",
      "APPLIED",
      "LAG",
      "SNAPSHOT",
    ]);
    expect(lines[1]!.split(/\s+/)).toEqual([
      "http://a",
      "n1",
      "Leader",
      "3",
      "n1",
      "10",
      "10",
      "0",
      "0",
    ]);
    expect(lines[2]!.split(/\s+/)).toEqual([
      "http://b",
      "n2",
      "Follower",
      "3",
      "n1",
      "8",
      "7",
      "3",
      "0",
    ]);
    expect(lines[3]!.split(/\s+/)).toEqual([
      "http://c",
      "-",
      "unreachable",
      "-",
      "-",
      "-",
      "-",
      "-",
      "-",
    ]);
  });
});
