// Proves how one attempt reads an answer: problem+json becomes the CoordinatorError with the
// same code, detail and status; a bare 5xx (a proxy, a dying node) is a lost answer; a bare 4xx
// gets the code its status means; a dead endpoint is "not sent".
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { EndpointPools, problemError } from "../../src/worker/http-attempt.js";

const server = createServer((request, response) => {
  const [status, type, body] = ANSWERS[request.url ?? ""] ?? [200, "application/json", "{}"];
  response.writeHead(status, { "content-type": type }).end(body);
});
const ANSWERS: Record<string, [number, string, string]> = {
  "/problem": [
    409,
    "application/problem+json",
    JSON.stringify({
      type: "about:blank",
      title: "t",
      status: 409,
      code: "not_holder",
      detail: "not yours",
    }),
  ],
  "/leader": [
    503,
    "application/problem+json",
    JSON.stringify({ code: "not_leader", title: "t", leaderId: "n2", leaderUrl: "http://x:1" }),
  ],
  "/bare502": [502, "text/html", "<h1>Bad gateway</h1>"],
  "/bare429": [429, "text/plain", "slow down"],
  "/ok": [200, "application/json", '{"fine":true}'],
  "/notjson": [200, "text/plain", "fine"],
};
let origin = "";
const pools = new EndpointPools(2);

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await pools.close();
  await new Promise((resolve) => server.close(resolve));
});

const get = (path: string, at = origin) =>
  pools.attempt(at, {
    method: "GET",
    path,
    headers: {},
    body: undefined,
    timeoutMs: 2_000,
    signal: undefined,
  });

describe("EndpointPools.attempt", () => {
  it("answers the parsed body of a 2xx", async () => {
    expect(await get("/ok")).toMatchObject({ ok: true, answer: { body: { fine: true } } });
    expect(await get("/notjson")).toMatchObject({ ok: false, failure: { kind: "lost" } });
  });

  it("rebuilds problem+json as the CoordinatorError with the same code", async () => {
    const outcome = await get("/problem");
    expect(outcome.ok).toBe(false);
    const failure = !outcome.ok ? outcome.failure : undefined;
    expect(failure?.kind).toBe("answered");
    expect(failure?.error).toBeInstanceOf(CoordinatorError);
    expect(failure?.error).toMatchObject({
      code: "not_holder",
      message: "not yours",
      details: { httpStatus: 409 },
    });
    const leader = await get("/leader");
    expect(!leader.ok && leader.failure.error).toMatchObject({
      details: { leaderId: "n2", leaderUrl: "http://x:1" },
    });
  });

  it("treats a bare 5xx as lost and gives a bare 4xx the code of its status", async () => {
    expect(await get("/bare502")).toMatchObject({ ok: false, failure: { kind: "lost" } });
    const slow = await get("/bare429");
    expect(!slow.ok && slow.failure.error).toMatchObject({ code: "back_pressure" });
  });

  it("reports a dead endpoint as not sent", async () => {
    const outcome = await get("/ok", "http://127.0.0.1:1");
    expect(outcome).toMatchObject({ ok: false, failure: { kind: "not-sent" } });
  });
});

describe("problemError", () => {
  it("is null for bodies that are not problems", () => {
    expect(problemError(500, null)).toBeNull();
    expect(problemError(500, { code: "made_up" })).toBeNull();
    expect(problemError(500, "text")).toBeNull();
  });
});
