// Proves the token scopes: every registered route declares one and docs/API.md lists exactly
// those; for each class of route (read, write, admin) a missing or unknown token is 401, a token
// of a smaller scope is 403 insufficient_scope, one of its scope or larger passes; public routes
// need none; the single --api-token is an admin token next to the file's tokens; a replaced
// registry takes effect on the next request; the tokens file is parsed strictly.
import { readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import {
  TokenRegistry,
  TokensFileError,
  parseTokensFile,
  type TokenScope,
} from "../../src/api/auth.js";
import type { RouteName } from "../../src/protocol/index.js";
import { expectProblem, inject, makeApp } from "./harness.js";

const TOKENS: Record<TokenScope, string> = {
  read: "read-token-0123456789",
  write: "write-token-0123456789",
  admin: "admin-token-0123456789",
};
const PARAMS = { planId: "p1", partitionId: 0, workerId: "w1", id: "n2" };
/** One route of each class: what it needs, and a call that passes validation. */
const CLASSES: { route: RouteName; needs: TokenScope; body?: unknown }[] = [
  { route: "listPlans", needs: "read" },
  { route: "getPlan", needs: "read" },
  { route: "raftStatus", needs: "read" },
  { route: "pausePlan", needs: "write" },
  { route: "registerWorker", needs: "write", body: { workerId: "w1" } },
  { route: "snapshotNow", needs: "admin" },
  { route: "transferLeadership", needs: "admin", body: {} },
  { route: "listMembers", needs: "read" },
  { route: "addMember", needs: "admin", body: { id: "n4", address: "127.0.0.1:7104" } },
  { route: "promoteMember", needs: "admin" },
  { route: "removeMember", needs: "admin" },
];

let app: FastifyInstance;
afterEach(async () => {
  await app.close();
});

const registry = () =>
  new TokenRegistry(
    (Object.keys(TOKENS) as TokenScope[]).map((scope) => ({ scope, token: TOKENS[scope] })),
  );

/** method + url → scope of every route the app registers (collected before it is ready). */
async function registeredScopes(): Promise<Map<string, string>> {
  ({ app } = makeApp({}, { tokens: registry() }));
  const scopes = new Map<string, string>();
  app.addHook("onRoute", (route) => {
    for (const method of [route.method].flat()) {
      scopes.set(`${method} ${route.url}`, route.config?.scope ?? "(none)");
    }
  });
  await app.ready();
  return scopes;
}

/** The rows of the scope table in docs/API.md, as `METHOD path` → scope. */
function documentedScopes(): Map<string, string> {
  const doc = readFileSync("docs/API.md", "utf8");
  const block = /<!-- scopes:begin -->([\s\S]*?)<!-- scopes:end -->/.exec(doc)?.[1] ?? "";
  const rows = new Map<string, string>();
  for (const [, method, url, scope] of block.matchAll(
    /^\| `(GET|POST|DELETE|OPTIONS)` +\| `([^`]+)` +\| `(\w+)` +\|$/gm,
  )) {
    rows.set(`${method} ${url}`, scope!);
  }
  return rows;
}

describe("route scopes", () => {
  it("every route declares a scope, and docs/API.md lists exactly them", async () => {
    const scopes = await registeredScopes();
    expect(scopes.size).toBeGreaterThan(20);
    for (const [route, scope] of scopes) {
      expect(["public", "read", "write", "admin"], route).toContain(scope);
    }
    expect(Object.fromEntries(documentedScopes())).toEqual(Object.fromEntries(scopes));
  });

  it("401 without a known token, 403 with a smaller scope, through with enough", async () => {
    ({ app } = makeApp({}, { tokens: registry() }));
    const order: TokenScope[] = ["read", "write", "admin"];
    for (const { route, needs, body } of CLASSES) {
      const call = (authorization?: string) =>
        inject(app, route, {
          params: PARAMS,
          ...(body === undefined ? {} : { body }),
          ...(authorization === undefined ? {} : { headers: { authorization } }),
        });
      expectProblem(await call(), 401, "unauthorized");
      expectProblem(await call("Bearer not-a-known-token-000"), 401, "unauthorized");
      for (const held of order) {
        const response = await call(`Bearer ${TOKENS[held]}`);
        if (order.indexOf(held) < order.indexOf(needs)) {
          expectProblem(response, 403, "insufficient_scope");
          expect(response.headers["www-authenticate"]).toContain(`scope="${needs}"`);
        } else {
          // Past authorization: the route's own answer (e.g. 404 for a plan that does not exist).
          expect([401, 403], `${route} with ${held}`).not.toContain(response.statusCode);
        }
      }
    }
  });

  it("public routes need no token; --api-token is admin; a replaced registry applies at once", async () => {
    const tokens = registry();
    ({ app } = makeApp({}, { tokens, apiToken: "the-single-token" }));
    for (const url of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
    const snapshot = (token: string) =>
      inject(app, "snapshotNow", { headers: { authorization: `Bearer ${token}` } });
    expect((await snapshot("the-single-token")).statusCode).toBe(200);
    tokens.replace([{ scope: "read", token: TOKENS.admin }]);
    expectProblem(await snapshot(TOKENS.admin), 403, "insufficient_scope");
    expectProblem(await snapshot(TOKENS.write), 401, "unauthorized");
    expect((await snapshot("the-single-token")).statusCode).toBe(200);
  });
});

describe("parseTokensFile", () => {
  it("reads scope-token lines, skipping blanks and comments", () => {
    const text = `# operators\nadmin ${TOKENS.admin}\n\n  read   ${TOKENS.read}  \r\n`;
    expect(parseTokensFile(text, "tokens")).toEqual([
      { scope: "admin", token: TOKENS.admin },
      { scope: "read", token: TOKENS.read },
    ]);
  });

  it("refuses unknown scopes, short tokens, extra words and duplicates, naming the line", () => {
    const bad = [
      ["owner aaaaaaaaaaaaaaaaaaaa", /tokens line 1: expected/],
      ["read short", /line 1: a token must be at least 16/],
      ["read aaaaaaaaaaaaaaaaaaaa extra", /line 1: expected/],
      ["read aaaaaaaaaaaaaaaaaaaa\nwrite aaaaaaaaaaaaaaaaaaaa", /line 2: this token is listed/],
    ] as const;
    for (const [text, message] of bad) {
      expect(() => parseTokensFile(text, "tokens")).toThrow(TokensFileError);
      expect(() => parseTokensFile(text, "tokens")).toThrow(message);
    }
  });
});
