// Proves `status`: every endpoint is asked for its own status (pinned, no leader discovery),
// one that fails shows its error code, and lag is the highest commit index any node reports
// minus the node's applied index; each node's config index shows, and the membership below the
// table is the latest configuration any node holds (the leader's on a tie).
import { describe, expect, it } from "vitest";
import {
  collect,
  renderMembership,
  renderStatus,
  type NodeReport,
} from "../../src/cli/status-command.js";
import { CoordinatorError } from "../../src/errors.js";
import type { CoordinatorClient } from "../../src/worker/client.js";

function status(
  nodeId: string,
  role: "Leader" | "Follower",
  commitIndex: number,
  lastApplied: number,
  configIndex = 4,
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
    membership: {
      voters: ["n1", "n2", "n3"],
      learners: configIndex > 4 ? ["n4"] : [],
      configIndex,
      changeInFlight: configIndex > 4,
    },
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
      "CONFIG",
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
      "4",
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
      "4",
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
      "-",
    ]);
    expect(lines.slice(5)).toEqual([
      "voters    n1 n2 n3",
      "learners  none",
      "config index 4 (as n1 holds it), no change in flight",
    ]);
  });

  it("shows the latest configuration any node holds, with a change in flight", () => {
    const reports: NodeReport[] = [
      { endpoint: "http://a", status: status("n1", "Leader", 10, 10, 4) },
      { endpoint: "http://b", status: status("n2", "Follower", 11, 11, 9) },
    ];
    expect(renderMembership(reports)).toBe(
      [
        "voters    n1 n2 n3",
        "learners  n4",
        "config index 9 (as n2 holds it), a change is in flight (not yet committed)",
      ].join("\n"),
    );
    expect(renderMembership([{ endpoint: "http://c", error: { code: "x", message: "x" } }])).toBe(
      null,
    );
  });
});
