// Proves the optional API token: off, everything answers; on, every /v1 route (and unknown
// routes) needs the exact bearer token — missing, wrong, differently cased or prefixed tokens are
// 401 problem+json with WWW-Authenticate — while health, readiness, metrics and the OpenAPI
// document stay open, and an encoded path cannot sneak past.
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { ROUTES } from "../../src/protocol/index.js";
import type { RouteName } from "../../src/protocol/index.js";
import { expectProblem, inject, makeApp, urlOf } from "./harness.js";

let app: FastifyInstance;

afterEach(async () => {
  await app.close();
});

const PARAMS = { planId: "p1", partitionId: 0, workerId: "w1", id: "n2" };

describe("API token", () => {
  it("off: /v1 routes answer without a token", async () => {
    ({ app } = makeApp());
    expect((await inject(app, "listPlans")).statusCode).toBe(200);
  });

  it("on: every /v1 route refuses a request without the exact token", async () => {
    ({ app } = makeApp({}, { apiToken: "tok-123" }));
    const wrong = [
      undefined,
      "Bearer tok-12",
      "Bearer tok-1234",
      "bearer tok-123",
      "tok-123",
      "Basic dG9rLTEyMw==",
    ];
    for (const name of Object.keys(ROUTES) as RouteName[]) {
      if (!ROUTES[name].url.startsWith("/v1/")) continue;
      for (const authorization of wrong) {
        const response = await inject(app, name, {
          params: PARAMS,
          ...(authorization === undefined ? {} : { headers: { authorization } }),
        });
        expectProblem(response, 401, "unauthorized");
        expect(response.headers["www-authenticate"]).toMatch(/^Bearer/);
      }
    }
  });

  it("on: the right token passes, and public routes need none", async () => {
    ({ app } = makeApp({}, { apiToken: "tok-123" }));
    const good = await inject(app, "listPlans", { headers: { authorization: "Bearer tok-123" } });
    expect(good.statusCode).toBe(200);
    for (const url of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(200);
    }
    expectProblem(await app.inject({ method: "GET", url: "/v1/elsewhere" }), 401, "unauthorized");
    expectProblem(await app.inject({ method: "GET", url: "/%761/plans" }), 401, "unauthorized");
    expect(urlOf("getPlan", { params: PARAMS })).toBe("/v1/plans/p1");
  });
});
