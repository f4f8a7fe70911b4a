// Proves `--join` discovery: it asks each endpoint for GET /v1/cluster/members until one answers,
// sends the token, keeps only members with an address, and gives up with a JoinError naming the
// failures once its time is up.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { MembershipView } from "../../src/node/service.js";
import { JoinError, discoverMembers } from "../../src/server/join.js";
import { asNodeId } from "../../src/util/ids.js";

const servers: http.Server[] = [];
const silent = { info: () => undefined, warn: () => undefined };

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

function member(id: string, address: string | null): MembershipView["members"][number] {
  return {
    id: asNodeId(id),
    role: "voter",
    address,
    isLeader: id === "n1",
    matchIndex: null,
    entriesBehind: null,
    caughtUp: null,
    connected: null,
  };
}

const VIEW: MembershipView = {
  nodeId: asNodeId("n2"),
  leaderId: asNodeId("n1"),
  configIndex: 7,
  changeInFlight: false,
  members: [member("n1", "10.0.0.1:7101"), member("n2", "10.0.0.2:7101"), member("n3", null)],
  removed: [],
  caughtUpEntriesMax: 100,
};

/** A server answering every request with `status` and `body`; records the requests. */
async function serve(status: number, body: unknown, seen: http.IncomingMessage[] = []) {
  const server = http.createServer((request, response) => {
    seen.push(request);
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("join discovery", () => {
  it("learns the members from the first endpoint that answers, with the token", async () => {
    const refusing = await serve(503, { code: "no_leader" });
    const seen: http.IncomingMessage[] = [];
    const answering = await serve(200, VIEW, seen);
    const { members, from } = await discoverMembers({
      endpoints: [refusing, answering],
      token: "read-token-0123456789",
      timeoutMs: 5_000,
      logger: silent,
    });
    expect(from).toBe(answering);
    expect(Object.fromEntries(members)).toEqual({ n1: "10.0.0.1:7101", n2: "10.0.0.2:7101" });
    expect(seen[0]?.url).toBe("/v1/cluster/members");
    expect(seen[0]?.headers.authorization).toBe("Bearer read-token-0123456789");
  });

  it("gives up after its timeout with a JoinError naming each endpoint's failure", async () => {
    const empty = await serve(200, { ...VIEW, members: [] });
    const failing = discoverMembers({ endpoints: [empty], timeoutMs: 600, logger: silent });
    await expect(failing).rejects.toBeInstanceOf(JoinError);
    await expect(failing).rejects.toThrow(/within 600 ms.*lists no members/);
  });
});
