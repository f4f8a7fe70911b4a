// Proves a three-node cluster of real processes on 127.0.0.1: it elects a
// leader; a plan submitted to a follower is forwarded and read linearizably on every node; bad
// input on every endpoint is a 4xx problem+json, never a 5xx, and the node keeps running; the
// CLI works against it; after kill -9 of the leader a new one is elected with the plan intact
// and the old one, restarted, converges to the same state hash; a follower that missed more
// than a snapshot's worth catches up through InstallSnapshot; a second node on a data
// directory in use is refused; killing all three and restarting keeps the state; SIGTERM stops
// every node cleanly (exit 0).
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { cliInvocation, startDevCluster, type DevCluster } from "../../src/cli/dev-cluster.js";
import { createClient, type CoordinatorClient } from "../../src/worker/client.js";
import { waitFor } from "../node/harness.js";

/** Short timings (elections after 200–400 ms) and a small snapshot span, to see InstallSnapshot. */
const TIMINGS = {
  tickIntervalMs: 20,
  electionTimeoutTicks: 10,
  heartbeatIntervalTicks: 2,
  proposalTimeoutMs: 3_000,
  snapshotEveryEntries: 100,
  snapshotLogTailEntries: 20,
  leaderChangeLeaseGraceMs: 400,
  leadershipTransferTimeoutMs: 2_000,
  stopDrainTimeoutMs: 1_000,
};

let root: string;
let cluster: DevCluster;
let client: CoordinatorClient;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-integration-"));
  // The nodes take their settings from the options only: a token in our environment would
  // make them refuse the unauthenticated status polls, and the start would fail.
  vi.stubEnv("ELK_API_TOKEN", "a-token-the-nodes-must-not-see");
  cluster = await startDevCluster({
    basePort: 0,
    dataDir: root,
    timings: TIMINGS,
    readyTimeoutMs: 30_000,
    stopGraceMs: 5_000,
  });
  vi.unstubAllEnvs();
  client = createClient({ endpoints: cluster.endpoints, retryDeadlineMs: 15_000 });
});

afterAll(async () => {
  await client?.close();
  if (cluster !== undefined) {
    const pids = cluster.nodes.flatMap((node) => (node.pid === null ? [] : [node.pid]));
    await cluster.stop();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  }
  await rm(root, { recursive: true, force: true });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const status = (url: string, hash = false) =>
  client.raftStatus(hash ? { hash: true } : {}, { endpoint: url, retryDeadlineMs: 0 });

/** Every running node has applied the same index and holds the same state hash. */
async function converged(): Promise<string | false> {
  const running = cluster.nodes.filter((node) => node.pid !== null);
  const statuses = await Promise.all(running.map((node) => status(node.url, true))).catch(
    () => null,
  );
  if (statuses === null) return false;
  const hashes = new Set(statuses.map((s) => `${s.lastApplied}/${s.stateHash}`));
  return hashes.size === 1 ? [...hashes][0]! : false;
}

/** What a failed catch-up test needs to be understood: statuses and the nodes' logs. */
async function clusterContext(before: unknown): Promise<string> {
  const parts = [`victim before: ${JSON.stringify(before)}`];
  for (const node of cluster.nodes) {
    const now = await status(node.url).catch((error: unknown) => String(error));
    const log = await readFile(node.logFile!, "utf8");
    parts.push(`${node.id}: ${JSON.stringify(now)}\n${log.split("\n").slice(-60).join("\n")}`);
  }
  return parts.join("\n\n");
}

async function followerOf(leaderId: string) {
  const follower = cluster.nodes.find((node) => node.id !== leaderId && node.pid !== null);
  expect(follower).toBeDefined();
  return follower!;
}

/** Runs the CLI with `args` against the cluster; resolves with its exit code and output. */
function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const { execPath, args: prefix } = cliInvocation();
  const child = spawn(execPath, [...prefix, ...args], {
    env: { ...process.env, ELK_ENDPOINTS: cluster.endpoints.join(","), ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, stdout, stderr })),
  );
}

describe("a three-node cluster of real processes", () => {
  it("elects a leader that every node names", async () => {
    const leader = await cluster.waitForLeader();
    expect(cluster.nodes.map((node) => node.id)).toContain(leader.leaderId);
    for (const node of cluster.nodes) {
      expect((await status(node.url)).leaderId).toBe(leader.leaderId);
    }
  });

  it("forwards a plan submitted to a follower; every node reads it linearizably", async () => {
    const leader = await cluster.waitForLeader();
    const follower = await followerOf(leader.leaderId);
    const body = { planId: "plan-a", minId: 1, maxId: 10_000, partitionSize: 100 };
    const created = await client.createPlan(body, { endpoint: follower.url });
    expect(created).toMatchObject({ planId: "plan-a", partitionCount: 100, created: true });
    for (const node of cluster.nodes) {
      const plan = await client.getPlan("plan-a", {}, { endpoint: node.url });
      expect(plan.partitionCount).toBe(100);
    }
  });

  it("answers bad input on every endpoint with 4xx problem+json, and keeps running", async () => {
    const follower = await followerOf((await cluster.waitForLeader()).leaderId);
    const answers = await badInputAnswers(follower.url);
    expect(answers.length).toBeGreaterThan(60);
    const wrong = answers.filter(
      (answer) =>
        answer.status >= 500 ||
        (answer.status >= 400 && !/application\/problem\+json/.test(answer.contentType)),
    );
    expect(wrong).toEqual([]);
    const malformed = answers.filter((answer) => answer.kind === "malformed JSON");
    expect(malformed.length).toBeGreaterThan(10);
    expect(malformed.every((answer) => answer.status === 400)).toBe(true);
    expect(answers.filter((answer) => answer.kind === "oversized").map((a) => a.status)).toContain(
      413,
    );
    expect(answers.find((answer) => answer.kind === "unknown plan")?.status).toBe(404);
    expect(follower.pid !== null && isAlive(follower.pid)).toBe(true);
    expect((await request(`${follower.url}/healthz`)).statusCode).toBe(200);
  });

  // Each CLI call starts a process that compiles TypeScript (tsx): seconds each on a busy machine.
  it(
    "runs plan submit, plan show, status --json and workers through the CLI",
    { timeout: 120_000 },
    async () => {
      const submit = ["plan", "submit", "--name", "cli plan", "--min", "1", "--max", "5000"];
      const keyed = [...submit, "--partition-size", "500", "--idempotency-key", "k-1", "--json"];
      const meta = { host: "test" };
      await client.registerWorker({ workerId: "cli-worker", meta, leaseTtlMs: 600_000 });
      // Independent runs go in parallel: each CLI process costs a second or two to start.
      const [submitted, first] = await Promise.all([
        runCli([...submit, "--partition-size", "500", "--plan-id", "cli-1"]),
        runCli(keyed),
      ]);
      expect(submitted).toMatchObject({ code: 0, stdout: "plan cli-1 created: 10 partitions\n" });
      const [again, shown, statusJson, workers, missing] = await Promise.all([
        runCli(keyed),
        runCli(["plan", "show", "cli-1"]),
        runCli(["status", "--json"]),
        runCli(["workers"]),
        runCli(["plan", "show", "no-such-plan"]),
      ]);
      expect(JSON.parse(again.stdout)).toEqual({ ...JSON.parse(first.stdout), duplicate: true });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain('plan cli-1  "cli plan"  active');
      expect(shown.stdout).toContain("0/10 partitions");
      expect(statusJson.code).toBe(0);
      const reports = JSON.parse(statusJson.stdout) as { status: { role: string } }[];
      expect(reports.map((report) => report.status.role).sort()).toEqual([
        "Follower",
        "Follower",
        "Leader",
      ]);
      expect(workers.code).toBe(0);
      expect(workers.stdout).toMatch(/cli-worker\s+default\s+active\s+0\/4/);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/error \[not_found\] \(HTTP 404\)/);
    },
  );

  it("elects a new leader after kill -9 of the leader, with the plan intact", async () => {
    const old = await cluster.waitForLeader();
    expect(await cluster.kill(old.leaderId, "SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
    const next = await cluster.waitForLeader();
    expect(next.leaderId).not.toBe(old.leaderId);
    expect(next.term).toBeGreaterThan(old.term);
    for (const node of cluster.nodes.filter((n) => n.pid !== null)) {
      const plan = await client.getPlan("plan-a", {}, { endpoint: node.url });
      expect(plan.partitionCount).toBe(100);
    }
    await client.registerWorker({ workerId: "after-failover" });
    await cluster.restart(old.leaderId);
    await cluster.waitForLeader();
    const hash = await waitFor("the restarted node to converge", converged, 20_000);
    expect(hash).toMatch(/^\d+\/\w+/);
  });

  it("catches up a follower that missed more than a snapshot's worth through InstallSnapshot", async () => {
    const leader = await cluster.waitForLeader();
    const victim = await followerOf(leader.leaderId);
    const before = await status(victim.url);
    await cluster.kill(victim.id, "SIGKILL");
    const logBefore = await readFile(victim.logFile!, "utf8");
    await client.registerWorker({ workerId: "snap-worker" });
    // The leader keeps snapshotLogTailEntries behind its snapshot: once its snapshot is further
    // than that past the victim's log, the entries the victim needs exist only in the snapshot.
    await waitFor(
      "the leader to compact past the victim's log",
      async () => {
        await Promise.all(Array.from({ length: 16 }, () => client.heartbeat("snap-worker", {})));
        const snapshotIndex = (await status(leader.url)).snapshotIndex;
        return snapshotIndex > before.lastLogIndex + TIMINGS.snapshotLogTailEntries + 1;
      },
      30_000,
    );
    await cluster.restart(victim.id);
    await waitFor("the victim to install a snapshot", async () => {
      const after = await status(victim.url);
      return after.snapshotIndex > before.lastLogIndex;
    });
    await waitFor("the victim to converge", converged, 20_000);
    const log = (await readFile(victim.logFile!, "utf8")).slice(logBefore.length);
    const context = log.includes("installed a snapshot") ? "" : await clusterContext(before);
    expect(log, context).toContain("installed a snapshot from the leader");
  });

  it("refuses a second node on a data directory in use, with a clear message", async () => {
    const node = cluster.nodes[0]!;
    const port = node.port + 1_000;
    const second = await runCli(
      ["node", "--id", node.id, "--listen", `127.0.0.1:${port}`, "--data-dir", node.dataDir],
      { ELK_CLUSTER_SECRET: cluster.clusterSecret, ELK_PEERS: `${node.id}=127.0.0.1:${port}` },
    );
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/could not start: raft store in data directory .*n1/);
    expect(second.stdout).toMatch(/in use by another process/);
  });

  it("keeps the state when all three are killed and restarted", async () => {
    const before = await client.listPlans();
    const workersBefore = await client.listWorkers();
    for (const node of cluster.nodes) await cluster.kill(node.id, "SIGKILL");
    await Promise.all(cluster.nodes.map((node) => cluster.restart(node.id)));
    await cluster.waitForLeader();
    expect(await client.listPlans()).toEqual(before);
    const workerIds = (await client.listWorkers()).items.map((worker) => worker.workerId);
    expect(workerIds).toEqual(workersBefore.items.map((worker) => worker.workerId));
    await waitFor("the restarted cluster to converge", converged, 20_000);
  });

  it("stops every node gracefully on SIGTERM (exit 0)", async () => {
    const exits = await cluster.stop();
    expect([...exits.values()]).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  });
});

interface Answer {
  readonly kind: string;
  readonly route: string;
  readonly status: number;
  readonly contentType: string;
}

interface Operation {
  readonly parameters?: readonly {
    readonly in: string;
    readonly name: string;
    readonly schema: { readonly type?: unknown };
  }[];
  readonly requestBody?: unknown;
}

/** Sends bad requests to every route of the node's own OpenAPI document. */
async function badInputAnswers(baseUrl: string): Promise<Answer[]> {
  const doc = (await (await request(`${baseUrl}/openapi.json`)).body.json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const answers: Answer[] = [];
  const send = async (kind: string, method: string, url: string, body?: string, type?: string) => {
    const response = await request(`${baseUrl}${url}`, {
      method: method as "POST",
      ...(body === undefined
        ? {}
        : { body, headers: { "content-type": type ?? "application/json" } }),
    });
    await response.body.text();
    const contentType = String(response.headers["content-type"] ?? "");
    answers.push({ kind, route: `${method} ${url}`, status: response.statusCode, contentType });
  };
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [lower, operation] of Object.entries(methods)) {
      const method = lower.toUpperCase();
      const url = template.replace(/\{([A-Za-z]+)\}/g, (_match, name: string) => {
        const param = operation.parameters?.find((p) => p.in === "path" && p.name === name);
        return param?.schema.type === "integer" ? "0" : "some-id";
      });
      await send("unknown query field", method, `${url}?bogus=1`);
      if (operation.parameters?.some((p) => p.in === "path" && p.schema.type === "integer")) {
        await send("bad path parameter", method, url.replace(/\/0(\/|$)/, "/zero$1"));
      }
      if (method !== "POST") continue;
      await send("malformed JSON", method, url, "{");
      await send("wrong content type", method, url, "{}", "text/plain");
      await send("unknown body field", method, url, JSON.stringify({ bogus: 1 }));
      await send("wrong body type", method, url, "[1,2]");
      await send("oversized", method, url, JSON.stringify({ pad: "x".repeat(1_100_000) }));
    }
  }
  await send("unknown plan", "GET", "/v1/plans/no-such-plan");
  await send("unknown plan", "POST", "/v1/plans/no-such-plan/pause", "{}");
  return answers;
}
