// Proves membership changes on real coordinator nodes in one process (LevelDB stores, the fake
// network): a joining node is added as a learner, catches up and is promoted; a removed member
// stops itself and can never start again; a lagging learner's promotion and a removal that would
// leave no live majority are refused; removing the leader hands leadership over first. The
// transport is relinked after every change (docs/MEMBERSHIP.md).
import { afterEach, describe, expect, it } from "vitest";
import { NodeConfigError } from "../../src/node/config.js";
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import type { MembershipView } from "../../src/node/service.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { TestCluster, rejection, waitFor } from "./harness.js";

let cluster: TestCluster | undefined;

afterEach(async () => {
  await cluster?.destroy();
  cluster = undefined;
});

const n4 = asNodeId("n4");

function addressOf(id: NodeId): string {
  return new URL(TestCluster.urlOf(id)).host;
}

async function createPlans(leader: CoordinatorNode, count: number, prefix = "plan"): Promise<void> {
  for (let i = 0; i < count; i++) {
    const result = await leader.propose({
      type: "CreatePlan",
      planId: `${prefix}-${i}`,
      minId: 1,
      maxId: 1_000,
      partitionSize: 100,
    });
    expect(result.status).toBe("ok");
  }
}

function roles(view: MembershipView): string[] {
  return view.members.map((member) => `${member.id}:${member.role}`);
}

describe("membership changes on running nodes", () => {
  it("adds a joining node as a learner, promotes it once caught up, and a removed voter stops for good", async () => {
    const c = (cluster = await TestCluster.start());
    const leader = await c.leader();
    await createPlans(leader, 5);
    const joiner = await c.join(n4);
    expect(joiner.members().members).toEqual([]);
    expect(joiner.raftStatus().role).toBe("Follower");

    const added = await leader.addMember(n4, addressOf(n4));
    expect(roles(added)).toEqual(["n1:voter", "n2:voter", "n3:voter", "n4:learner"]);
    expect(added.changeInFlight).toBe(false);
    expect(added.members.find((m) => m.id === n4)?.address).toBe(addressOf(n4));
    expect(c.network.linked.get(leader.nodeId)?.has(n4)).toBe(true);

    await waitFor("n4 caught up", () => joiner.appliedIndex() >= leader.appliedIndex());
    expect(roles(joiner.members())).toEqual(roles(added));
    const caughtUp = await waitFor("the leader sees n4 caught up", () =>
      leader.members().members.find((m) => m.id === n4 && m.caughtUp === true),
    );
    expect(caughtUp.entriesBehind).toBeLessThanOrEqual(added.caughtUpEntriesMax);

    const promoted = await leader.promoteMember(n4);
    expect(roles(promoted)).toEqual(["n1:voter", "n2:voter", "n3:voter", "n4:voter"]);

    // Remove a follower; it learns of its removal, stops, and its id is never reused.
    const victim = [...c.nodes.values()].find(
      (node) => node.nodeId !== leader.nodeId && node.nodeId !== n4,
    )!;
    const stopped = new Promise<number>((resolve) =>
      victim.events.on("removed", ({ configIndex }) => resolve(configIndex)),
    );
    const removed = await leader.removeMember(victim.nodeId);
    expect(removed.removed).toEqual([victim.nodeId]);
    expect(removed.members.map((m) => m.id)).not.toContain(victim.nodeId);
    expect(await stopped).toBe(removed.configIndex);
    await waitFor("the removed node stopped", () => !victim.isReady());
    await c.stopNode(victim.nodeId);
    await waitFor("the leader dropped its link", () =>
      c.network.linked.get(leader.nodeId)?.has(victim.nodeId) === false ? true : undefined,
    );
    expect(
      await rejection(leader.addMember(victim.nodeId, addressOf(victim.nodeId))),
    ).toMatchObject({ code: "node_id_reused" });
    await expect(c.startNode(victim.nodeId)).rejects.toThrow(NodeConfigError);

    // The three voters left still commit, and every node agrees on the configuration.
    await createPlans(leader, 3, "after");
    const hashes = await c.converged(leader.appliedIndex());
    expect(new Set(hashes).size).toBe(1);
    for (const node of c.nodes.values()) expect(roles(node.members())).toEqual(roles(removed));
  });

  it("refuses to promote a learner that lags, until it has caught up", async () => {
    const c = (cluster = await TestCluster.start());
    const leader = await c.leader();
    await c.join(n4);
    c.network.setLink(leader.nodeId, n4, false);
    await leader.addMember(n4, addressOf(n4));
    await createPlans(leader, 120);
    const refused = await rejection(leader.promoteMember(n4));
    expect(refused.code).toBe("learner_not_caught_up");
    expect(refused.details.entriesBehind).toBeGreaterThan(
      refused.details.caughtUpEntriesMax as number,
    );
    expect(roles(leader.members())).toContain("n4:learner");

    c.network.setLink(leader.nodeId, n4, true);
    await waitFor("n4 caught up", () =>
      leader.members().members.some((m) => m.id === n4 && m.caughtUp === true),
    );
    expect(roles(await leader.promoteMember(n4))).toContain("n4:voter");
  });

  it("refuses a removal that leaves no live majority unless forced, and forced it commits once a voter returns", async () => {
    const c = (cluster = await TestCluster.start());
    const leader = await c.leader();
    const [down, target] = c.others(leader.nodeId).map((node) => node.nodeId);
    await c.stopNode(down!);
    // A voter counts as live while the leader heard from it within an election timeout (200 ms).
    await waitFor("the stopped voter is silent for more than an election timeout", () => {
      const peer = leader.raftStatus().peers.find((p) => p.id === down);
      return peer !== undefined && (peer.lastContactMs ?? 0) > 300;
    });
    const refused = await rejection(leader.removeMember(target!));
    expect(refused.code).toBe("no_live_quorum");
    expect(refused.details).toMatchObject({ votersAfter: 2, liveVoters: 1 });
    expect(refused.message).toContain(`([${leader.nodeId}])`);
    expect(roles(leader.members())).toContain(`${target}:voter`);

    const forced = leader.removeMember(target!, { force: true });
    await waitFor("the forced change is appended", () => leader.members().changeInFlight);
    await c.startNode(down!);
    const view = await forced;
    expect(view.members.map((m) => m.id)).not.toContain(target);
    expect(view.changeInFlight).toBe(false);
  });

  it("removing the leader hands leadership over first; the new leader removes it", async () => {
    const c = (cluster = await TestCluster.start());
    const leader = await c.leader();
    const moved = await rejection(leader.removeMember(leader.nodeId));
    expect(moved.code).toBe("not_leader");
    const next = await c.leader([leader.nodeId]);
    expect(moved.details.leaderId).toBe(next.nodeId);
    expect(moved.details.leaderUrl).toBe(TestCluster.urlOf(next.nodeId));

    const view = await next.removeMember(leader.nodeId);
    expect(view.removed).toEqual([leader.nodeId]);
    expect(view.members.filter((m) => m.role === "voter")).toHaveLength(2);
    await waitFor("the old leader stopped", () => !leader.isReady());
    await createPlans(next, 2);
    expect(next.raftStatus().membership.voters).toHaveLength(2);
  });

  it("answers not_leader on a follower, naming the leader", async () => {
    const c = (cluster = await TestCluster.start());
    const leader = await c.leader();
    const follower = c.others(leader.nodeId)[0]!;
    const error = await rejection(follower.addMember(n4, addressOf(n4)));
    expect(error.code).toBe("not_leader");
    expect(error.details.leaderId).toBe(leader.nodeId);
    expect(follower.members().leaderId).toBe(leader.nodeId);
    expect(follower.members().members.every((m) => m.matchIndex === null)).toBe(true);
  });
});
