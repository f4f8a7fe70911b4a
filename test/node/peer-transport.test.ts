// Proves the node runs over the real WebSocket transport: three nodes on 127.0.0.1 sharing each
// node's HTTP port for peer links elect a leader, replicate a proposal to equal state hashes, and
// the leader sees its links up in raftStatus().
import { REAL_TIMERS } from "../../src/node/ports.js";
import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeConfig } from "../../src/node/config.js";
import { CoordinatorNode } from "../../src/node/coordinator-node.js";
import { createNodePeerTransport } from "../../src/node/peer-transport.js";
import { stateHash } from "../../src/state-machine/index.js";
import { RaftStore } from "../../src/storage/raft-store.js";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import { SECRET, listen } from "../transport/harness.js";
import { TEST_TIMINGS, realClock, recordingLogger, waitFor } from "./harness.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startNode(
  id: string,
  server: http.Server,
  ports: ReadonlyMap<string, number>,
  logs: string[],
): Promise<CoordinatorNode> {
  const nodeId = asNodeId(id);
  const dir = await mkdtemp(path.join(os.tmpdir(), `elk-ws-${id}-`));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const transport = createNodePeerTransport({
    selfId: nodeId,
    peers: new Map([...ports].map(([peer, port]) => [asNodeId(peer), `127.0.0.1:${port}`])),
    clusterSecret: SECRET,
  });
  server.on("upgrade", (request, socket, head) => {
    if (!transport.handleUpgrade(request, socket, head)) socket.destroy();
  });
  const peers = new Map(
    [...ports].map(([peer, port]) => [asNodeId(peer), `http://127.0.0.1:${port}`]),
  );
  const node = await CoordinatorNode.start({
    config: nodeConfig({ nodeId, peers }, TEST_TIMINGS),
    store: await RaftStore.open(dir),
    transport,
    clock: realClock,
    timers: REAL_TIMERS,
    prng: createPrng(Number(id.slice(1))),
    logger: recordingLogger(logs),
    onFatal: (error) => void logs.push(`fatal ${error.message}`),
    onCrash: (failpoint) => void logs.push(`crash ${failpoint}`),
  });
  cleanup.push(() => node.stop());
  return node;
}

describe("CoordinatorNode over the WebSocket transport", () => {
  it("elects, replicates and reports its links", async () => {
    const logs: string[] = [];
    const servers = await Promise.all(["n1", "n2", "n3"].map(() => listen()));
    for (const { server } of servers) {
      cleanup.push(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      });
    }
    const ports = new Map(servers.map(({ port }, i) => [`n${i + 1}`, port]));
    const nodes = await Promise.all(
      servers.map(({ server }, i) => startNode(`n${i + 1}`, server, ports, logs)),
    );
    const leader = await waitFor("a leader", () =>
      nodes.find((n) => n.raftStatus().role === "Leader" && n.isReady()),
    );
    const result = await leader.propose({ type: "RegisterWorker", workerId: "ws-worker" });
    expect(result.status).toBe("ok");
    await waitFor("all applied", () =>
      nodes.every((n) => n.appliedIndex() >= leader.appliedIndex()),
    );
    const hashes = await Promise.all(nodes.map((n) => n.read(stateHash, "stale")));
    expect(new Set(hashes).size).toBe(1);
    const peers = leader.raftStatus().peers;
    expect(peers.map((p) => [p.id, p.connected, p.state])).toEqual(
      nodes.filter((n) => n !== leader).map((n) => [n.nodeId, true, "Replicate"]),
    );
    expect(peers.every((p) => p.matchIndex > 0 && p.lastContactMs !== null)).toBe(true);
    expect(logs.filter((line) => line.startsWith("fatal"))).toEqual([]);
  });
});
