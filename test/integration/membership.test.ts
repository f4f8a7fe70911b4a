// Proves membership changes on a cluster of real processes while it works (docs/RUNBOOKS.md):
// a worker processes a plan; a follower is killed with SIGKILL and its data directory wiped; a
// new node joins (`--join`) and `member replace` (the CLI) puts it in the dead node's place; the
// cluster grows to five voters and shrinks back to three, the leader among the removed; the plan
// completes with every partition done, every node reports the same membership, and the removed
// nodes exit with status 0.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliInvocation, startDevCluster, type DevCluster } from "../../src/cli/dev-cluster.js";
import { createClient, type CoordinatorClient } from "../../src/worker/client.js";
import { createWorker, type Worker } from "../../src/worker/worker.js";
import { waitFor } from "../node/harness.js";

type Membership = Awaited<ReturnType<CoordinatorClient["listMembers"]>>;

/** Short timings: elections after 200–400 ms, snapshots every 200 entries. */
const TIMINGS = {
  tickIntervalMs: 20,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 2,
  proposalTimeoutMs: 5_000,
  snapshotEveryEntries: 200,
  snapshotLogTailEntries: 50,
  leaderChangeLeaseGraceMs: 400,
  leadershipTransferTimeoutMs: 3_000,
  stopDrainTimeoutMs: 1_000,
};
const PARTITIONS = 300;

let root: string;
let cluster: DevCluster;
let client: CoordinatorClient;
let worker: Worker | undefined;
/** Nodes that exited without being asked to (a removed node stops by itself). */
const exits = new Map<string, number | null>();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-membership-"));
  cluster = await startDevCluster({
    basePort: 0,
    dataDir: root,
    timings: TIMINGS,
    readyTimeoutMs: 60_000,
    stopGraceMs: 5_000,
    onUnexpectedExit: (id, exit) => exits.set(id, exit.code),
  });
  client = createClient({ endpoints: cluster.endpoints, retryDeadlineMs: 30_000 });
}, 90_000);

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 1_000 });
  await client?.close();
  await cluster?.stop();
  await rm(root, { recursive: true, force: true });
});

function runCli(args: readonly string[]) {
  const { execPath, args: prefix } = cliInvocation();
  const running = cluster.nodes.filter((node) => node.pid !== null).map((node) => node.url);
  const child = spawn(execPath, [...prefix, ...args], {
    env: { ...process.env, ELK_ENDPOINTS: running.join(",") },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, output })),
  );
}

function addressOf(url: string): string {
  return new URL(url).host;
}

/** The membership as each running node answers it. */
async function views(): Promise<Membership[]> {
  const running = cluster.nodes.filter((node) => node.pid !== null);
  return Promise.all(
    running.map((node) => client.listMembers({ endpoint: node.url, retryDeadlineMs: 0 })),
  );
}

function voters(view: Membership): string[] {
  return view.members.filter((m) => m.role === "voter").map((m) => m.id);
}

/** Adds `id` as a learner and promotes it once caught up (refusals while it lags are retried). */
async function addVoter(id: string): Promise<void> {
  const node = await cluster.join(id);
  await client.addMember({ id, address: addressOf(node.url) });
  await waitFor(
    `${id} promoted`,
    async () => {
      try {
        await client.promoteMember(id, { retryDeadlineMs: 0 });
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === "learner_not_caught_up") return undefined;
        throw error;
      }
    },
    60_000,
  );
}

describe("membership changes on real processes", () => {
  it("replaces a wiped follower, grows to five and shrinks to three while a plan completes", async () => {
    await client.createPlan({ planId: "p", minId: 1, maxId: PARTITIONS * 10, partitionSize: 10 });
    worker = createWorker({
      endpoints: cluster.endpoints,
      workerId: "w1",
      windowSize: 2,
      processor: {
        process: (task) =>
          new Promise((resolve) =>
            setTimeout(() => resolve({ processedCount: task.maxId - task.minId + 1 }), 150),
          ),
      },
    });
    await worker.start();

    // A follower dies with its disk.
    const leader = await cluster.waitForLeader();
    const dead = cluster.nodes.find((node) => node.id !== leader.leaderId)!;
    await cluster.kill(dead.id, "SIGKILL");
    await rm(dead.dataDir, { recursive: true, force: true });

    // n4 joins and takes its place through the CLI.
    const n4 = await cluster.join("n4");
    const replaced = await runCli([
      ...["member", "replace", "--old", dead.id, "--new", "n4"],
      ...["--address", addressOf(n4.url), "--timeout-ms", "120000"],
    ]);
    expect(replaced.code, replaced.output).toBe(0);
    // The plan takes ~22 s of work (300 partitions × 150 ms, two at a time): still under way.
    expect((await client.getPlan("p")).status).toBe("active");
    let view = await client.listMembers();
    const firstVoters = ["n1", "n2", "n3"];
    expect(voters(view).sort()).toEqual([...firstVoters.filter((id) => id !== dead.id), "n4"]);
    expect(view.removed).toEqual([dead.id]);

    // Grow to five voters.
    await addVoter("n5");
    await addVoter("n6");
    view = await client.listMembers();
    expect(voters(view)).toHaveLength(5);

    // Shrink back to three: a joined follower, then the leader (it hands leadership over first).
    // One of the first voters survives, so the worker, which knows only their URLs, keeps going.
    const before = await cluster.waitForLeader();
    const follower = ["n5", "n6"].find((id) => id !== before.leaderId)!;
    await client.removeMember(follower);
    await client.removeMember(before.leaderId);
    const after = await cluster.waitForLeader();
    expect(after.leaderId).not.toBe(before.leaderId);

    // The plan completes, each partition once.
    const plan = await waitFor(
      "the plan completed",
      async () => {
        const current = await client.getPlan("p");
        return current.status === "completed" ? current : undefined;
      },
      120_000,
    );
    expect(plan.counts.completed).toBe(PARTITIONS);
    expect(plan.counts.failed).toBe(0);

    // Every running member reports the same three voters; the removed exited with status 0.
    const final = await waitFor(
      "every node reports the same configuration",
      async () => {
        const all = await views();
        const members = all.filter((v) => voters(v).includes(v.nodeId));
        const same = members.every(
          (v) => v.configIndex === members[0]?.configIndex && !v.changeInFlight,
        );
        return members.length === 3 && same ? members : undefined;
      },
      30_000,
    );
    expect(voters(final[0]!)).toHaveLength(3);
    expect([...final[0]!.removed].sort()).toEqual([dead.id, follower, before.leaderId].sort());
    // A removed node that learns its removal committed stops and exits with status 0; the leader
    // stops replicating to it at that commit, so it may not learn it and idle instead
    // (docs/MEMBERSHIP.md §11). Either way it is no member, and it never exits with a failure.
    for (const id of [follower, before.leaderId]) {
      if (exits.has(id)) expect(exits.get(id), `${id}'s exit status`).toBe(0);
      expect(final.some((v) => v.members.some((m) => m.id === id))).toBe(false);
    }
    expect(exits.has(dead.id)).toBe(false);
  }, 360_000);
});
