// Proves the per-link proxy: WebSocket messages pass both ways while the links are up; a
// one-way cut drops exactly that direction's messages while the other still flows on the same
// connection; healing lets new messages through; a lossy link with drop probability 1 loses
// data messages but keeps the connection (pings pass); a delayed link holds messages back; a
// proxy shared by every dialer cuts only the links of the dialer its handshake names; and the
// frame splitter reassembles frames cut at every byte.
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { createPrng } from "../src/util/prng.js";
import { LinkTable, PeerProxy } from "./proxy.js";
import { FrameSplitter } from "./ws-frames.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A ws server (node "b") and a client (node "a") connected through the proxy a→b — or, with
 * `shared`, through a proxy for every dialer to b, the client naming itself `a` in the handshake.
 */
async function pair(shared?: { links: LinkTable; from: string }) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  const port = (server.address() as { port: number }).port;
  const links = shared?.links ?? new LinkTable();
  const proxy = await PeerProxy.start(
    shared === undefined ? "a" : null,
    "b",
    port,
    links,
    createPrng(1),
  );
  const accepted = new Promise<WebSocket>((resolve) => server.once("connection", resolve));
  const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/v1/raft/peer`, {
    headers: { "x-elk-peer-from": shared?.from ?? "a" },
  });
  await new Promise((resolve) => client.once("open", resolve));
  const peer = await accepted;
  const atB: string[] = [];
  const atA: string[] = [];
  peer.on("message", (data: Buffer) => atB.push(data.toString()));
  client.on("message", (data: Buffer) => atA.push(data.toString()));
  cleanups.push(async () => {
    client.terminate();
    await proxy.close();
    await new Promise((resolve) => server.close(resolve));
  });
  return { links, client, peer, atA, atB };
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe("PeerProxy", () => {
  it("passes messages both ways, and a one-way cut drops only its direction", async () => {
    const { links, client, peer, atA, atB } = await pair();
    client.send("a1");
    peer.send("b1");
    await until(() => atA.length === 1 && atB.length === 1);
    links.set("a", "b", { kind: "cut" });
    client.send("a2-lost");
    peer.send("b2");
    await until(() => atA.includes("b2"));
    await new Promise((r) => setTimeout(r, 100));
    expect(atB).toEqual(["a1"]);
    links.healAll();
    client.send("a3");
    await until(() => atB.includes("a3"));
    expect(atB).toEqual(["a1", "a3"]);
  });

  it("loses data messages on a lossy link but keeps the connection alive", async () => {
    const { links, client, peer, atB } = await pair();
    links.set("a", "b", { kind: "lossy", dropProbability: 1 });
    for (let i = 0; i < 5; i += 1) client.send(`lost-${i}`);
    const pong = new Promise((resolve) => client.once("pong", resolve));
    client.ping();
    await pong;
    expect(atB).toEqual([]);
    links.healAll();
    client.send("kept");
    await until(() => atB.includes("kept"));
    expect(peer.readyState).toBe(WebSocket.OPEN);
  });

  it("delays a direction's messages, in order", async () => {
    const { links, client, atB } = await pair();
    links.set("a", "b", { kind: "delay", delayMs: 150 });
    const sentAt = performance.now();
    client.send("x");
    client.send("y");
    await until(() => atB.length === 2);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(140);
    expect(atB).toEqual(["x", "y"]);
  });
  it("shared by every dialer, cuts only the links of the dialer the handshake names", async () => {
    const links = new LinkTable();
    const a = await pair({ links, from: "a" });
    const c = await pair({ links, from: "c" });
    links.set("a", "b", { kind: "cut" });
    links.set("b", "c", { kind: "cut" });
    a.client.send("a-lost");
    a.peer.send("b-to-a");
    c.client.send("c-kept");
    c.peer.send("b-to-c-lost");
    await until(() => a.atA.includes("b-to-a") && c.atB.includes("c-kept"));
    await new Promise((r) => setTimeout(r, 100));
    expect(a.atB).toEqual([]);
    expect(c.atA).toEqual([]);
  });
});

describe("FrameSplitter", () => {
  it("reassembles frames fed one byte at a time, short, 16-bit and masked lengths", () => {
    const short = Buffer.from([0x82, 0x03, 1, 2, 3]);
    const long = Buffer.concat([
      Buffer.from([0x82, 0x80 | 126, 0x01, 0x00, 9, 9, 9, 9]),
      Buffer.alloc(256, 7),
    ]);
    const ping = Buffer.from([0x89, 0x00]);
    const stream = Buffer.concat([short, long, ping]);
    const splitter = new FrameSplitter();
    const frames = [...stream].flatMap((byte) => splitter.push(Buffer.from([byte])));
    expect(frames.map((f) => [f.opcode, f.bytes.length])).toEqual([
      [2, 5],
      [2, 8 + 256],
      [9, 2],
    ]);
  });
});
