// Proves the console's routes: GET /v1/events answers an SSE stream whose first message is the
// full picture, needs the token when auth is on, refuses the stream beyond the per-node cap
// with 503 console_clients_full; the partition map endpoint answers buckets; the page and its
// libraries are served from the package without a token, within 150 KB gzipped in total; CORS
// lets only the members' origins call the API; the OpenAPI document lists the stream.
import { gzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ConsoleAssets } from "../../../src/api/console/assets.js";
import { consoleClientsMax } from "../../../src/constants.js";
import { NodeEvents } from "../../../src/node/events.js";
import { expectProblem, makeApp, ok } from "../harness.js";

let app: FastifyInstance;
const opened: AbortController[] = [];

afterEach(async () => {
  for (const stream of opened.splice(0)) stream.abort();
  await app.close();
});

const MEMBERS = new Map([
  ["n1", "http://127.0.0.1:7101"],
  ["n2", "http://127.0.0.1:7102"],
]);

async function listen(apiToken?: string): Promise<string> {
  ({ app } = makeApp(
    {},
    {
      members: MEMBERS,
      events: new NodeEvents(() => {}),
      ...(apiToken === undefined ? {} : { apiToken }),
    },
  ));
  return app.listen({ host: "127.0.0.1", port: 0 });
}

/** Opens the stream; answers the response and a reader of its first SSE message. */
async function openStream(base: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  opened.push(abort);
  const response = await fetch(`${base}/v1/events`, { headers, signal: abort.signal });
  return {
    response,
    async firstMessage(): Promise<{ event: string; data: Record<string, unknown> }> {
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      while (!/event: .*\ndata: .*\n\n/.test(text)) text += (await reader.read()).value ?? "";
      const [, event, data] = /event: (.*)\ndata: (.*)\n\n/.exec(text)!;
      return { event: event!, data: JSON.parse(data!) as Record<string, unknown> };
    },
  };
}

describe("GET /v1/events", () => {
  it("streams text/event-stream whose first message is the full picture", async () => {
    const base = await listen();
    const stream = await openStream(base);
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const first = await stream.firstMessage();
    expect(first.event).toBe("snapshot");
    expect(first.data).toMatchObject({
      nodeId: "n1",
      members: [
        { id: "n1", url: "http://127.0.0.1:7101" },
        { id: "n2", url: "http://127.0.0.1:7102" },
      ],
      plans: [],
      workers: [],
    });
    expect((first.data["nodes"] as { id: string; self: boolean }[]).map((n) => n.id)).toEqual([
      "n1",
      "n2",
    ]);
  });

  it("refuses unknown query fields with 400 before any stream opens", async () => {
    const base = await listen();
    const refused = await fetch(`${base}/v1/events?bogus=1`);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: "invalid_request" });
  });

  it("needs the token when auth is on", async () => {
    const base = await listen("console-token");
    const refused = await fetch(`${base}/v1/events`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: "unauthorized" });
    const stream = await openStream(base, { authorization: "Bearer console-token" });
    expect(stream.response.status).toBe(200);
    expect((await stream.firstMessage()).event).toBe("snapshot");
  });

  it("refuses one stream more than the cap with 503 console_clients_full", async () => {
    const base = await listen();
    for (let i = 0; i < consoleClientsMax; i++) {
      expect((await openStream(base)).response.status).toBe(200);
    }
    const refused = await fetch(`${base}/v1/events`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("content-type")).toMatch(/problem\+json/);
    expect(await refused.json()).toMatchObject({ code: "console_clients_full" });
  });
});

describe("the partition map", () => {
  it("answers a plan's partitions counted by status in buckets, 404 for an unknown plan", async () => {
    ({ app } = makeApp());
    await ok(app, "createPlan", {
      body: { planId: "p", minId: 0, maxId: 99, partitionSize: 10 },
    });
    const map = await ok(app, "planBuckets", {
      params: { planId: "p" },
      query: { buckets: 4, consistency: "stale" },
    });
    expect(map).toMatchObject({ partitionCount: 10, bucketSize: 3, bucketCount: 4 });
    expect(map.counts.pending).toEqual([3, 3, 3, 1]);
    const missing = await app.inject({ url: "/v1/plans/ghost/buckets" });
    expectProblem(missing, 404, "not_found");
  });
});

describe("the page", () => {
  it("is served without a token, with its libraries, and unknown files are 404", async () => {
    ({ app } = makeApp({}, { apiToken: "console-token" }));
    const page = await app.inject({ url: "/ui" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toMatch(/text\/html/);
    for (const file of page.body.matchAll(/"(\/ui\/[^"]+)"/g)) {
      const asset = await app.inject({ url: file[1]! });
      expect(asset.statusCode, file[1]).toBe(200);
    }
    expectProblem(await app.inject({ url: "/ui/..%2F..%2Fpackage.json" }), 404, "route_not_found");
    expectProblem(await app.inject({ url: "/ui/vendor/nothing.js" }), 404, "route_not_found");
  });

  it("weighs at most 150 KB gzipped, every file counted", () => {
    const assets = new ConsoleAssets();
    const gzipped = assets.names.reduce((sum, name) => {
      const body = assets.get(name)?.body ?? Buffer.alloc(0);
      return sum + gzipSync(body, { level: 9 }).length;
    }, 0);
    expect(assets.names).toEqual(
      expect.arrayContaining(["index.html", "app.js", "vendor/uPlot.esm.js"]),
    );
    expect(gzipped).toBeLessThanOrEqual(150 * 1024);
  });
});

describe("CORS", () => {
  it("lets only the members' origins call the API, preflight included", async () => {
    ({ app } = makeApp({}, { members: MEMBERS, apiToken: "console-token" }));
    const preflight = await app.inject({
      method: "OPTIONS",
      url: "/v1/plans",
      headers: {
        origin: "http://127.0.0.1:7102",
        "access-control-request-method": "GET",
        "access-control-request-headers": "authorization",
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("http://127.0.0.1:7102");
    expect(String(preflight.headers["access-control-allow-headers"])).toMatch(/authorization/);
    const foreign = await app.inject({
      url: "/v1/plans",
      headers: { origin: "http://evil.example", authorization: "Bearer console-token" },
    });
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("the OpenAPI document describes the stream and the partition map", async () => {
    ({ app } = makeApp());
    const doc = (await app.inject({ url: "/openapi.json" })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/events", "/v1/plans/{planId}/buckets"]),
    );
    expect(Object.keys(doc.paths).some((p) => p.startsWith("/ui"))).toBe(false);
  });
});
