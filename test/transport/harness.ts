// Test harness for the peer transport: real HTTP servers on 127.0.0.1 (ephemeral ports), one
// transport per node, recorders for what each node received and logged, and condition waits.
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import WebSocket from "ws";
import { afterEach } from "vitest";
import type { Message } from "../../src/raft/messages.js";
import { handshakeHeaders, newNonce } from "../../src/transport/peer-auth.js";
import {
  PEER_PATH,
  createTransport,
  type Transport,
  type TransportLimits,
} from "../../src/transport/transport.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";

export const SECRET = "a test cluster secret of 32 bytes";

export interface TestNode {
  readonly id: NodeId;
  readonly port: number;
  readonly server: http.Server;
  transport: Transport;
  readonly received: Message[];
  /** "n2 up", "n2 down", in order. */
  readonly statuses: string[];
  /** Every warning logged, with its fields, as one line. */
  readonly warnings: string[];
  /** Upgrade requests that reached this node's server. */
  upgrades: number;
}

export interface NodeOptions {
  readonly secret?: string | null;
  readonly limits?: Partial<TransportLimits>;
  /** Extra peers (id → address) beyond the cluster's own nodes. */
  readonly extraPeers?: ReadonlyMap<string, string>;
}

/** An HTTP server listening on 127.0.0.1 (`port` 0: an ephemeral one). */
export async function listen(port = 0): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Creates (not starts) node `id`'s transport for `addresses`, and routes its server's upgrades. */
export function attachTransport(
  node: Omit<TestNode, "transport"> & { transport?: Transport },
  addresses: ReadonlyMap<NodeId, string>,
  options: NodeOptions = {},
): TestNode {
  const secret = options.secret === undefined ? SECRET : options.secret;
  const peers = new Map(addresses);
  for (const [id, address] of options.extraPeers ?? []) peers.set(asNodeId(id), address);
  node.transport = createTransport({
    selfId: node.id,
    peers,
    clusterSecret: secret,
    insecure: secret === null,
    onMessage: (m) => node.received.push(m),
    onPeerStatus: (peer, status) => node.statuses.push(`${peer} ${status}`),
    logger: {
      info: () => undefined,
      warn: (fields, message) => node.warnings.push(`${message} ${JSON.stringify(fields)}`),
    },
    prng: createPrng(node.port),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  return node as TestNode;
}

function routeUpgrades(node: { server: http.Server; upgrades: number; transport?: Transport }) {
  node.server.on("upgrade", (req, socket, head) => {
    node.upgrades++;
    if (node.transport?.handleUpgrade(req, socket, head) !== true) socket.destroy();
  });
}

/** A node with a listening server and no transport yet. */
export async function bareNode(id: string, port = 0) {
  const listening = await listen(port);
  const node = {
    id: asNodeId(id),
    ...listening,
    received: [] as Message[],
    statuses: [] as string[],
    warnings: [] as string[],
    upgrades: 0,
  };
  routeUpgrades(node);
  return node;
}

/** Starts one node per id, all knowing each other; per-node options by id. */
export async function startCluster(
  ids: readonly string[],
  options: Readonly<Record<string, NodeOptions>> = {},
): Promise<TestNode[]> {
  const bare = await Promise.all(ids.map((id) => bareNode(id)));
  const addresses = new Map(bare.map((n) => [n.id, `127.0.0.1:${n.port}`]));
  const nodes = bare.map((n) => attachTransport(n, addresses, options[n.id]));
  for (const node of nodes) node.transport.start();
  return nodes;
}

/** Closes a node's transport and its server. */
export async function stopNode(node: TestNode): Promise<void> {
  await node.transport.close();
  node.server.closeAllConnections();
  await new Promise<void>((resolve) => node.server.close(() => resolve()));
}

/** Resolves once `condition()` holds; rejects naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function heartbeat(from: NodeId, to: NodeId, readRound: number): Message {
  return { type: "Heartbeat", from, to, term: 1, leaderCommit: 0, readRound };
}

/** Heartbeat rounds `node` received from `from`, in arrival order. */
export const roundsFrom = (node: TestNode, from: string): number[] =>
  node.received.flatMap((m) => (m.from === from && m.type === "Heartbeat" ? [m.readRound] : []));

/** Dials a node's peer path with hand-made headers: the open socket, or the refusal status. */
export function rawDial(
  port: number,
  headers: Record<string, string>,
  options: { autoPong?: boolean } = {},
): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${PEER_PATH}`, { headers, ...options });
    ws.once("open", () => resolve({ ws }));
    ws.once("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once("error", reject);
  });
}

/** The close code a raw socket receives. */
export function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code) => resolve(code)));
}

/** Handshake headers claiming `from` dialing `to`, signed with `secret`, stamped `timestampMs`. */
export function signedAs(
  from: string,
  to: string,
  { secret = SECRET, timestampMs = Date.now() }: { secret?: string; timestampMs?: number } = {},
): Record<string, string> {
  const handshake = { from: asNodeId(from), to: asNodeId(to), timestampMs, nonce: newNonce() };
  return handshakeHeaders(handshake, secret);
}

/** Dials `node` as peer `from` with a valid proof; the open socket (throws when refused). */
export async function dialAs(
  node: TestNode,
  from: string,
  options: { autoPong?: boolean } = {},
): Promise<WebSocket> {
  const dialed = await rawDial(node.port, signedAs(from, node.id), options);
  if (!("ws" in dialed)) throw new Error(`${node.id} refused ${from}: ${dialed.status}`);
  return dialed.ws;
}

/** Whether `node`'s link to `peer` is up. */
export const upCount = (node: TestNode, peer: string) =>
  node.transport.stats().peers.find((p) => p.id === peer)?.state === "up";

/** `node`'s counters for its link to `peer` (throws when it has no such link). */
export function statsOf(node: TestNode, peer: string) {
  const stats = node.transport.stats().peers.find((p) => p.id === peer);
  if (stats === undefined) throw new Error(`${node.id} has no link to ${peer}`);
  return stats;
}

/** Whether `node` has a link (up or not) to `peer`. */
export const hasLink = (node: TestNode, peer: string) =>
  node.transport.stats().peers.some((p) => p.id === peer);

export async function allLinksUp(nodes: readonly TestNode[]) {
  await waitFor(
    () => nodes.every((a) => nodes.every((b) => a === b || upCount(a, b.id))),
    "every link up",
  );
}

/** Each node sends `count` heartbeats to every other; waits until all arrived. */
export async function exchange(nodes: readonly TestNode[], count: number, firstRound = 1) {
  const rounds = Array.from({ length: count }, (_, i) => firstRound + i);
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) for (const r of rounds) a.transport.send(heartbeat(a.id, b.id, r));
    }
  }
  for (const a of nodes) {
    for (const b of nodes) {
      if (a === b) continue;
      await waitFor(
        () => roundsFrom(b, a.id).slice(-count).join() === rounds.join(),
        `${b.id} to receive rounds ${firstRound}.. from ${a.id}`,
      );
    }
  }
}

/** A TCP relay on 127.0.0.1 to `port`; `cut()` drops every connection through it (a network blip). */
export async function tcpRelay(port: number) {
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const upstream = net.connect(port, "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
      s.on("error", () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const cut = () => sockets.forEach((s) => s.destroy());
  return {
    port: (relay.address() as AddressInfo).port,
    cut,
    close: async () => {
      cut();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}

/** An HTTP server that never answers an upgrade: a dial to it stays `connecting` until its timeout. */
export async function silentServer() {
  const silent = await listen();
  const held = new Set<Duplex>();
  silent.server.on("upgrade", (_req, socket) => held.add(socket));
  return {
    port: silent.port,
    close: async () => {
      held.forEach((socket) => socket.destroy());
      silent.server.closeAllConnections();
      await new Promise((resolve) => silent.server.close(resolve));
    },
  };
}

/**
 * The nodes and cleanups of one test file, stopped and run after each test (registers the
 * `afterEach`): push what a test starts, and it is gone before the next.
 */
export function trackedPerTest(): {
  readonly running: TestNode[];
  readonly cleanups: (() => Promise<void>)[];
} {
  const running: TestNode[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map(stopNode));
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });
  return { running, cleanups };
}
