/**
 * API tokens with scopes (docs/SECURITY.md). Every route declares the scope it needs — the
 * routes of the protocol table by their `scope` (src/protocol/routes.ts), any other route by
 * `config: { scope }` when it is registered — and a route without one needs `admin` (fail
 * closed). `read` < `write` < `admin`: a token's scope grants its own routes and those below.
 * Tokens come from `--api-tokens-file` (one `<scope> <token>` per line) and the single
 * `--api-token`, which is an admin token. A request needs `Authorization: Bearer <token>`:
 * without a known token 401 `unauthorized`, with a token whose scope is too small 403
 * `insufficient_scope`. Tokens are compared in constant time over equal-length SHA-256 digests,
 * against every known token (no early exit). Decided on the matched route, not the raw URL, so no
 * spelling of a path slips past; a path matching no route needs any valid token before its 404.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { AUTHORIZATION_HEADER, type RouteScope } from "../protocol/index.js";
import { problemFor, sendProblem } from "./problem.js";

declare module "fastify" {
  interface FastifyContextConfig {
    /** The token scope the route needs (absent: `admin`). */
    scope?: RouteScope;
  }
}

/** The scopes a token may have, smallest first. */
export const TOKEN_SCOPES = ["read", "write", "admin"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** One token and its scope. */
export interface ScopedToken {
  readonly scope: TokenScope;
  readonly token: string;
}

/** The fewest characters a token of a tokens file may have. */
export const TOKEN_CHARS_MIN = 16;

/** A tokens file that cannot be used; the message names the line. */
export class TokensFileError extends Error {
  override readonly name = "TokensFileError";
}

/**
 * Parses a tokens file: one `<scope> <token>` per line (scope `read`, `write` or `admin`; the
 * token at least {@link TOKEN_CHARS_MIN} visible ASCII characters), blank lines and `#` comments
 * ignored.
 * @throws TokensFileError naming `origin` and the line: an unknown scope, a short or malformed
 *   token, a token listed twice
 */
export function parseTokensFile(text: string, origin: string): ScopedToken[] {
  const tokens: ScopedToken[] = [];
  const seen = new Set<string>();
  text.split(/\r?\n/).forEach((raw, at) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const where = `${origin} line ${at + 1}`;
    const [scope = "", token = "", ...rest] = line.split(/\s+/);
    const known = TOKEN_SCOPES.find((candidate) => candidate === scope);
    if (known === undefined || rest.length > 0) {
      throw new TokensFileError(`${where}: expected "<read|write|admin> <token>"`);
    }
    if (token.length < TOKEN_CHARS_MIN || !/^[\x21-\x7e]+$/.test(token)) {
      throw new TokensFileError(
        `${where}: a token must be at least ${TOKEN_CHARS_MIN} visible ASCII characters`,
      );
    }
    if (seen.has(token)) throw new TokensFileError(`${where}: this token is listed already`);
    seen.add(token);
    tokens.push({ scope: known, token });
  });
  return tokens;
}

/** Whether a token of scope `held` may call a route that needs `needed`. */
export function grants(held: TokenScope, needed: RouteScope): boolean {
  return needed === "public" || TOKEN_SCOPES.indexOf(held) >= TOKEN_SCOPES.indexOf(needed);
}

/** The known tokens, replaceable as a whole (a reload swaps them between two requests). */
export class TokenRegistry {
  private digests: readonly { readonly digest: Buffer; readonly scope: TokenScope }[] = [];

  constructor(tokens: readonly ScopedToken[] = []) {
    this.replace(tokens);
  }

  /** Makes `tokens` the known ones. */
  replace(tokens: readonly ScopedToken[]): void {
    this.digests = tokens.map(({ scope, token }) => ({ scope, digest: digest(`Bearer ${token}`) }));
  }

  /**
   * The scope of the token an `Authorization` header carries, or null for no known token.
   * Compares against every token in constant time; the largest scope wins.
   */
  scopeOf(authorization: string | undefined): TokenScope | null {
    if (authorization === undefined) return null;
    const given = digest(authorization);
    let best = -1;
    for (const { digest: known, scope } of this.digests) {
      const rank = TOKEN_SCOPES.indexOf(scope);
      if (timingSafeEqual(given, known) && rank > best) best = rank;
    }
    return TOKEN_SCOPES[best] ?? null;
  }
}

const REALM = 'Bearer realm="elk-coordinator"';

/**
 * An onRequest hook enforcing the scope of the matched route with the tokens of `registry` and,
 * when given, `adminToken` (the single `--api-token`, kept across reloads of the registry).
 */
export function scopedAuth(
  registry: TokenRegistry,
  adminToken?: string,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  const admin = new TokenRegistry(
    adminToken === undefined ? [] : [{ scope: "admin", token: adminToken }],
  );
  return async (request, reply) => {
    const matched = request.routeOptions.url !== undefined;
    const needed: RouteScope = matched ? (request.routeOptions.config.scope ?? "admin") : "read";
    if (needed === "public") return undefined;
    const given = request.headers[AUTHORIZATION_HEADER];
    const authorization = typeof given === "string" ? given : undefined;
    const held = admin.scopeOf(authorization) ?? registry.scopeOf(authorization);
    if (held === null) {
      reply.header("www-authenticate", REALM);
      return sendProblem(
        reply,
        problemFor("unauthorized", "send Authorization: Bearer <api token>"),
      );
    }
    if (grants(held, needed)) return undefined;
    reply.header("www-authenticate", `${REALM}, error="insufficient_scope", scope="${needed}"`);
    return sendProblem(
      reply,
      problemFor("insufficient_scope", `this endpoint needs a ${needed} token; yours is ${held}`),
    );
  };
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
