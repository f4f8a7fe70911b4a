// Proves the WebSocket peer transport over real sockets on 127.0.0.1: one authenticated link per
// pair carrying messages both ways, refusal of wrong, stale and replayed proofs and of a second
// connection while a peer's link is live (which side dials: ./dialing.test.ts), malformed and
// oversize frames closing only their link (and the dialer redialing), bounded send queues that
// drop and count, reconnection after the accepting node restarts, and a clean close.
import { spawn } from "node:child_process";
import type { IncomingMessage } from "node:http";
import path from "node:path";
import { PassThrough } from "node:stream";
import { WebSocketServer } from "ws";
import { describe, expect, it } from "vitest";
import type { Message } from "../../src/raft/messages.js";
import {
  TransportConfigError,
  createTransport,
  type TransportOptions,
} from "../../src/transport/transport.js";
import { asNodeId } from "../../src/util/ids.js";
import { encodeMessage } from "../../src/wire/raft-codec.js";
import {
  SECRET,
  allLinksUp,
  attachTransport,
  bareNode,
  closeCode,
  dialAs,
  exchange,
  heartbeat,
  listen,
  rawDial,
  roundsFrom,
  signedAs,
  startCluster,
  statsOf,
  stopNode,
  upCount,
  waitFor,
  trackedPerTest,
  type TestNode,
} from "./harness.js";

const n = asNodeId;
const { running, cleanups } = trackedPerTest();

async function cluster(...args: Parameters<typeof startCluster>): Promise<TestNode[]> {
  const nodes = await startCluster(...args);
  running.push(...nodes);
  return nodes;
}

describe("links", () => {
  it("two nodes exchange messages both ways over one link dialed by the smaller id", async () => {
    const [n1, n2] = await cluster(["n1", "n2"]);
    await allLinksUp([n1!, n2!]);
    await exchange([n1!, n2!], 5);
    expect(n1!.upgrades).toBe(0);
    expect(n2!.upgrades).toBe(1);
    expect(statsOf(n1!, "n2")).toMatchObject({ role: "dialer", connects: 1, sentMessages: 5 });
    expect(statsOf(n2!, "n1")).toMatchObject({
      role: "acceptor",
      connects: 1,
      receivedMessages: 5,
    });
    expect(n1!.statuses).toEqual(["n2 up"]);
  });

  it("three nodes keep one link per pair and deliver in order on each", async () => {
    const nodes = await cluster(["n1", "n2", "n3"]);
    await allLinksUp(nodes);
    await exchange(nodes, 20);
    expect(nodes.map((node) => node.upgrades)).toEqual([0, 1, 2]);
    for (const node of nodes) {
      for (const peer of node.transport.stats().peers) expect(peer.connects).toBe(1);
    }
  });

  it("leaves upgrades on other paths to other handlers", () => {
    const transport = createTransport({
      selfId: n("n1"),
      peers: new Map([[n("n2"), "127.0.0.1:7102"]]),
      clusterSecret: SECRET,
      onMessage: () => undefined,
      onPeerStatus: () => undefined,
    });
    const socket = new PassThrough();
    const request = { url: "/v1/elsewhere?x=1", headers: {} } as IncomingMessage;
    expect(transport.handleUpgrade(request, socket, Buffer.alloc(0))).toBe(false);
    expect(socket.writableEnded).toBe(false);
  });

  it("cuts a link on which nothing arrives, not even a pong", async () => {
    const limits = { pingIntervalMs: 20, idleTimeoutMs: 100 };
    const [n2] = await cluster(["n2"], {
      n2: { limits, extraPeers: new Map([["n1", "127.0.0.1:1"]]) },
    });
    const raw = await dialAs(n2!, "n1", { autoPong: false });
    expect(await closeCode(raw)).toBe(1006);
    expect(n2!.statuses).toEqual(["n1 up", "n1 down"]);
    expect(statsOf(n2!, "n1").state).toBe("idle");
  });

  it("drops messages while a link is down and to unknown peers, counting them", async () => {
    const [n1] = await cluster(["n1"], {
      n1: { extraPeers: new Map([["n2", "127.0.0.1:1"]]) },
    });
    n1!.transport.send(heartbeat(n("n1"), n("n2"), 1));
    n1!.transport.send(heartbeat(n("n1"), n("n9"), 1));
    expect(statsOf(n1!, "n2").dropped.disconnected).toBe(1);
    expect(n1!.transport.stats().droppedUnknownPeer).toBe(1);
  });
});

describe("authentication", () => {
  it("a node with the wrong secret, or none, is refused with 401", async () => {
    const [n1, n2, n3] = await cluster(["n1", "n2", "n3"], {
      n1: { secret: "not the cluster secret, but long" },
      n2: { secret: null },
    });
    await waitFor(() => n3!.transport.stats().rejectedHandshakes >= 2, "n3 to refuse n1 and n2");
    expect(upCount(n1!, "n3")).toBe(false);
    expect(upCount(n2!, "n3")).toBe(false);
    expect(n3!.warnings.join("\n")).toMatch(
      /refused a peer handshake.*wrong or missing proof from n1/,
    );
    const wrong = signedAs("n1", "n3", { secret: "not the cluster secret, but long" });
    expect(await rawDial(n3!.port, wrong)).toEqual({ status: 401 });
  });

  it("stale and replayed proofs are refused", async () => {
    // n1 is configured but never runs: a live link from it would refuse the raw dials (409).
    const [n2] = await cluster(["n2", "n3"], {
      n2: { extraPeers: new Map([["n1", "127.0.0.1:1"]]) },
    });
    const stale = signedAs("n1", "n2", { timestampMs: Date.now() - 60_000 });
    expect(await rawDial(n2!.port, stale)).toEqual({ status: 401 });
    const fresh = signedAs("n1", "n2");
    const first = await rawDial(n2!.port, fresh);
    expect("ws" in first).toBe(true);
    if ("ws" in first) first.ws.close();
    expect(await rawDial(n2!.port, fresh)).toEqual({ status: 401 });
    expect(n2!.warnings.join("\n")).toMatch(/stale or invalid handshake timestamp/);
    expect(n2!.warnings.join("\n")).toMatch(/replayed handshake nonce/);
  });

  it("rejects a configuration without a secret unless insecure, and malformed ids or addresses", () => {
    const base: TransportOptions = {
      selfId: n("n1"),
      peers: new Map([[n("n2"), "127.0.0.1:7102"]]),
      clusterSecret: SECRET,
      onMessage: () => undefined,
      onPeerStatus: () => undefined,
    };
    expect(() => createTransport({ ...base, clusterSecret: null })).toThrow(
      /cluster secret is required/,
    );
    expect(() => createTransport({ ...base, clusterSecret: "short" })).toThrow(/at least 16 bytes/);
    expect(() => createTransport({ ...base, peers: new Map([[n("n2"), "no-port"]]) })).toThrow(
      TransportConfigError,
    );
    expect(() => createTransport({ ...base, selfId: n("n 1") })).toThrow(TransportConfigError);
    const insecure = createTransport({ ...base, clusterSecret: null, insecure: true });
    expect(insecure.stats().peers.map((p) => p.id)).toEqual(["n2"]);
  });
});

describe("bad frames", () => {
  it("a malformed frame closes only its link; the dialer redials", async () => {
    // A fake n2 accepts anything and answers every connection with garbage.
    const fake = await listen();
    const fakeServer = new WebSocketServer({ server: fake.server });
    let fakeConnections = 0;
    fakeServer.on("connection", (ws) => {
      fakeConnections++;
      ws.send(Uint8Array.of(0xc1, 0x00, 0xff));
    });
    cleanups.push(async () => {
      for (const client of fakeServer.clients) client.terminate();
      await new Promise((resolve) => fakeServer.close(resolve));
      await new Promise((resolve) => fake.server.close(resolve));
    });
    const fakeAddress = new Map([["n2", `127.0.0.1:${fake.port}`]]);
    const [n1, n3] = await cluster(["n1", "n3"], {
      n1: { extraPeers: fakeAddress },
      n3: { extraPeers: fakeAddress },
    });
    await waitFor(() => fakeConnections >= 2, "n1 to redial the fake n2 after closing its link");
    expect(statsOf(n1!, "n2").malformedFrames).toBeGreaterThanOrEqual(1);
    expect(n1!.warnings.join("\n")).toMatch(/closing peer link: malformed frame.*n2/);

    // An authenticated socket claiming to be n2 sends garbage to n3: n3 closes it, code 1007.
    await allLinksUp([n1!, n3!]);
    const raw = await dialAs(n3!, "n2");
    const closing = closeCode(raw);
    raw.send(Uint8Array.of(0x92, 0x01));
    expect(await closing).toBe(1007);
    expect(statsOf(n3!, "n2").malformedFrames).toBe(1);
    // The n1–n3 link never noticed.
    await exchange([n1!, n3!], 3);
    expect(statsOf(n3!, "n1").connects).toBe(1);
  });

  it("a message that does not come from the link's peer closes the link", async () => {
    const [n2] = await cluster(["n2", "n3"], {
      n2: { extraPeers: new Map([["n1", "127.0.0.1:1"]]) },
    });
    const raw = await dialAs(n2!, "n1");
    const closing = closeCode(raw);
    raw.send(encodeMessage(heartbeat(n("n3"), n("n2"), 1)));
    expect(await closing).toBe(1007);
    expect(statsOf(n2!, "n1").malformedFrames).toBe(1);
    expect(n2!.received).toEqual([]);
    expect(n2!.warnings.join("\n")).toMatch(/a message from n3 to n2/);
  });

  it("an outbound frame over the limit is dropped and counted", async () => {
    const limits = { messageBytesMax: 1024 };
    const [n1, n2] = await cluster(["n1", "n2"], { n1: { limits }, n2: { limits } });
    await allLinksUp([n1!, n2!]);
    const big: Message = {
      type: "AppendEntries",
      from: n("n1"),
      to: n("n2"),
      term: 1,
      prevLogIndex: 0,
      prevLogTerm: 0,
      entries: [{ index: 1, term: 1, type: "Normal", data: new Uint8Array(2048) }],
      leaderCommit: 0,
    };
    n1!.transport.send(big);
    expect(statsOf(n1!, "n2").dropped.oversize).toBe(1);
    expect(upCount(n1!, "n2")).toBe(true);
  });

  it("an inbound frame over the limit closes the link", async () => {
    const limits = { messageBytesMax: 1024 };
    const [n2] = await cluster(["n2", "n3"], {
      n2: { limits, extraPeers: new Map([["n1", "127.0.0.1:1"]]) },
    });
    const raw = await dialAs(n2!, "n1");
    const closing = closeCode(raw);
    raw.send(new Uint8Array(2048));
    expect(await closing).toBe(1009);
    await waitFor(() => statsOf(n2!, "n1").malformedFrames === 1, "n2 to count the oversize frame");
  });

  it("a second connection for a peer whose link is live is refused 409, and logged", async () => {
    const [n1, n2] = await cluster(["n1", "n2"]);
    await allLinksUp([n1!, n2!]);
    await exchange([n1!, n2!], 1);
    expect(await rawDial(n2!.port, signedAs("n1", "n2"))).toEqual({ status: 409 });
    expect(n2!.warnings.join("\n")).toMatch(/n1 already has a live connection/);
    await exchange([n1!, n2!], 2);
    expect(statsOf(n2!, "n1").connects).toBe(1);
  });
});

describe("flow control and reconnection", () => {
  it("a full send queue drops and counts what does not fit", async () => {
    const [n1, n2] = await cluster(["n1", "n2"], { n1: { limits: { sendQueueMessagesMax: 8 } } });
    await allLinksUp([n1!, n2!]);
    for (let round = 1; round <= 1000; round++)
      n1!.transport.send(heartbeat(n1!.id, n2!.id, round));
    expect(statsOf(n1!, "n2").dropped.queueFull).toBe(992);
    await waitFor(
      () => statsOf(n1!, "n2").sentMessages === 8,
      "the 8 queued messages to be written",
    );
    await waitFor(() => roundsFrom(n2!, "n1").length === 8, "n2 to receive them");
    expect(roundsFrom(n2!, "n1")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(statsOf(n1!, "n2").queuedMessages).toBe(0);
  });

  it("after the accepting node restarts on the same port, the link comes back", async () => {
    const [n1, n2] = await cluster(["n1", "n2"]);
    await allLinksUp([n1!, n2!]);
    const port = n2!.port;
    running.splice(running.indexOf(n2!), 1);
    await stopNode(n2!);
    await waitFor(() => n1!.statuses.includes("n2 down"), "n1 to report n2 down");

    const restarted = await bareNode("n2", port);
    const addresses = new Map([
      [n("n1"), `127.0.0.1:${n1!.port}`],
      [n("n2"), `127.0.0.1:${port}`],
    ]);
    const again = attachTransport(restarted, addresses);
    again.transport.start();
    running.push(again);
    await allLinksUp([n1!, again]);
    await exchange([n1!, again], 3, 100);
    expect(n1!.statuses).toEqual(["n2 up", "n2 down", "n2 up"]);
  });

  it("close() leaves no socket or timer behind: the process exits on its own", async () => {
    const fixture = path.join(import.meta.dirname, "fixtures", "exchange-and-close.ts");
    const child = spawn(process.execPath, ["--import", "tsx", fixture], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const timeout = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await exit;
    clearTimeout(timeout);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
      delivered: number;
      handlesAfterClose: string[];
    };
    expect(report.delivered).toBe(6 * 10);
    // Sockets and timers are gone at once; the servers (the harness's, not the transport's)
    // release their handles a moment later.
    expect(report.handlesAfterClose.filter((h) => /TCPWrap|Timeout/.test(h))).toEqual([]);
  });
});
