// Proves a node configuration gets the defaults of src/constants.ts and that a configuration that
// cannot work is refused before anything starts.
import { describe, expect, it } from "vitest";
import * as constants from "../../src/constants.js";
import { DEFAULT_NODE_TIMINGS, NodeConfigError, nodeConfig } from "../../src/node/config.js";
import { asNodeId } from "../../src/util/ids.js";

const n1 = asNodeId("n1");
const peers = new Map([
  [n1, "http://127.0.0.1:7101"],
  [asNodeId("n2"), "http://127.0.0.1:7102"],
]);

describe("nodeConfig", () => {
  it("fills the defaults of src/constants.ts and keeps overrides", () => {
    const config = nodeConfig({ nodeId: n1, peers }, { tickIntervalMs: 10 });
    expect(config.tickIntervalMs).toBe(10);
    expect(config.electionTimeoutTicks).toBe(constants.electionTimeoutTicks);
    expect(config.snapshotEveryEntries).toBe(constants.snapshotEveryEntries);
    expect(config.leaderChangeLeaseGraceMs).toBe(constants.leaderChangeLeaseGraceMs);
    expect(Object.keys(DEFAULT_NODE_TIMINGS).every((key) => key in config)).toBe(true);
  });

  it.each([
    ["a node outside its peers", { nodeId: asNodeId("n9") }, {}, /not among its peers/],
    [
      "a peer URL that is not http",
      { peers: new Map([[n1, "ws://127.0.0.1:1"]]) },
      {},
      /http\(s\)/,
    ],
    ["a zero tick", {}, { tickIntervalMs: 0 }, /tickIntervalMs must be a positive integer/],
    ["a fractional timeout", {}, { proposalTimeoutMs: 1.5 }, /proposalTimeoutMs/],
    ["slow heartbeats", {}, { heartbeatIntervalTicks: 20 }, /heartbeatIntervalTicks/],
    ["a tail as long as the span", {}, { snapshotLogTailEntries: 10_000 }, /snapshotLogTail/],
  ])("refuses %s", (_what, identity, timings, message) => {
    expect(() => nodeConfig({ nodeId: n1, peers, ...identity }, timings)).toThrow(
      expect.objectContaining({
        name: NodeConfigError.name,
        message: expect.stringMatching(message),
      }),
    );
  });
});
