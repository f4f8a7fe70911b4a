// Test helper (not a test): builds an app over a FakeService and calls routes by their name in
// the protocol table, checking every success body against the route's declared response schema
// and every error against the problem+json schema.
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { Compile } from "typebox/compile";
import { expect } from "vitest";
import { buildApp } from "../../src/api/index.js";
import type { AppDeps } from "../../src/api/index.js";
import { PROBLEM_CONTENT_TYPE, ProblemSchema, ROUTES } from "../../src/protocol/index.js";
import type { Problem, ResponseOf, RouteName } from "../../src/protocol/index.js";
import { FakeService } from "./fake-service.js";
import type { FakeServiceOptions } from "./fake-service.js";

const problemCheck = Compile(ProblemSchema);
const responseChecks = new Map(
  Object.entries(ROUTES).map(([name, spec]) => [name, Compile(spec.response)]),
);

/** A request to a named route. */
export interface Call {
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The URL of route `name` with `params` filled in and `query` appended. */
export function urlOf(name: RouteName, call: Call = {}): string {
  const path = ROUTES[name].url.replace(/:([A-Za-z]+)/g, (_match, param: string) => {
    const value = call.params?.[param];
    if (value === undefined) throw new Error(`missing param ${param}`);
    return encodeURIComponent(String(value));
  });
  const query = new URLSearchParams(
    Object.entries(call.query ?? {}).map(([key, value]): [string, string] => [key, String(value)]),
  ).toString();
  return query === "" ? path : `${path}?${query}`;
}

/** Injects a call of route `name`. */
export function inject(
  app: FastifyInstance,
  name: RouteName,
  call: Call = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: ROUTES[name].method,
    url: urlOf(name, call),
    ...(call.body === undefined ? {} : { payload: call.body as object }),
    ...(call.headers === undefined ? {} : { headers: call.headers }),
  });
}

/** Calls route `name`, expects a 2xx answer matching the route's response schema, and returns it. */
export async function ok<N extends RouteName>(
  app: FastifyInstance,
  name: N,
  call: Call = {},
): Promise<ResponseOf<(typeof ROUTES)[N]>> {
  const response = await inject(app, name, call);
  expect(response.statusCode, `${name}: ${response.body}`).toBeLessThan(300);
  const body: unknown = response.json();
  const check = responseChecks.get(name)!;
  expect(
    check.Check(body),
    `${name} answers its schema: ${JSON.stringify([...check.Errors(body)])}`,
  ).toBe(true);
  return body as ResponseOf<(typeof ROUTES)[N]>;
}

/** Asserts `response` is problem+json with `status` and `code`, and returns the problem. */
export function expectProblem(
  response: LightMyRequestResponse,
  status: number,
  code: Problem["code"],
): Problem {
  expect(response.headers["content-type"]).toContain(PROBLEM_CONTENT_TYPE);
  const problem: unknown = response.json();
  expect(problemCheck.Check(problem), `problem schema: ${response.body}`).toBe(true);
  expect(problem).toMatchObject({ status, code, type: "about:blank" });
  expect(response.statusCode).toBe(status);
  return problem as Problem;
}

/** Calls route `name` and expects a problem with `status` and `code`. */
export async function fails(
  app: FastifyInstance,
  name: RouteName,
  call: Call,
  status: number,
  code: Problem["code"],
): Promise<Problem> {
  return expectProblem(await inject(app, name, call), status, code);
}

/** The cluster secret of the apps tests build (it signs the hop header of forwarded writes). */
export const TEST_CLUSTER_SECRET = "test-cluster-secret-0123456789";

/** What a test builds an app from: AppDeps, the secret defaulting to TEST_CLUSTER_SECRET. */
export type TestAppDeps = Omit<AppDeps, "clusterSecret"> & { readonly clusterSecret?: string };

/** buildApp with TEST_CLUSTER_SECRET unless `deps` names another secret. */
export function buildTestApp(deps: TestAppDeps): FastifyInstance {
  return buildApp({ clusterSecret: TEST_CLUSTER_SECRET, ...deps });
}

/** An app over a fresh FakeService. */
export function makeApp(
  options: FakeServiceOptions = {},
  deps: Omit<TestAppDeps, "service"> = {},
): { app: FastifyInstance; service: FakeService } {
  const service = new FakeService(options);
  return { app: buildTestApp({ service, ...deps }), service };
}
