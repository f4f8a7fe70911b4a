// Proves committed entries reach the state machine in log order with NoOps and Config entries
// skipped, each result answers the proposal at its index, undecodable entries become the same invalid_request result
// on every node, stale fencing tokens are reported, and a leader's snapshot replaces the state.
import { NO_FAULTS } from "../../src/node/faults.js";
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Applier } from "../../src/node/applier.js";
import { NodeEvents, type NodeEventMap } from "../../src/node/events.js";
import { Pending } from "../../src/node/pending.js";
import { ProposalTracker } from "../../src/node/proposals.js";
import type { Entry } from "../../src/raft/types.js";
import {
  encodeSnapshot,
  getPlan,
  stateHash,
  type ApplyResult,
  type Command,
} from "../../src/state-machine/index.js";
import { asNodeId } from "../../src/util/ids.js";
import { encodeCommand } from "../../src/wire/command-codec.js";

function normal(index: number, command: Command, term = 1): Entry {
  return { index, term, type: "Normal", data: encodeCommand({ proposedAtMs: 1_000, command }) };
}

function setup() {
  const proposals = new ProposalTracker();
  const events = new NodeEvents((_, error) => {
    throw error;
  });
  const applied: NodeEventMap["applied"][] = [];
  const fenced: NodeEventMap["fenced"][] = [];
  events.on("applied", (e) => applied.push(e));
  events.on("fenced", (e) => fenced.push(e));
  const applier = new Applier(null, proposals, events, NO_FAULTS);
  return { applier, proposals, applied, fenced };
}

const plan: Command = { type: "CreatePlan", planId: "a", minId: 1, maxId: 100, partitionSize: 10 };

describe("Applier", () => {
  it("applies Normal entries in order, skips NoOps and answers the proposal at each index", async () => {
    const { applier, proposals, applied } = setup();
    const pending = new Pending<ApplyResult>(
      REAL_TIMERS,
      5_000,
      () => new CoordinatorError("proposal_timeout"),
    );
    proposals.track(2, 1, pending);
    const noOpTerm = applier.applyEntries([
      { index: 1, term: 1, type: "NoOp", data: new Uint8Array(0) },
      normal(2, plan),
    ]);
    expect(noOpTerm).toBe(1);
    expect(applier.appliedIndex).toBe(2);
    expect((await pending.promise).status).toBe("ok");
    expect(applied.map((e) => [e.index, e.result.status])).toEqual([[2, "ok"]]);
    expect(getPlan(applier.state, "a")?.partitionCount).toBe(10);
    expect(() => applier.applyEntries([normal(4, plan)])).toThrow(/does not follow/);
  });

  it("passes Config entries by: the configuration is Raft's, never a coordinator command", () => {
    const { applier, applied } = setup();
    const before = stateHash(applier.state);
    const config = { voters: [asNodeId("n1")], learners: [asNodeId("n2")] };
    applier.applyEntries([{ index: 1, term: 1, type: "Config", data: new Uint8Array(0), config }]);
    expect(applier.appliedIndex).toBe(1);
    expect(applied).toEqual([]);
    expect(stateHash(applier.state)).toBe(before);
  });

  it("turns an undecodable entry into an invalid_request result that changes nothing", () => {
    const { applier, applied } = setup();
    const before = stateHash(applier.state);
    applier.applyEntries([{ index: 1, term: 1, type: "Normal", data: new Uint8Array([0xc1]) }]);
    expect(applier.appliedIndex).toBe(1);
    expect(stateHash(applier.state)).toBe(before);
    expect(applied[0]!.envelope).toBeNull();
    expect(applied[0]!.result.status).toBe("invalid_request");
  });

  it("reports a report refused for a stale fencing token", () => {
    const { applier, fenced } = setup();
    applier.applyEntries([
      normal(1, plan),
      normal(2, { type: "RegisterWorker", workerId: "w" }),
      normal(3, { type: "AcquirePartitions", workerId: "w", max: 1 }),
      normal(4, {
        type: "ReleasePartition",
        planId: "a",
        partitionId: 0,
        workerId: "w",
        fencingToken: 3,
      }),
      normal(5, { type: "AcquirePartitions", workerId: "w", max: 1 }),
      normal(6, {
        type: "CompletePartition",
        planId: "a",
        partitionId: 0,
        workerId: "w",
        fencingToken: 3,
      }),
    ]);
    expect(fenced).toEqual([{ index: 6, commandType: "CompletePartition" }]);
  });

  it("installs a snapshot from the leader, failing the proposals it jumps over", async () => {
    const leader = setup().applier;
    leader.applyEntries([normal(1, plan), normal(2, { type: "RegisterWorker", workerId: "w" })]);
    const { applier, proposals } = setup();
    const pending = new Pending<ApplyResult>(
      REAL_TIMERS,
      5_000,
      () => new CoordinatorError("proposal_timeout"),
    );
    proposals.track(2, 1, pending);
    const confState = { voters: [asNodeId("n1")], learners: [] };
    applier.install({
      metadata: { index: 2, term: 1, confState },
      data: encodeSnapshot(leader.state),
    });
    expect(applier.appliedIndex).toBe(2);
    expect(stateHash(applier.state)).toBe(stateHash(leader.state));
    await expect(pending.promise).rejects.toThrow(/unknown/);
    const restarted = new Applier(
      { metadata: { index: 2, term: 1, confState }, data: encodeSnapshot(leader.state) },
      new ProposalTracker(),
      new NodeEvents(() => undefined),
      NO_FAULTS,
    );
    expect(restarted.appliedIndex).toBe(2);
    expect(stateHash(restarted.state)).toBe(stateHash(leader.state));
  });
});
