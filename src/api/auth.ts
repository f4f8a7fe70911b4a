/**
 * The optional API token (issue 4): when set, every route except the public ones (health,
 * readiness, metrics, the API description) needs `Authorization: Bearer <token>`, compared in
 * constant time (both sides hashed to equal-length digests first), else 401 `unauthorized`.
 * Decided on the matched route pattern, not the raw URL, so no spelling of a path slips past.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AUTHORIZATION_HEADER } from "../protocol/index.js";
import { problemFor, sendProblem } from "./problem.js";

/** An onRequest hook refusing requests without the bearer `token` (routes in `publicRoutes` excepted). */
export function bearerAuth(
  token: string,
  publicRoutes: ReadonlySet<string>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const expected = digest(`Bearer ${token}`);
  return async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && publicRoutes.has(route)) return undefined;
    const given = request.headers[AUTHORIZATION_HEADER];
    if (typeof given === "string" && timingSafeEqual(digest(given), expected)) return undefined;
    reply.header("www-authenticate", 'Bearer realm="elk-coordinator"');
    return sendProblem(reply, problemFor("unauthorized", "send Authorization: Bearer <api token>"));
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
