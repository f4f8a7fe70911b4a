// Proves the composition root: one listening port serves the HTTP API (with the metrics source
// and request callback it is given, the node's metrics in its registry) and routes upgrades on the peer path to the transport
// (others get 404); a locked data directory or a taken port fails the start with a clear error
// and leaves nothing open; stop() is idempotent, closes the port and releases the data directory;
// with --redis-url a mirror follows the node into a real Redis and stops with it; a node process
// started with ELK_FAILPOINTS dies at the armed failpoint with 137, like a kill -9.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RequestSample } from "../../src/api/index.js";
import { cliInvocation } from "../../src/cli/dev-cluster.js";
import { resolveServerConfig, type ServerConfig } from "../../src/server/config.js";
import { ListenError, startServer, type RunningServer } from "../../src/server/server.js";
import { RaftStore } from "../../src/storage/raft-store.js";
import { StorageError } from "../../src/storage/storage-error.js";
import { waitFor } from "../node/harness.js";
import { RedisServer } from "../mirror/redis-server.js";

const SECRET = "a cluster secret of 32 characters";
const logger = pino({ level: "silent" });
const fatal: Error[] = [];
const samples: RequestSample[] = [];
const options = {
  logger,
  onFatal: (error: Error) => void fatal.push(error),
  onCrash: (failpoint: string) => void fatal.push(new Error(`crashed at ${failpoint}`)),
  metrics: { contentType: "text/plain", render: async () => "elk_up 1\n" },
  onRequestDone: (sample: RequestSample) => void samples.push(sample),
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function configFor(dataDir: string, port: number): ServerConfig {
  return resolveServerConfig({
    flags: {
      id: "n1",
      listen: `127.0.0.1:${port}`,
      dataDir,
      clusterSecret: SECRET,
      tickIntervalMs: "10",
      electionTimeoutTicks: "10",
    },
    env: {},
  });
}

/** The status line an upgrade request to `urlPath` is answered with. */
function upgradeStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: "127.0.0.1",
      port,
      path: urlPath,
      headers: { Connection: "Upgrade", Upgrade: "websocket" },
    });
    req.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on("upgrade", () => reject(new Error("unexpected upgrade")));
    req.on("error", reject);
    req.end();
  });
}

let root: string;
let dataDir: string;
let port: number;
let server: RunningServer;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-server-"));
  dataDir = path.join(root, "n1");
  port = await freePort();
  server = await startServer(configFor(dataDir, port), options);
});

afterAll(async () => {
  await server.stop();
  await rm(root, { recursive: true, force: true });
});

describe("a started server", () => {
  it("serves the API on its port, answers writes once it leads, and reports its URL", async () => {
    expect(server.url).toBe(`http://127.0.0.1:${port}`);
    const health = await request(`${server.url}/healthz`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.json()).toEqual({ status: "ok", nodeId: "n1" });
    for (let attempt = 0; !server.service.isReady(); attempt++) {
      expect(attempt).toBeLessThan(400);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const created = await request(`${server.url}/v1/plans`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ minId: 1, maxId: 100, partitionSize: 10 }),
    });
    expect(created.statusCode).toBe(201);
    expect(await created.body.json()).toMatchObject({ partitionCount: 10, created: true });
  });

  it("serves the metrics it is given and reports every request", async () => {
    const metrics = await request(`${server.url}/metrics`);
    expect(await metrics.body.text()).toBe("elk_up 1\n");
    expect(samples.find((sample) => sample.route === "/metrics")).toMatchObject({
      method: "GET",
      statusCode: 200,
    });
  });

  it("keeps the node's metrics, HTTP counts included, in its registry", async () => {
    const text = await server.metricsRegistry.metrics();
    expect(text).toMatch(/^elk_coordinator_is_leader\{node_id="n1"\} 1$/m);
    expect(text).toMatch(
      /^elk_coordinator_http_requests_total\{method="POST",route="\/v1\/plans",status="201"\} 1$/m,
    );
    expect(text).toMatch(/^elk_coordinator_partitions_total\{namespace="default"\} 10$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
  });

  it("hands upgrades on the peer path to the transport and refuses others", async () => {
    expect(await upgradeStatus(port, "/v1/raft/peer")).toBe(401);
    expect(await upgradeStatus(port, "/somewhere-else")).toBe(404);
  });

  it("refuses a second server on the same data directory, naming the lock", async () => {
    const error = await startServer(configFor(dataDir, await freePort()), options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).failure).toBe("locked");
    expect((error as Error).message).toMatch(/in use by another process/);
  });

  it("fails with ListenError on a taken port and releases its data directory", async () => {
    const otherDir = path.join(root, "other");
    const error = await startServer(configFor(otherDir, port), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ListenError);
    expect((error as Error).message).toMatch(/address is in use/);
    const store = await RaftStore.open(otherDir);
    await store.close();
  });
});

describe("stop", () => {
  it("is idempotent, closes the port and releases the data directory", async () => {
    const dir = path.join(root, "stopping");
    const stopPort = await freePort();
    const running = await startServer(configFor(dir, stopPort), options);
    const first = running.stop();
    expect(running.stop()).toBe(first);
    await first;
    await expect(request(`http://127.0.0.1:${stopPort}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
    const store = await RaftStore.open(dir);
    await store.close();
    expect(fatal).toEqual([]);
  });
});

describe("with --redis-url", () => {
  it("mirrors the node's state into Redis and stops the mirror with the node", async () => {
    const redisServer = await RedisServer.start();
    const redis = redisServer.client();
    const mirrorPort = await freePort();
    const config = resolveServerConfig({
      flags: {
        id: "n1",
        listen: `127.0.0.1:${mirrorPort}`,
        dataDir: path.join(root, "mirrored"),
        clusterSecret: SECRET,
        tickIntervalMs: "10",
        electionTimeoutTicks: "10",
        redisUrl: redisServer.url,
        redisPrefix: "srv:",
      },
      env: {},
    });
    const running = await startServer(config, options);
    try {
      await waitFor("the node leads", () => running.service.isReady());
      const result = await running.service.propose({
        type: "CreatePlan",
        planId: "p",
        minId: 1,
        maxId: 100,
        partitionSize: 10,
      });
      expect(result.status).toBe("ok");
      await waitFor(
        "the plan is in Redis",
        async () => (await redis.hlen("srv:default:plan:p:partitions")) === 10,
      );
      expect(running.mirror?.stats()).toMatchObject({ leading: true, redis: "up" });
      expect(String(await redis.client("LIST"))).toContain("name=elk-mirror-n1");
      await running.stop();
      expect(String(await redis.client("LIST"))).not.toContain("name=elk-mirror-n1");
    } finally {
      await running.stop();
      redis.disconnect();
      await redisServer.stop();
    }
  });
});

describe("ELK_FAILPOINTS", () => {
  it("arms the failpoint it names: the node process dies there with 137, like kill -9", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "elk-failpoint-"));
    const port = await freePort();
    const { execPath, args } = cliInvocation();
    const child = spawn(
      execPath,
      [...args, "node", "--id", "n1", "--listen", `127.0.0.1:${port}`, "--data-dir", dataDir],
      {
        env: { ...process.env, ELK_CLUSTER_SECRET: SECRET, ELK_FAILPOINTS: "crash-after-persist" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    await rm(dataDir, { recursive: true, force: true });
    expect(code).toBe(137);
    expect(output).toMatch(/"failpoint":"crash-after-persist","msg":"failpoint armed"/);
    expect(output).toMatch(/failpoint reached: crashing/);
  }, 30_000);
});
