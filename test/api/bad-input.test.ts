// Proves that bad input on EVERY route is a 4xx problem+json with the right code and the failing
// path in `detail`, never a 5xx and never a proposal: the routes are walked from the served
// OpenAPI document (malformed JSON, wrong content type, unknown fields, wrong types, negative and
// non-integer numbers, bad path params, unknown query fields, oversized bodies), and each route's
// valid call naming an unknown plan or worker is a 404 not_found.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../src/protocol/index.js";
import type { RouteName } from "../../src/protocol/index.js";
import type { FakeService } from "./fake-service.js";
import { expectProblem, inject, makeApp } from "./harness.js";
import type { Call } from "./harness.js";

interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly minimum?: number;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly enum?: readonly unknown[];
}
interface Operation {
  readonly parameters?: readonly {
    readonly in: string;
    readonly name: string;
    readonly schema: JsonSchema;
  }[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: JsonSchema }> };
}
interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly operation: Operation;
}

const BODY_BYTES_MAX = 2_048;
let app: FastifyInstance;
let service: FakeService;
let endpoints: Endpoint[] = [];

beforeAll(async () => {
  ({ app, service } = makeApp({}, { bodyBytesMax: BODY_BYTES_MAX }));
  const doc = (await app.inject({ method: "GET", url: "/openapi.json" })).json() as {
    paths: Record<string, Record<string, Operation>>;
  };
  endpoints = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      method: method.toUpperCase(),
      path,
      operation,
    })),
  );
});

afterAll(async () => {
  await app.close();
});

/** A value of the wrong JSON type for `schema`. */
function wrongType(schema: JsonSchema): unknown {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.includes("string")) return 12;
  if (types.includes("integer") || types.includes("number")) return "12";
  if (types.includes("boolean")) return "yes";
  if (types.includes("array")) return { not: "an array" };
  return 7;
}

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? schema.type[0] : (schema.type as string | undefined);
}

/** A valid-looking path: integer params 0, string params an id. */
function pathOf(endpoint: Endpoint, override: Record<string, string> = {}): string {
  return endpoint.path.replace(/\{([A-Za-z]+)\}/g, (_m, name: string) => {
    if (name in override) return override[name]!;
    const param = endpoint.operation.parameters?.find((p) => p.in === "path" && p.name === name);
    return typeOf(param!.schema) === "integer" ? "0" : "some-id";
  });
}

function send(endpoint: Endpoint, options: { url?: string; body?: string; contentType?: string }) {
  return app.inject({
    method: endpoint.method as "POST",
    url: options.url ?? pathOf(endpoint),
    ...(options.body === undefined ? {} : { payload: options.body }),
    headers: { "content-type": options.contentType ?? "application/json" },
  });
}

function bodySchema(endpoint: Endpoint): JsonSchema | undefined {
  return endpoint.operation.requestBody?.content["application/json"]?.schema;
}

function expect4xx(response: LightMyRequestResponse, status: number, code: string, what: string) {
  expect(response.statusCode, `${what}: ${response.body}`).toBeLessThan(500);
  return expectProblem(response, status, code as "invalid_request");
}

const withBody = () => endpoints.filter((e) => bodySchema(e) !== undefined);
/** The JSON routes: not the metrics exposition, the API description or the console's SSE stream. */
const jsonRoutes = () =>
  endpoints.filter(
    (e) => e.path !== "/metrics" && e.path !== "/openapi.json" && e.path !== "/v1/events",
  );

describe("bad bodies on every route that takes one", () => {
  it("has found the routes in the OpenAPI document", () => {
    expect(withBody().length).toBeGreaterThanOrEqual(17);
    expect(jsonRoutes().length).toBe(Object.keys(ROUTES).length);
  });

  it("malformed JSON → 400, wrong content type → 415, oversized → 413, non-object → 400", async () => {
    for (const endpoint of withBody()) {
      const what = `${endpoint.method} ${endpoint.path}`;
      expect4xx(await send(endpoint, { body: '{"max": 1,' }), 400, "invalid_request", what);
      expect4xx(
        await send(endpoint, { body: "max=1", contentType: "text/plain" }),
        415,
        "unsupported_media_type",
        what,
      );
      expect4xx(
        await send(endpoint, { body: "<a/>", contentType: "application/xml" }),
        415,
        "unsupported_media_type",
        what,
      );
      const huge = JSON.stringify({ padding: "x".repeat(BODY_BYTES_MAX) });
      expect4xx(await send(endpoint, { body: huge }), 413, "payload_too_large", what);
      for (const body of ["[]", "null", "42", '"text"']) {
        const problem = expect4xx(
          await send(endpoint, { body }),
          400,
          "invalid_request",
          `${what} ${body}`,
        );
        expect(problem.detail).toMatch(/^body/);
      }
      const proto = expect4xx(
        await send(endpoint, { body: '{"__proto__": {"x": 1}}' }),
        400,
        "invalid_request",
        what,
      );
      expect(proto.detail).toBeTruthy();
    }
  });

  it("unknown fields, wrong types, negative and non-integer numbers → 400 naming the field", async () => {
    for (const endpoint of withBody()) {
      const what = `${endpoint.method} ${endpoint.path}`;
      const unknown = expect4xx(
        await send(endpoint, { body: '{"bogus": 1}' }),
        400,
        "invalid_request",
        what,
      );
      expect(unknown.detail).toContain('unknown field "bogus"');
      for (const [name, schema] of Object.entries(bodySchema(endpoint)?.properties ?? {})) {
        const cases: unknown[] = [wrongType(schema)];
        if (typeOf(schema) === "integer") cases.push(1.5, (schema.minimum ?? 0) - 1, 2 ** 60);
        if (schema.enum !== undefined) cases.push("not-a-member");
        for (const value of cases) {
          const response = await send(endpoint, { body: JSON.stringify({ [name]: value }) });
          const problem = expect4xx(
            response,
            400,
            "invalid_request",
            `${what} ${name}=${JSON.stringify(value)}`,
          );
          expect(problem.detail).toMatch(/^body/);
        }
      }
    }
  });
});

describe("bad path params and queries on every route", () => {
  it("ids that are not ids, partition numbers that are not non-negative integers → 400", async () => {
    for (const endpoint of jsonRoutes()) {
      for (const param of endpoint.operation.parameters?.filter((p) => p.in === "path") ?? []) {
        const bad =
          typeOf(param.schema) === "integer"
            ? ["-1", "1.5", "abc", "1e3", "0x10", "99999999999999999999"]
            : ["has%20space", "a%2Fb", "x".repeat(65), "%C3%A9t%C3%A9"];
        for (const value of bad) {
          const response = await send(endpoint, {
            url: pathOf(endpoint, { [param.name]: value }),
            body: "{}",
          });
          const problem = expect4xx(
            response,
            400,
            "invalid_request",
            `${endpoint.path} ${param.name}=${value}`,
          );
          expect(problem.detail).toContain(`params/${param.name}`);
        }
      }
    }
  });

  it("unknown query fields, and typed query fields with bad values → 400 naming the field", async () => {
    for (const endpoint of jsonRoutes()) {
      const url = pathOf(endpoint);
      const body = JSON.stringify(validBodyOf(endpoint));
      const unknown = await send(endpoint, { url: `${url}?bogus=1`, body });
      expect(expect4xx(unknown, 400, "invalid_request", endpoint.path).detail).toContain(
        "querystring",
      );
      for (const param of endpoint.operation.parameters?.filter((p) => p.in === "query") ?? []) {
        const type = typeOf(param.schema);
        const values =
          type === "integer"
            ? ["-5", "2.5", "ten", ""]
            : param.schema.enum !== undefined
              ? ["bogus"]
              : type === "boolean"
                ? ["maybe"]
                : [];
        for (const value of values) {
          const response = await send(endpoint, {
            url: `${url}?${param.name}=${value}`,
            body: "{}",
          });
          const problem = expect4xx(
            response,
            400,
            "invalid_request",
            `${endpoint.path}?${param.name}=${value}`,
          );
          expect(problem.detail).toContain(`querystring/${param.name}`);
        }
        const twice = await send(endpoint, {
          url: `${url}?${param.name}=1&${param.name}=2`,
          body: "{}",
        });
        expect4xx(twice, 400, "invalid_request", `${endpoint.path} repeated ${param.name}`);
      }
    }
  });

  it("an unknown route or method → 404 route_not_found", async () => {
    expectProblem(await app.inject({ method: "GET", url: "/v1/nothing" }), 404, "route_not_found");
    expectProblem(await app.inject({ method: "PUT", url: "/v1/plans" }), 404, "route_not_found");
    expectProblem(
      await app.inject({ method: "GET", url: "/v1/plans/a%ZZ" }),
      400,
      "invalid_request",
    );
  });

  it("none of it reached the state machine", () => {
    expect(service.proposals).toEqual([]);
  });
});

/** A body that passes validation, for the route behind `endpoint`. */
function validBodyOf(endpoint: Endpoint): unknown {
  const name = (Object.keys(ROUTES) as RouteName[]).find((key) => {
    const spec = ROUTES[key];
    return (
      spec.method === endpoint.method && spec.url.replace(/:([A-Za-z]+)/g, "{$1}") === endpoint.path
    );
  });
  return (name === undefined ? undefined : (UNKNOWN[name]?.body ?? VALID_BODIES[name])) ?? {};
}

/**
 * Valid bodies of the routes that require fields and are not called in {@link UNKNOWN} (a batch
 * completion answers a ghost worker per item, inside a 200, so it is not there).
 */
const VALID_BODIES: Partial<Record<RouteName, unknown>> = {
  createPlan: { minId: 0, maxId: 9, partitionSize: 1 },
  registerWorker: { workerId: "w9" },
  addMember: { id: "n9", address: "127.0.0.1:7109" },
  completePartitions: { items: [], acquireMax: 1 },
};

/** A valid call of every route naming a plan or worker that does not exist. */
const UNKNOWN: Partial<Record<RouteName, Call>> = {
  getPlan: { params: { planId: "ghost" } },
  planGaps: { params: { planId: "ghost" } },
  pausePlan: { params: { planId: "ghost" } },
  resumePlan: { params: { planId: "ghost" } },
  cancelPlan: { params: { planId: "ghost" } },
  retryFailed: { params: { planId: "ghost" }, body: {} },
  appendPartitions: { params: { planId: "ghost" }, body: { workerId: "w1", upToId: 10 } },
  getPartition: { params: { planId: "ghost", partitionId: 0 } },
  reportProgress: {
    params: { planId: "ghost", partitionId: 0 },
    body: { workerId: "w1", fencingToken: 1, checkpointId: 0, processedCount: 1 },
  },
  completePartition: {
    params: { planId: "ghost", partitionId: 0 },
    body: { workerId: "w1", fencingToken: 1 },
  },
  failPartition: {
    params: { planId: "ghost", partitionId: 0 },
    body: { workerId: "w1", fencingToken: 1, error: "e", retryable: false },
  },
  releasePartition: {
    params: { planId: "ghost", partitionId: 0 },
    body: { workerId: "w1", fencingToken: 1 },
  },
  preemptPartition: { params: { planId: "ghost", partitionId: 0 }, body: { byWorkerId: "w1" } },
  heartbeat: { params: { workerId: "ghost" } },
  acquire: { params: { workerId: "ghost" }, body: { max: 1 } },
  deregisterWorker: { params: { workerId: "ghost" } },
  getWorker: { params: { workerId: "ghost" } },
};

describe("unknown plans and workers", () => {
  it("every route that names one answers 404 not_found", async () => {
    await inject(app, "registerWorker", { body: { workerId: "w1" } });
    for (const [name, call] of Object.entries(UNKNOWN)) {
      const problem = expectProblem(await inject(app, name as RouteName, call), 404, "not_found");
      expect(problem.detail, name).toMatch(/ghost|does not exist|unknown/);
    }
  });
});
