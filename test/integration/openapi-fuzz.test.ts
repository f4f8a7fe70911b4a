// Proves the API of a live three-node cluster of real processes holds against requests generated
// by fast-check from its own /openapi.json — valid ones from the schemas and hostile mutations of
// them (deep nesting, huge strings, wrong types, unknown fields, bad JSON, wrong media types,
// garbage path and query values, forged X-Elk-Forwarded-By, bad credentials and session headers)
// — sent to every node, with the API token on and off: never a 5xx (bar a retryable 503 with
// Retry-After while leadership moves), every 4xx problem+json with a catalogued code and its
// status, and afterwards one agreed leader, every node ready, and equal state hashes.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevCluster, type DevCluster } from "../../src/cli/dev-cluster.js";
import { ERROR_CATALOGUE } from "../../src/errors.js";
import { waitFor } from "../node/harness.js";

/** Requests per auth mode, and the wall-clock bound on them (FUZZ_REQUESTS=5000 explores more). */
const REQUESTS = Number(process.env["FUZZ_REQUESTS"] ?? 400);
const TIME_LIMIT_MS = Number(process.env["FUZZ_TIME_LIMIT_MS"] ?? 20_000 + REQUESTS * 40);
const TOKEN = "fuzz-api-token-0123456789";
const RETRYABLE_5XX = new Set(["no_leader", "not_leader"]);
/** After an accepted leadership transfer, nodes may briefly disagree on the leader. */
const LEADER_MOVE_MS = 5_000;

interface Schema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly items?: Schema;
  readonly maxItems?: number;
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly required?: readonly string[];
}
interface Parameter {
  readonly in: "path" | "query";
  readonly name: string;
  readonly required?: boolean;
  readonly schema: Schema;
}
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: Schema | null;
}
/** One generated request. */
interface FuzzRequest {
  readonly node: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

/** Ids the cluster may know (the fuzz creates some of them), and a few it cannot. */
const ID = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("p1", "p2", "p3", "w1", "w2", "default", "n1", "n2") },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/) },
);

/** A value the schema accepts (ids from the pool, so that writes meet existing state). */
function valid(schema: Schema, field = ""): fc.Arbitrary<unknown> {
  if (schema.enum !== undefined) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case "string":
      return schema.pattern?.startsWith("^[A-Za-z0-9._-]") === true
        ? ID
        : fc.string({ maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case "integer":
    case "number": {
      // A long poll would hold the request for up to 30 s: keep the waits short.
      const max = field === "waitMs" ? 50 : Math.min(schema.maximum ?? 1e6, 1e6);
      return fc.integer({ min: Math.max(schema.minimum ?? 0, 0), max });
    }
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(valid(schema.items ?? {}), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case "object":
      return objectOf(schema);
    default:
      return fc.jsonValue({ maxDepth: 3 });
  }
}

function objectOf(schema: Schema): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(schema.properties ?? {}).map(
    ([name, field]) => [name, valid(field, name)] as const,
  );
  if (schema.properties !== undefined && entries.length === 0) return fc.constant({});
  if (entries.length === 0)
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 2,
    });
  return fc.record(Object.fromEntries(entries), {
    requiredKeys: (schema.required ?? []).filter((name) => schema.properties?.[name] !== undefined),
  });
}

/** A value of the wrong type, or one at or past a limit. */
const WRONG = fc.oneof(
  fc.constantFrom(null, true, -1, 1.5, 2 ** 60, "", "x".repeat(70), [], {}, "1e3", "0x10"),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.jsonValue({ maxDepth: 4 }),
);

function nested(levels: number, array: boolean): string {
  return array
    ? `${"[".repeat(levels)}1${"]".repeat(levels)}`
    : `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
}

function fieldNames(schema: Schema): string[] {
  const names = Object.keys(schema.properties ?? {});
  return names.length === 0 ? ["field"] : names;
}

/** The body text: valid, or mutated. */
function bodyText(schema: Schema): fc.Arbitrary<string | undefined> {
  const base = objectOf(schema);
  return fc.oneof(
    { weight: 8, arbitrary: base.map((value) => JSON.stringify(value)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.string({ maxLength: 10 }), WRONG)
        .map(([value, name, wrong]) => JSON.stringify({ ...value, [name]: wrong })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(base, fc.constantFrom(...fieldNames(schema)), WRONG)
        .map(([value, name, wrong]) => JSON.stringify({ ...value, [name]: wrong })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom(60, 5_000, 100_000), fc.boolean())
        .map(([value, levels, array]) =>
          JSON.stringify({ ...value, options: "§" }).replace('"§"', nested(levels, array)),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(base, fc.constantFrom(1_000, 300_000, 1_100_000))
        .map(([value, length]) => JSON.stringify({ ...value, name: "é".repeat(length) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        undefined,
        "",
        "{",
        '{"a":1,}',
        "null",
        "[]",
        '"text"',
        "42",
        '{"__proto__":{"x":1}}',
        '{"constructor":{"prototype":{"x":1}}}',
        "\u0000",
        '{"a":"\\ud800"}',
      ),
    },
  );
}

function pathValue(parameter: Parameter): fc.Arbitrary<string> {
  const good = valid(parameter.schema, parameter.name).map(String);
  const garbage = fc.oneof(
    fc.constantFrom("..", "%2e%2e", "%00", "a%2Fb", "1.5", "-1", "0x10", "9".repeat(30), "é", " "),
    fc.string({ maxLength: 100 }).map(encodeURIComponent),
  );
  return fc.oneof({ weight: 6, arbitrary: good }, { weight: 1, arbitrary: garbage });
}

function queryOf(parameters: readonly Parameter[]): fc.Arbitrary<string> {
  const query = parameters.filter((p) => p.in === "query");
  const pairs = query.map((p) =>
    fc.option(
      fc
        .oneof(
          { weight: 6, arbitrary: valid(p.schema, p.name).map(String) },
          { weight: 1, arbitrary: WRONG.map((w) => JSON.stringify(w) ?? "") },
        )
        .map((value) => `${p.name}=${encodeURIComponent(value)}`),
    ),
  );
  const unknown = fc.oneof(
    { weight: 10, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom("bogus=1", "limit=abc", `cursor=${"x".repeat(300)}`) },
  );
  return fc.tuple(fc.tuple(...pairs), unknown).map(([chosen, extra]) => {
    const parts = [...chosen, extra].filter((part): part is string => part !== null);
    return parts.length === 0 ? "" : `?${parts.join("&")}`;
  });
}

/** Headers: the token (or a wrong one) and sometimes hostile session or hop headers. */
function headersOf(tokenOn: boolean): fc.Arbitrary<Record<string, string>> {
  const auth = tokenOn
    ? fc.oneof(
        { weight: 8, arbitrary: fc.constant({ authorization: `Bearer ${TOKEN}` }) },
        { weight: 1, arbitrary: fc.constant({}) },
        {
          weight: 1,
          arbitrary: fc
            .constantFrom("Bearer", "Bearer wrong", "Basic Zm9vOmJhcg==", `bearer ${TOKEN}x`)
            .map((authorization) => ({ authorization })),
        },
      )
    : fc.constant({});
  const hostile = fc.record(
    {
      "x-elk-forwarded-by": fc.oneof(
        fc.constantFrom("n1", "n2", "n3", `n1 ${"0".repeat(64)}`, ""),
        fc.string({ maxLength: 80 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
      ),
      "idempotency-key": fc.oneof(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.constant("k".repeat(300)),
      ),
      "x-elk-client-id": fc.constantFrom("c1", "c/2", "", "x".repeat(300)),
      "x-elk-client-seq": fc.constantFrom(
        "1",
        "2",
        "0",
        "-1",
        "1.5",
        "abc",
        "99999999999999999999",
      ),
    },
    { requiredKeys: [] },
  );
  return fc
    .tuple(
      auth,
      fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: hostile }),
    )
    .map(([a, h]) => ({
      ...a,
      ...Object.fromEntries(Object.entries(h ?? {}).filter(([, v]) => /^[\x20-\x7e]*$/.test(v))),
    }));
}

function requestOf(operation: Operation, tokenOn: boolean): fc.Arbitrary<FuzzRequest> {
  const params = operation.parameters.filter((p) => p.in === "path");
  const filled = fc
    .tuple(...params.map(pathValue))
    .map((values) =>
      params.reduce((url, p, k) => url.replace(`{${p.name}}`, values[k]!), operation.path),
    );
  const body = operation.body === null ? fc.constant(undefined) : bodyText(operation.body);
  const contentType = fc.oneof(
    { weight: 12, arbitrary: fc.constant("application/json") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "text/plain",
        "application/xml",
        "application/json; charset=latin1",
      ),
    },
  );
  return fc
    .record({
      node: fc.integer({ min: 0, max: 2 }),
      url: fc.tuple(filled, queryOf(operation.parameters)).map(([p, q]) => p + q),
      headers: headersOf(tokenOn),
      body,
      contentType,
    })
    .map(({ node, url, headers, body: text, contentType: type }) => ({
      node,
      method: operation.method,
      url,
      headers: text === undefined ? headers : { ...headers, "content-type": type },
      body: text,
    }));
}

function operationsOf(document: {
  paths: Record<
    string,
    Record<
      string,
      { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
}): Operation[] {
  return Object.entries(document.paths).flatMap(([route, methods]) =>
    Object.entries(methods)
      // Membership changes are left out: a well-formed one really removes (even with force) or
      // adds members, and the cluster fuzzed must stay the cluster checked afterwards. Their
      // refusals of bad input are proven in test/api/routes/members.test.ts.
      .filter(([method]) => !(route.startsWith("/v1/cluster/members") && method !== "get"))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: route,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content["application/json"]?.schema ?? null,
      })),
  );
}

/**
 * Why the answer breaks the API's promises, or null when it keeps them. `leaderMoving`: a
 * leadership transfer was accepted moments ago, so a retryable 503 naming the leader (or saying
 * there is none) is the right answer rather than a failure.
 */
function broken(
  status: number,
  headers: Record<string, unknown>,
  text: string,
  leaderMoving: boolean,
): string | null {
  if (status < 400) return status >= 200 ? null : `status ${status}`;
  const type = String(headers["content-type"] ?? "");
  if (!type.startsWith("application/problem+json")) return `${status} as ${type}`;
  let problem: { code?: string; status?: number };
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    return `${status}: not JSON`;
  }
  const spec =
    problem.code === undefined
      ? undefined
      : ERROR_CATALOGUE[problem.code as keyof typeof ERROR_CATALOGUE];
  if (spec === undefined) return `${status}: uncatalogued code ${problem.code}`;
  if (spec.httpStatus !== status || problem.status !== status)
    return `${status}: code ${problem.code}`;
  if (status < 500) return null;
  const retryable =
    leaderMoving &&
    status === 503 &&
    RETRYABLE_5XX.has(problem.code!) &&
    headers["retry-after"] !== undefined;
  return retryable ? null : `${status} ${problem.code}`;
}

/** Both clusters start at once: their start, not the fuzzing, is most of this file's time. */
const clusters = new Map<boolean, DevCluster>();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "elk-fuzz-"));
  const start = (tokenOn: boolean) =>
    startDevCluster({
      basePort: 0,
      dataDir: path.join(root, tokenOn ? "token" : "open"),
      ...(tokenOn ? { apiToken: TOKEN } : {}),
      readyTimeoutMs: 60_000,
      stopGraceMs: 5_000,
    }).then((cluster) => clusters.set(tokenOn, cluster));
  const started = await Promise.allSettled([start(false), start(true)]);
  const failed = started.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}, 120_000);

afterAll(async () => {
  await Promise.all([...clusters.values()].map((cluster) => cluster.stop()));
  await rm(root, { recursive: true, force: true });
});

describe.each([
  { mode: "without a token", tokenOn: false },
  { mode: "with a token", tokenOn: true },
])("fuzzing the API of a live cluster $mode", ({ tokenOn }) => {
  const auth: Record<string, string> = tokenOn ? { authorization: `Bearer ${TOKEN}` } : {};

  it("answers every generated request without a 5xx and with catalogued problems; ends converged", async () => {
    const cluster = clusters.get(tokenOn)!;
    const document = (await (
      await request(`${cluster.endpoints[0]}/openapi.json`)
    ).body.json()) as Parameters<typeof operationsOf>[0];
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThanOrEqual(25);
    const statuses = new Map<number, number>();
    let transferredAtMs = -Infinity;
    const arbitrary = fc.oneof(...operations.map((operation) => requestOf(operation, tokenOn)));
    await fc.assert(
      fc.asyncProperty(arbitrary, async (fuzz) => {
        const response = await request(cluster.endpoints[fuzz.node]! + fuzz.url, {
          method: fuzz.method as "GET",
          headers: fuzz.headers,
          body: fuzz.body ?? null,
          headersTimeout: 15_000,
          bodyTimeout: 15_000,
        });
        // A push stream (GET /v1/events) never ends: its status and headers are the answer.
        const streaming = String(response.headers["content-type"]).startsWith("text/event-stream");
        if (streaming) response.body.destroy();
        const text = streaming ? "" : await response.body.text();
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const leaderMoving = performance.now() - transferredAtMs < LEADER_MOVE_MS;
        if (fuzz.url.startsWith("/v1/raft/transfer-leadership") && response.statusCode === 200)
          transferredAtMs = performance.now();
        const why = broken(response.statusCode, response.headers, text, leaderMoving);
        expect(why, `${fuzz.method} ${fuzz.url} → ${text.slice(0, 300)}`).toBeNull();
      }),
      { numRuns: REQUESTS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(answered, "the time limit left room for most requests").toBeGreaterThan(REQUESTS / 3);
    expect(statuses.get(400) ?? 0, "hostile requests were refused").toBeGreaterThan(0);
    expect(
      [...statuses.keys()].some((s) => s < 300),
      "some requests succeeded",
    ).toBe(true);
    if (tokenOn) expect(statuses.get(401) ?? 0, "wrong tokens were refused").toBeGreaterThan(0);

    await cluster.waitForLeader();
    for (const url of cluster.endpoints) {
      await waitFor(
        `${url} ready`,
        async () => {
          const response = await request(`${url}/readyz`);
          await response.body.dump();
          return response.statusCode === 200;
        },
        15_000,
      );
    }
    const converged = await waitFor(
      "equal state hashes",
      async () => {
        const hashes = await Promise.all(
          cluster.endpoints.map(async (url) => {
            const response = await request(`${url}/v1/raft/status?hash=true`, { headers: auth });
            const body = (await response.body.json()) as { lastApplied: number; stateHash: string };
            return `${body.lastApplied}/${body.stateHash}`;
          }),
        );
        return new Set(hashes).size === 1 ? hashes[0] : false;
      },
      20_000,
    );
    expect(converged).toMatch(/^\d+\/\S+$/);
    console.log(
      `fuzz ${tokenOn ? "with" : "without"} a token: ${JSON.stringify([...statuses].sort())}`,
    );
  }, 120_000);
});
