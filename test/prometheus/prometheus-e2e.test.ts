// Proves the observability stack end to end against a REAL Prometheus (Debian's binary)
// scraping a live 3-node cluster and a worker process every second: each node is its own `up`
// series, exactly one node leads, the processed counter rises, every PromQL expression of every
// dashboard panel and every alert rule evaluates without error (and each panel returns data,
// except those that are empty in a healthy cluster by design), the rules load healthy, and
// after a kill -9 of the leader Prometheus sees another node lead.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DASHBOARDS } from "../../grafana/dashboards.js";
import { startDevCluster, type DevCluster } from "../../src/cli/dev-cluster.js";
import { createClient, type CoordinatorClient } from "../../src/worker/client.js";
import { WorkerProcesses } from "../../examples/cities/worker-processes.js";
import { requireBinary } from "./binaries.js";

const dir = mkdtempSync(path.join(tmpdir(), "elk-prometheus-e2e-"));
let cluster: DevCluster | undefined;
let workers: WorkerProcesses | undefined;
let prometheus: ChildProcess | undefined;
let client: CoordinatorClient | undefined;
let promUrl = "";

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An instant query; throws with Prometheus's error when it does not evaluate. */
async function query(expr: string): Promise<Sample[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: Sample[] | [number, string] };
  };
  if (body.status !== "success") throw new Error(`${expr}: ${body.error ?? response.status}`);
  const { data } = body;
  if (data?.resultType === "scalar")
    return [{ metric: {}, value: data.result as [number, string] }];
  return data?.result as Sample[];
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes. */
async function until<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = undefined;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${String(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function alertExprs(): { name: string; expr: string }[] {
  const text = readFileSync(path.resolve("prometheus", "alerts.yml"), "utf8");
  return [...text.matchAll(/- alert: (\w+)\n\s+expr: (>-\n((?:\s{10}.*\n)+)|(.*)\n)/g)].map(
    (m) => ({
      name: m[1]!,
      expr: (m[3] ?? m[4] ?? "").replace(/\s*\n\s*/g, " ").trim(),
    }),
  );
}

/** A real Prometheus on a free 127.0.0.1 port scraping the targets every second, with the rules. */
async function startPrometheus(
  binary: string,
  nodeTargets: readonly string[],
  workerTargets: readonly string[],
): Promise<{ process: ChildProcess; url: string }> {
  const port = await freePort();
  const list = (targets: readonly string[]) => targets.map((t) => `"${t}"`).join(", ");
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global: { scrape_interval: 1s, evaluation_interval: 1s }",
      `rule_files: ["${path.resolve("prometheus", "alerts.yml")}"]`,
      "scrape_configs:",
      `  - { job_name: elk-nodes, static_configs: [{ targets: [${list(nodeTargets)}] }] }`,
      `  - { job_name: elk-workers, static_configs: [{ targets: [${list(workerTargets)}] }] }`,
      "",
    ].join("\n"),
  );
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const url = `http://127.0.0.1:${port}`;
  await until("Prometheus to be ready", async () =>
    (await fetch(`${url}/-/ready`).catch(() => null))?.ok === true ? true : undefined,
  );
  return { process: child, url };
}

beforeAll(async () => {
  const binary = requireBinary("prometheus", "prometheus");
  cluster = await startDevCluster({ nodes: 3, basePort: 0, dataDir: path.join(dir, "cluster") });
  const workerMetricsPort = await freePort();
  mkdirSync(path.join(dir, "workers"));
  workers = new WorkerProcesses({
    endpoints: cluster.endpoints,
    processorModule: path.resolve("examples", "steady", "processor.js"),
    logDir: path.join(dir, "workers"),
    windowSize: 4,
  });
  workers.start("w1", ["--metrics-listen", `127.0.0.1:${workerMetricsPort}`]);
  client = createClient({ endpoints: cluster.endpoints });
  // ~400 s of work for one window of 4: the plan is still running when the test ends.
  await client.createPlan({
    planId: "e2e",
    name: "e2e",
    minId: 1,
    maxId: 400_000,
    partitionSize: 1_000,
    options: { msPerId: 4, failEvery: 7 },
  });
  const nodeTargets = cluster.nodes.map((node) => `127.0.0.1:${node.port}`);
  ({ process: prometheus, url: promUrl } = await startPrometheus(binary, nodeTargets, [
    `127.0.0.1:${workerMetricsPort}`,
  ]));
}, 60_000);

afterAll(async () => {
  prometheus?.kill("SIGKILL");
  await client?.close();
  await workers?.stopAll(2_000);
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every panel of every dashboard, with its dashboard's uid. */
const PANELS = DASHBOARDS.flatMap((d) => d.panels.map((panel) => ({ dashboard: d.uid, panel })));

/** The panels (as dashboard/title) whose queries all return no rows right now. */
async function panelsWithoutData(): Promise<string[]> {
  const missing: string[] = [];
  for (const { dashboard, panel } of PANELS) {
    let rows = 0;
    for (const target of panel.targets) rows += (await query(target.expr)).length;
    if (rows === 0 && panel.emptyWhenHealthy === undefined)
      missing.push(`${dashboard}/${panel.title}`);
  }
  return missing;
}

describe("a real Prometheus scraping a live cluster", () => {
  it(
    "sees each node as its own series, one leader and a rising processed counter",
    { timeout: 60_000 },
    async () => {
      const up = await until("three nodes and the worker up", async () => {
        const samples = await query('up{job=~"elk-nodes|elk-workers"} == 1');
        return samples.length === 4 ? samples : undefined;
      });
      const nodes = up
        .filter((s) => s.metric["job"] === "elk-nodes")
        .map((s) => s.metric["instance"]);
      expect(nodes.sort()).toEqual(cluster!.nodes.map((node) => `127.0.0.1:${node.port}`).sort());
      const leaders = await until("one leader", async () => {
        const samples = await query("elk_coordinator_is_leader == 1");
        return samples.length === 1 ? samples : undefined;
      });
      expect(leaders).toHaveLength(1);
      const processed = async () =>
        Number(
          (await query("sum(elk_coordinator_node_tasks_processed_total)"))[0]?.value[1] ?? NaN,
        );
      const first = await until("a first completed partition", async () =>
        (await processed()) > 0 ? processed() : undefined,
      );
      const later = await until("the processed counter to rise", async () => {
        const now = await processed();
        return now > first ? now : undefined;
      });
      expect(later).toBeGreaterThan(first);
    },
  );

  it(
    "evaluates every dashboard panel's PromQL, each with data unless empty by design",
    { timeout: 60_000 },
    async () => {
      const missing = await until("every panel that should have data to have it", async () => {
        const now = await panelsWithoutData();
        return now.length === 0 ? now : undefined;
      });
      expect(missing).toEqual([]);
      // Panels empty by design still evaluate (query() throws on an error).
      const byDesign = PANELS.filter(({ panel }) => panel.emptyWhenHealthy !== undefined);
      expect(byDesign.map(({ panel }) => panel.title)).toEqual(["Redis mirror lag", "ETA"]);
      for (const { panel } of byDesign)
        for (const target of panel.targets) await query(target.expr);
      // Here a plan is progressing, so its ETA has data too.
      const eta = byDesign.find(({ panel }) => panel.title === "ETA")!.panel.targets[0]!.expr;
      const etaRows = await until("the running plan's ETA", async () => {
        const rows = await query(eta);
        return rows.length > 0 ? rows : undefined;
      });
      expect(etaRows.map((row) => row.metric["plan"])).toEqual(["e2e"]);
    },
  );

  it("evaluates every alert rule, loads them healthy, and fires no critical alert", async () => {
    const alerts = alertExprs();
    expect(alerts).toHaveLength(11);
    for (const { expr } of alerts) await query(expr);
    const rules = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    const health = rules.data.groups.flatMap((g) => g.rules.map((r) => `${r.name}:${r.health}`));
    expect(health).toHaveLength(11);
    expect(health.filter((h) => !h.endsWith(":ok"))).toEqual([]);
    expect(await query('ALERTS{alertstate="firing",severity="critical"}')).toEqual([]);
  });

  it("sees the leader change after kill -9 of the leader", { timeout: 60_000 }, async () => {
    const old = (await query("elk_coordinator_is_leader == 1"))[0]!.metric["node_id"]!;
    await cluster!.kill(old, "SIGKILL");
    const next = await until("another node to lead", async () => {
      const samples = await query("elk_coordinator_is_leader == 1");
      const ids = samples.map((s) => s.metric["node_id"]);
      return ids.length === 1 && ids[0] !== old ? ids[0] : undefined;
    });
    expect(next).not.toBe(old);
    const down = await query('up{job="elk-nodes"} == 0');
    expect(down).toHaveLength(1);
    const changes = await query(`changes(elk_coordinator_is_leader{node_id="${next!}"}[5m])`);
    expect(Number(changes[0]?.value[1])).toBeGreaterThanOrEqual(1);
  });
});
