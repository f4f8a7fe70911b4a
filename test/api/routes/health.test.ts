// Proves the health routes: /healthz always answers, /readyz is 503 not_ready until the node is
// ready, /metrics serves deps.metrics or an empty exposition (never 404), and /openapi.json
// describes every route of the protocol table, well formed (path parameters declared, responses
// described, errors as problem+json, the bearer token on /v1).
import { afterEach, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { ROUTES } from "../../../src/protocol/index.js";
import { fails, makeApp, ok } from "../harness.js";

let app: FastifyInstance;

/** The parts of an OpenAPI operation this test reads. */
interface Operation {
  readonly parameters?: readonly { in: string; name: string; required?: boolean }[];
  readonly responses: Record<string, { readonly description?: unknown; readonly content?: object }>;
  readonly requestBody?: unknown;
  readonly security?: unknown;
}

afterEach(async () => {
  await app.close();
});

describe("health routes", () => {
  it("/healthz is ok; /readyz follows service.isReady()", async () => {
    const made = makeApp();
    app = made.app;
    expect(await ok(app, "healthz")).toEqual({ status: "ok", nodeId: "n1" });
    expect(await ok(app, "readyz")).toEqual({ ready: true, nodeId: "n1", leaderId: "n1" });
    made.service.ready = false;
    const problem = await fails(app, "readyz", {}, 503, "not_ready");
    expect(problem.title).toMatch(/leader/);
  });

  it("/metrics serves the registry's exposition with its content type", async () => {
    ({ app } = makeApp(
      {},
      {
        metrics: {
          contentType: "text/plain; version=0.0.4",
          render: async () => "elk_coordinator_is_leader 1\n",
        },
      },
    ));
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/plain; version=0.0.4");
    expect(response.body).toBe("elk_coordinator_is_leader 1\n");
  });

  it("/metrics without a registry is an empty exposition, not a 404", async () => {
    ({ app } = makeApp());
    const response = await app.inject({ method: "GET", url: "/metrics" });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toMatch(/^text\/plain/);
    expect(response.body).toBe("");
  });

  it("/openapi.json is an OpenAPI 3.1 document listing every route with its schemas", async () => {
    ({ app } = makeApp());
    const response = await app.inject({ method: "GET", url: "/openapi.json" });
    expect(response.statusCode).toBe(200);
    const doc = response.json() as {
      openapi: string;
      info: { description: string };
      paths: Record<string, Record<string, Operation>>;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.description).toMatch(/Membership changes .* no endpoint yet/);
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = Object.values(ROUTES).map(
      (spec) => `${spec.method} ${spec.url.replace(/:([A-Za-z]+)/g, "{$1}")}`,
    );
    const notJson = ["GET /metrics", "GET /openapi.json", "GET /v1/events"];
    expect(listed.sort()).toEqual([...expected, ...notJson].sort());
    const create = doc.paths["/v1/plans"]!["post"]!;
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(["200", "201", "4XX", "5XX"]),
    );
    expect(create.requestBody).toBeDefined();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method} ${path}`;
        const declared = (operation.parameters ?? []).filter((p) => p.in === "path");
        const templated = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]);
        expect(declared.map((p) => p.name).sort(), where).toEqual(templated.sort());
        for (const p of declared) expect(p.required, where).toBe(true);
        for (const answer of Object.values(operation.responses)) {
          expect(typeof answer.description, where).toBe("string");
        }
        if (path.startsWith("/v1/")) {
          expect(operation.responses["4XX"]?.content, where).toHaveProperty([
            "application/problem+json",
          ]);
          expect(operation.security, where).toEqual([{ bearer: [] }]);
        }
      }
    }
  });
});
