// Proves a TLS cluster of three in-process nodes with scoped tokens: it elects, replicates a plan
// written through a follower (forwarded over HTTPS with the caller's token) and serves it over
// HTTPS to a client that trusts the cluster CA; plain HTTP and clients without the CA are
// refused; a peer whose certificate comes from another CA, one presenting another node's
// certificate, and a second live connection for a node are refused and logged; reload() serves a
// new certificate to new connections.
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { pino } from "pino";
import { request } from "undici";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createCa,
  createNodeCertificate,
  type CertificateAuthority,
  type PemPair,
} from "../../src/cli/dev-certs.js";
import { resolveServerConfig } from "../../src/server/config.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { handshakeHeaders, newNonce } from "../../src/transport/peer-auth.js";
import { PEER_PATH } from "../../src/transport/transport.js";
import { asNodeId } from "../../src/util/ids.js";
import { createClient, type CoordinatorClient } from "../../src/worker/client.js";
import { waitFor } from "../node/harness.js";
import { freePort } from "../mirror/redis-server.js";

const SECRET = "a cluster secret of 32 characters";
const IDS = ["n1", "n2", "n3"] as const;
const TOKENS = { read: "read-token-0123456789", write: "write-token-0123456789" };

let root: string;
let ca: CertificateAuthority;
const ports = new Map<string, number>();
const servers = new Map<string, RunningServer>();
const warnings: string[] = [];
let client: CoordinatorClient;

async function writePair(name: string, pair: PemPair): Promise<void> {
  await writeFile(path.join(root, `${name}.crt`), pair.cert);
  await writeFile(path.join(root, `${name}.key`), pair.key);
}

function loggerOf(id: string) {
  const stream = {
    write: (line: string) => {
      const entry = JSON.parse(line) as { level: number; msg: string; reason?: string };
      if (entry.level >= 40) warnings.push(`${id} ${entry.msg}: ${entry.reason ?? ""}`);
    },
  };
  return pino({ level: "warn" }, stream);
}

async function start(id: string): Promise<RunningServer> {
  const peers = IDS.map((peer) => `${peer}=127.0.0.1:${ports.get(peer)}`).join(",");
  const config = resolveServerConfig({
    flags: {
      id,
      listen: `127.0.0.1:${ports.get(id)}`,
      peers,
      dataDir: path.join(root, `data-${id}`),
      clusterSecret: SECRET,
      tlsCert: path.join(root, `${id}.crt`),
      tlsKey: path.join(root, `${id}.key`),
      tlsCa: path.join(root, "ca.crt"),
      apiTokensFile: path.join(root, "tokens"),
      tickIntervalMs: "20",
      electionTimeoutTicks: "10",
    },
    env: {},
  });
  return startServer(config, {
    logger: loggerOf(id),
    onFatal: () => undefined,
    onCrash: () => undefined,
  });
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-tls-"));
  ca = await createCa(1);
  await writeFile(path.join(root, "ca.crt"), ca.cert);
  await writeFile(path.join(root, "tokens"), `read ${TOKENS.read}\nwrite ${TOKENS.write}\n`);
  for (const id of IDS) {
    await writePair(id, await createNodeCertificate(ca, id, { days: 1 }));
    ports.set(id, await freePort());
  }
  for (const id of IDS) servers.set(id, await start(id));
  client = createClient({
    endpoints: [...servers.values()].map((server) => server.url),
    apiToken: TOKENS.write,
    ca: ca.cert,
    retryDeadlineMs: 15_000,
  });
}, 60_000);

afterAll(async () => {
  await client?.close();
  await Promise.all([...servers.values()].map((server) => server.stop()));
  await rm(root, { recursive: true, force: true });
});

const leaderOf = () =>
  [...servers.values()].find((server) => server.service.raftStatus().role === "Leader");

/** Dials node `to` as `from` with a valid HMAC handshake and `pair` as client certificate. */
function dialPeer(to: string, from: string, pair: PemPair): Promise<number | "open"> {
  const handshake = { from: asNodeId(from), to: asNodeId(to), timestampMs: Date.now() };
  const ws = new WebSocket(`wss://127.0.0.1:${ports.get(to)}${PEER_PATH}`, {
    headers: handshakeHeaders({ ...handshake, nonce: newNonce() }, SECRET),
    ca: ca.cert,
    cert: pair.cert,
    key: pair.key,
  });
  return new Promise((resolve, reject) => {
    ws.once("open", () => {
      ws.terminate();
      resolve("open");
    });
    ws.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

describe("a TLS cluster", () => {
  it("elects, replicates a plan written through a follower and serves it over HTTPS", async () => {
    const leader = await waitFor("a leader", leaderOf, 30_000);
    expect(leader.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const follower = [...servers.values()].find((server) => server !== leader)!;
    const created = await client.createPlan(
      { planId: "tls-plan", minId: 1, maxId: 100, partitionSize: 10 },
      { endpoint: follower.url },
    );
    expect(created).toMatchObject({ planId: "tls-plan", partitionCount: 10 });
    for (const server of servers.values()) {
      const plan = await client.getPlan("tls-plan", {}, { endpoint: server.url });
      expect(plan.planId).toBe("tls-plan");
    }
  });

  it("forwards with the caller's token: a read token cannot write through a follower", async () => {
    const leader = await waitFor("a leader", leaderOf, 30_000);
    const follower = [...servers.values()].find((server) => server !== leader)!;
    const reader = createClient({
      endpoints: [follower.url],
      apiToken: TOKENS.read,
      ca: ca.cert,
      retryDeadlineMs: 0,
    });
    try {
      await expect(reader.listPlans({}, { endpoint: follower.url })).resolves.toBeDefined();
      await expect(
        reader.createPlan({ minId: 1, maxId: 10, partitionSize: 10 }, { endpoint: follower.url }),
      ).rejects.toMatchObject({ code: "insufficient_scope" });
    } finally {
      await reader.close();
    }
  });

  it("refuses plain HTTP and clients that do not trust the cluster CA", async () => {
    const port = ports.get("n1")!;
    await expect(request(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    await expect(request(`https://127.0.0.1:${port}/healthz`)).rejects.toThrow(/certificate/);
  });

  it("refuses a peer certificate from another CA, another node's certificate, and a duplicate", async () => {
    const n1 = await createNodeCertificate(ca, "n1", { days: 1 });
    await waitFor(
      "n3's link from n1 to be live",
      async () => (await dialPeer("n3", "n1", n1)) === 409,
      10_000,
    );
    const foreign = await createNodeCertificate(await createCa(1, "CN=another CA"), "n1", {
      days: 1,
    });
    expect(await dialPeer("n3", "n1", foreign)).toBe(401);
    const n2 = await createNodeCertificate(ca, "n2", { days: 1 });
    expect(await dialPeer("n3", "n1", n2)).toBe(403);
    const log = warnings
      .filter((line) => line.startsWith("n3 refused a peer handshake"))
      .join("\n");
    expect(log).toMatch(/certificate of n1 is not trusted/);
    expect(log).toMatch(/the certificate names n2, the handshake claims n1/);
    expect(log).toMatch(/n1 already has a live connection/);
  });

  it("serves a new certificate after reload, to new connections", async () => {
    const served = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tls.connect(
          { host: "127.0.0.1", port: ports.get("n2")!, ca: ca.cert, servername: "n2" },
          () => {
            resolve(socket.getPeerCertificate().serialNumber);
            socket.end();
          },
        );
        socket.once("error", reject);
      });
    const before = await served();
    const renewed = await createNodeCertificate(ca, "n2", { days: 2 });
    await writePair("n2", renewed);
    await servers.get("n2")!.reload();
    const after = await served();
    expect(after).not.toBe(before);
    expect(after.toLowerCase()).toBe(new X509Certificate(renewed.cert).serialNumber.toLowerCase());
  });
});
