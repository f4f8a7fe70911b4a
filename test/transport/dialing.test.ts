// Proves which side of a pair dials (docs/MEMBERSHIP.md §9), over real sockets on 127.0.0.1: a
// node accepts an authenticated node it was never told about (a server must hear a leader added
// after its configuration), the larger id dials as a fallback when the smaller one does not know
// it, crossing dials settle on one connection, two nodes that know each other keep the one dialed
// by the smaller id with nothing refused, a lost connection comes back, and setPeers decides the
// fate of links made on the fly.
import { describe, expect, it } from "vitest";
import type { TransportLimits } from "../../src/transport/transport.js";
import { asNodeId } from "../../src/util/ids.js";
import {
  attachTransport,
  bareNode,
  closeCode,
  dialAs,
  exchange,
  hasLink,
  rawDial,
  signedAs,
  silentServer,
  startCluster,
  statsOf,
  tcpRelay,
  upCount,
  waitFor,
  trackedPerTest,
  type TestNode,
} from "./harness.js";

const n = asNodeId;
const { running, cleanups } = trackedPerTest();

/** Starts node `id` knowing `peers` (id → address) besides itself. */
async function startNode(
  id: string,
  peers: Record<string, string>,
  limits: Partial<TransportLimits> = {},
): Promise<TestNode> {
  const bare = await bareNode(id);
  const addresses = new Map([[n(id), `127.0.0.1:${bare.port}`]]);
  for (const [peer, address] of Object.entries(peers)) addresses.set(n(peer), address);
  const node = attachTransport(bare, addresses, { limits });
  node.transport.start();
  running.push(node);
  return node;
}

/**
 * Lets `ms` pass. Only for "nothing happens in this window" checks (a fallback dial that must
 * not be made): there is no state to wait for, the window itself is the condition.
 */
const windowPasses = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const FALLBACK = { fallbackDialDelayMs: 200 };
const nowhere = "127.0.0.1:1";

describe("a node outside the configuration", () => {
  it("the larger id dials a smaller id that does not know it, which accepts (the stuck n3)", async () => {
    // n3 came back with an old configuration {n1, n2, n3}; n4 replaced n2 and knows n3.
    const a = await startNode("n3", { n1: nowhere, n2: nowhere }, FALLBACK);
    const b = await startNode("n4", { n3: `127.0.0.1:${a.port}` }, FALLBACK);
    expect(hasLink(a, "n4")).toBe(false);
    await waitFor(() => upCount(a, "n4") && upCount(b, "n3"), "n4's fallback dial to reach n3");
    await exchange([a, b], 5);
    expect(statsOf(b, "n3")).toMatchObject({
      role: "acceptor",
      connection: "dialed",
      fallbackConnects: 1,
    });
    expect(statsOf(a, "n4")).toMatchObject({ address: null, connection: "accepted" });
    expect(a.transport.stats()).toMatchObject({ unlistedPeerLinks: 1, rejectedHandshakes: 0 });
    expect(a.statuses).toEqual(["n4 up"]);
  });

  it("after losing the connection it dialed, the larger id redials with backoff", async () => {
    const a = await startNode("n3", {}, FALLBACK);
    const relay = await tcpRelay(a.port);
    cleanups.push(relay.close);
    const b = await startNode("n4", { n3: `127.0.0.1:${relay.port}` }, FALLBACK);
    await waitFor(() => upCount(a, "n4") && upCount(b, "n3"), "n4's fallback dial to reach n3");
    relay.cut();
    await waitFor(() => b.statuses.join() === "n3 up,n3 down,n3 up", "n4 to redial n3");
    await waitFor(() => upCount(a, "n4"), "n3 to take the new connection");
    await exchange([a, b], 3);
    expect(statsOf(b, "n3")).toMatchObject({ connects: 2, fallbackConnects: 2 });
    // n3's link to n4 went with its connection and came back with the next one.
    expect(a.transport.stats().unlistedPeerLinks).toBe(2);
  });

  it("an unknown id with a wrong proof is still refused 401, and gets no link", async () => {
    const a = await startNode("n3", {});
    const wrong = signedAs("n4", "n3", { secret: "not the cluster secret, but long" });
    expect(await rawDial(a.port, wrong)).toEqual({ status: 401 });
    expect(a.transport.stats()).toMatchObject({ unlistedPeerLinks: 0, rejectedHandshakes: 1 });
    expect(hasLink(a, "n4")).toBe(false);
  });

  it("setPeers closes links made on the fly that it does not list, and keeps those it lists", async () => {
    const a = await startNode("n3", {});
    const kept = await dialAs(a, "n7");
    const dropped = await dialAs(a, "n9");
    await waitFor(() => upCount(a, "n7") && upCount(a, "n9"), "both links up");
    const droppedClose = closeCode(dropped);
    a.transport.setPeers(
      new Map([
        [a.id, `127.0.0.1:${a.port}`],
        [n("n7"), nowhere],
      ]),
    );
    expect(await droppedClose).toBe(1001);
    expect(hasLink(a, "n9")).toBe(false);
    expect(statsOf(a, "n7")).toMatchObject({ state: "up", address: nowhere });
    kept.close();
  });

  it("a link made on the fly goes when its connection does", async () => {
    const a = await startNode("n3", {});
    const raw = await dialAs(a, "n9");
    await waitFor(() => upCount(a, "n9"), "the link up");
    raw.close();
    await waitFor(() => !hasLink(a, "n9"), "the link to go");
    expect(a.statuses).toEqual(["n9 up", "n9 down"]);
  });
});

describe("two nodes that know each other", () => {
  it("keep one connection, dialed by the smaller id, with no refused handshake", async () => {
    const limits = { fallbackDialDelayMs: 300 };
    const [n1, n2] = await startCluster(["n1", "n2"], { n1: { limits }, n2: { limits } });
    running.push(n1!, n2!);
    await waitFor(() => upCount(n1!, "n2") && upCount(n2!, "n1"), "the link up");
    await windowPasses(3 * limits.fallbackDialDelayMs);
    await exchange([n1!, n2!], 3);
    expect(statsOf(n1!, "n2")).toMatchObject({ connects: 1, connection: "dialed" });
    expect(statsOf(n2!, "n1")).toMatchObject({
      connects: 1,
      connection: "accepted",
      fallbackConnects: 0,
    });
    expect([n1!.upgrades, n2!.upgrades]).toEqual([0, 1]);
    expect(
      n1!.transport.stats().rejectedHandshakes + n2!.transport.stats().rejectedHandshakes,
    ).toBe(0);
  });

  it("after a connection loss the smaller id redials and the link recovers", async () => {
    // n2 would dial as a fallback only after a minute: the recovery is n1's redial.
    const limits = { fallbackDialDelayMs: 60_000 };
    const b = await startNode("n2", {}, limits);
    const relay = await tcpRelay(b.port);
    cleanups.push(relay.close);
    const a = await startNode("n1", { n2: `127.0.0.1:${relay.port}` }, limits);
    b.transport.setPeers(
      new Map([
        [b.id, `127.0.0.1:${b.port}`],
        [a.id, `127.0.0.1:${a.port}`],
      ]),
    );
    await waitFor(() => upCount(a, "n2") && upCount(b, "n1"), "the link up");
    relay.cut();
    await waitFor(() => a.statuses.join() === "n2 up,n2 down,n2 up", "n1 to redial n2");
    await waitFor(() => upCount(b, "n1"), "n2 to take the new connection");
    await exchange([a, b], 3);
    expect(statsOf(a, "n2")).toMatchObject({ connects: 2, connection: "dialed" });
    expect(statsOf(b, "n1")).toMatchObject({ connects: 2, connection: "accepted" });
    expect(b.transport.stats().rejectedHandshakes).toBe(0);
  });
});

describe("crossing dials", () => {
  it("the smaller id refuses the larger id's dial (409) while its own is under way", async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    // n2's dial to n3 hangs for dialTimeoutMs, then waits at least 5 s before the next one.
    const limits = { dialTimeoutMs: 500, reconnectDelayMsMin: 10_000, reconnectDelayMsMax: 20_000 };
    const a = await startNode("n2", { n3: `127.0.0.1:${silent.port}` }, limits);
    await waitFor(() => statsOf(a, "n3").state === "connecting", "n2 to dial n3");
    expect(await rawDial(a.port, signedAs("n3", "n2"))).toEqual({ status: 409 });
    expect(a.warnings.join("\n")).toMatch(/n2 is dialing n3 \(crossing dials/);
    // Once its dial failed, n2 takes n3's.
    await waitFor(() => statsOf(a, "n3").state === "backoff", "n2's dial to time out");
    const raw = await dialAs(a, "n3");
    expect(statsOf(a, "n3")).toMatchObject({ state: "up", connection: "accepted", connects: 1 });
    raw.close();
  });

  it("the larger id's dial in flight ends cleanly when the smaller id's connection arrives", async () => {
    const silent = await silentServer();
    cleanups.push(silent.close);
    const limits = { fallbackDialDelayMs: 50, dialTimeoutMs: 10_000 };
    const b = await startNode("n3", { n2: `127.0.0.1:${silent.port}` }, limits);
    await waitFor(() => statsOf(b, "n2").state === "connecting", "n3's fallback dial");
    const raw = await dialAs(b, "n2");
    expect(statsOf(b, "n2")).toMatchObject({ state: "up", connection: "accepted", connects: 1 });
    raw.close();
    await waitFor(() => b.statuses.join() === "n2 up,n2 down", "the raw connection to close");
    expect(b.warnings.filter((w) => /peer link error/.test(w))).toEqual([]);
  });
});
