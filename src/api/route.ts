/**
 * Registers one endpoint of the protocol table (src/protocol/routes.ts) with its schemas, and
 * serves it by its kind: reads and local routes run the handler; writes are forwarded to the
 * leader when this node knows another node leads (or when proposing says `not_leader`), unless
 * a peer already forwarded the request once (`X-Elk-Forwarded-By` with a valid proof, see
 * forward.ts), and otherwise run with the client session of their headers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { CoordinatorError } from "../errors.js";
import type { LeaderInfo, ProposeOptions } from "../node/service.js";
import {
  AUTHORIZATION_HEADER,
  CLIENT_ID_HEADER,
  CLIENT_SEQ_HEADER,
  FORWARDED_BY_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  LEADER_URL_HEADER,
  PROBLEM_CONTENT_TYPE,
  ProblemSchema,
} from "../protocol/index.js";
import type { BodyOf, ParamsOf, QueryOf, ResponseOf, RouteSpec } from "../protocol/index.js";
import type { ApiContext } from "./context.js";
import { forwardFailure, forwardedByValue, isForwardedByPeer } from "./forward.js";
import { sessionOf } from "./session.js";
import { asNodeId } from "../util/ids.js";

/** What a handler receives: the validated request parts, and the request itself. */
export interface HandlerInput<S extends RouteSpec> {
  readonly params: ParamsOf<S>;
  readonly query: QueryOf<S>;
  readonly body: BodyOf<S>;
  /** Write routes: the client session of the headers (empty without one). */
  readonly session: ProposeOptions;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

/** Serves one route: answers its success body (the status is 200 unless set on `reply`). */
export type RouteHandler<S extends RouteSpec> = (input: HandlerInput<S>) => Promise<ResponseOf<S>>;

/** The query of a route that takes none: unknown query fields are refused like unknown body fields. */
const NO_QUERY = Type.Object({}, { additionalProperties: false });

/** How every error is described and serialized: problem+json. */
const PROBLEM_RESPONSE = {
  description: "A problem (RFC 9457) with a stable code: see docs/ERRORS.md.",
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
};

/** Headers a forwarded request carries over. */
const FORWARDED_HEADERS = [
  AUTHORIZATION_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  CLIENT_ID_HEADER,
  CLIENT_SEQ_HEADER,
] as const;

/** Registers `spec` on `app`, served by `handler`. */
export function addRoute<S extends RouteSpec>(
  app: FastifyInstance,
  api: ApiContext,
  spec: S,
  handler: RouteHandler<S>,
): void {
  app.route({
    method: spec.method,
    url: spec.url,
    schema: routeSchema(spec),
    config: { scope: spec.scope },
    ...(spec.body === undefined ? {} : { preValidation: absentBodyIsEmpty }),
    handler: async (request, reply) => {
      const leader = spec.kind === "write" ? forwardTarget(api, request) : null;
      if (leader !== null) return forward(api, request, reply, leader);
      const input: HandlerInput<S> = {
        params: request.params as ParamsOf<S>,
        query: request.query as QueryOf<S>,
        body: request.body as BodyOf<S>,
        session:
          spec.kind === "write" ? sessionOf(request.headers, spec.method, pathOf(request)) : {},
        request,
        reply,
      };
      try {
        return await handler(input);
      } catch (error) {
        const target = spec.kind === "write" ? notLeaderTarget(error, api, request) : null;
        if (target === null) throw error;
        return forward(api, request, reply, target);
      }
    },
  });
}

/** The fastify schema of `spec`: its parts, its answers (problem+json for errors), its docs. */
function routeSchema(spec: RouteSpec): Record<string, unknown> {
  const success =
    spec.createdStatus === undefined
      ? { 200: spec.response }
      : { 200: spec.response, [spec.createdStatus]: spec.response };
  return {
    summary: spec.summary,
    tags: [spec.group],
    ...(spec.url.startsWith("/v1/") ? { security: [{ bearer: [] }] } : {}),
    ...(spec.params === undefined ? {} : { params: spec.params }),
    querystring: spec.querystring ?? NO_QUERY,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    response: { ...success, "4xx": PROBLEM_RESPONSE, "5xx": PROBLEM_RESPONSE },
  };
}

/** A POST without a body is a POST of `{}` (actions such as pause need no fields). */
async function absentBodyIsEmpty(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}

/** The leader to forward to before handling, when this node knows another node leads. */
function forwardTarget(api: ApiContext, request: FastifyRequest): LeaderInfo | null {
  if (forwardedByPeer(api, request)) return null;
  const leader = api.service.leader();
  if (leader.leaderId === null || leader.leaderId === api.service.nodeId) return null;
  return leader.leaderUrl === null ? null : leader;
}

/** The leader named by a `not_leader` error, when the request may still be forwarded. */
function notLeaderTarget(
  error: unknown,
  api: ApiContext,
  request: FastifyRequest,
): LeaderInfo | null {
  if (!(error instanceof CoordinatorError) || error.code !== "not_leader") return null;
  if (forwardedByPeer(api, request)) return null;
  const { leaderId, leaderUrl } = error.details;
  if (typeof leaderUrl !== "string") return null;
  return { leaderId: typeof leaderId === "string" ? asNodeId(leaderId) : null, leaderUrl };
}

/** True when a peer forwarded `request` (a client cannot forge the proof). */
function forwardedByPeer(api: ApiContext, request: FastifyRequest): boolean {
  const header = request.headers[FORWARDED_BY_HEADER];
  return isForwardedByPeer(api.clusterSecret, header, request.method, request.url);
}

async function forward(
  api: ApiContext,
  request: FastifyRequest,
  reply: FastifyReply,
  leader: LeaderInfo,
): Promise<FastifyReply> {
  const leaderUrl = leader.leaderUrl ?? "";
  const headers: Record<string, string> = {
    [FORWARDED_BY_HEADER]: forwardedByValue(
      api.clusterSecret,
      api.service.nodeId,
      request.method,
      request.url,
    ),
  };
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await api.forward(leaderUrl, {
      method: request.method,
      url: request.url,
      headers,
      body,
      signal: api.closing,
    });
  } catch (error) {
    throw forwardFailure(error, leader);
  }
  reply.code(response.statusCode).headers(response.headers).header(LEADER_URL_HEADER, leaderUrl);
  if (response.headers["content-type"] === undefined) reply.type("application/json");
  return reply.send(response.body);
}

function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf("?");
  return query < 0 ? request.url : request.url.slice(0, query);
}
