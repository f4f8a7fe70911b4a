// Proves each membership invariant of the simulator's checker fires on a forged history and stays quiet on a correct one.
import { describe, expect, it } from "vitest";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import type { Entry } from "../../src/raft/types.js";
import { InvariantChecker, type InvariantName } from "./checker.js";
import { SimDisk, emptyDurableState } from "./disk.js";
import { MembershipChecker, type ReportedConfiguration } from "./membership-checker.js";

const ids = ["n1", "n2", "n3", "n4"].map(asNodeId);
const [n1, n2, n3, n4] = ids as [NodeId, NodeId, NodeId, NodeId];

function setup() {
  const disks = new Map(
    ids.map((id) => [id, new SimDisk(emptyDurableState({ voters: [n1, n2, n3], learners: [] }))]),
  );
  const raft = new InvariantChecker(ids, (id) => disks.get(id)!);
  const members = new MembershipChecker(raft, (id) => disks.get(id)!);
  const invariants = (): InvariantName[] => raft.violations.map((v) => v.invariant);
  return { disks, members, invariants };
}

function conf(
  configIndex: number,
  voters: NodeId[],
  over: Partial<ReportedConfiguration> = {},
): ReportedConfiguration {
  return { configIndex, changeInFlight: false, voters, learners: [], removed: [], ...over };
}

const configEntry = (index: number, term: number, voters: NodeId[]): Entry => ({
  index,
  term,
  type: "Config",
  data: new Uint8Array(0),
  config: { voters, learners: [] },
});

const noOp = (index: number, term: number): Entry => ({
  index,
  term,
  type: "NoOp",
  data: new Uint8Array(0),
});

describe("MembershipChecker", () => {
  it("stays quiet on a correct history: add, promote, remove, and the removed node stops", () => {
    const { members, invariants } = setup();
    for (const id of [n1, n2, n3]) members.observeConfiguration(id, conf(0, [n1, n2, n3]));
    members.observeConfiguration(n4, conf(0, []));
    const added = conf(5, [n1, n2, n3], { learners: [n4] });
    const promoted = conf(7, [n1, n2, n3, n4]);
    const removed = conf(9, [n1, n2, n4], { removed: [n3] });
    for (const id of ids) {
      members.observeConfiguration(id, { ...added, changeInFlight: true });
      members.observeConfiguration(id, added);
      members.observeConfiguration(id, promoted);
      members.observeConfiguration(id, removed);
    }
    members.removedAnnounced(n3);
    members.checkRemovedStops(n3, false);
    members.checkRemovedStops(n1, true);
    expect(members.isRemoved(n3)).toBe(true);
    expect(members.isRemoved(n1)).toBe(false);
    expect(invariants()).toEqual([]);
  });

  it("reports two nodes committing different configurations at one index", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n1, conf(5, [n1, n2, n3], { learners: [n4] }));
    members.observeConfiguration(n2, conf(5, [n1, n2, n3, n4]));
    expect(invariants()).toEqual(["configuration-agreement"]);
  });

  it("reports a removed id that is a member of a later committed configuration", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n1, conf(9, [n1, n2, n4], { removed: [n3] }));
    members.observeConfiguration(n1, conf(12, [n1, n2, n4], { learners: [n3], removed: [n3] }));
    expect(invariants()).toEqual(["removed-id-reused"]);
  });

  it("reports a later configuration that forgot a removal, whichever was reported first", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n2, conf(12, [n1, n2, n4]));
    members.observeConfiguration(n1, conf(9, [n1, n2, n4], { removed: [n3] }));
    expect(invariants()).toEqual(["removed-id-reused"]);
  });

  it("reports a configuration without voters, committed or not", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n4, conf(0, []));
    expect(invariants()).toEqual([]);
    members.observeConfiguration(n1, conf(6, [], { changeInFlight: true, learners: [n4] }));
    expect(invariants()).toEqual(["no-voters"]);
  });

  it("reports a leader whose log holds two uncommitted Config entries", () => {
    const { disks, members, invariants } = setup();
    const disk = disks.get(n1)!;
    disk.write({ kind: "entries", entries: [noOp(1, 1), configEntry(2, 1, [n1, n2, n3, n4])] });
    disk.sync();
    members.observeLeaderLog(n1, 1);
    expect(invariants()).toEqual([]);
    disk.write({ kind: "entries", entries: [configEntry(3, 1, [n1, n2, n4])] });
    disk.sync();
    members.observeLeaderLog(n1, 2);
    expect(invariants()).toEqual([]);
    members.observeLeaderLog(n1, 1);
    expect(invariants()).toEqual(["config-changes-in-flight"]);
  });

  it("reports a node that committed its own removal and did not announce it", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n3, conf(9, [n1, n2], { removed: [n3] }));
    members.checkRemovedStops(n3, false);
    expect(invariants()).toEqual(["removed-node-stops"]);
  });

  it("reports a removed node that still accepts requests after announcing its removal", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n3, conf(9, [n1, n2], { removed: [n3] }));
    members.removedAnnounced(n3);
    members.checkRemovedStops(n3, true);
    expect(invariants()).toEqual(["removed-node-stops"]);
  });

  it("reports a node announcing a removal it has not committed", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n3, conf(9, [n1, n2], { removed: [n3], changeInFlight: true }));
    members.removedAnnounced(n3);
    expect(invariants()).toEqual(["removed-node-stops"]);
  });

  it("forgets what a life owed when the node restarts", () => {
    const { members, invariants } = setup();
    members.observeConfiguration(n3, conf(9, [n1, n2], { removed: [n3] }));
    members.removedAnnounced(n3);
    members.lifeBegan(n3);
    members.checkRemovedStops(n3, true);
    expect(invariants()).toEqual([]);
  });
});
