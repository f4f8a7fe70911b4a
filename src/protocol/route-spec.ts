/**
 * The shape of one endpoint of the protocol table (routes.ts) and the request and response types
 * derived from its schemas, which the API's handlers and the typed client share.
 */
import type { Static, TObject, TSchema } from "typebox";
import type { DeepReadonly } from "./fields.js";

/**
 * How an endpoint is served:
 * - `read`: runs a query on the applied state, linearizable unless `?consistency=stale`; any
 *   node answers; always safe to retry.
 * - `write`: proposes a command; a follower forwards it to the leader; accepts the
 *   `Idempotency-Key` or `X-Elk-Client-Id`/`X-Elk-Client-Seq` headers.
 * - `local`: about this node only (health, status, snapshot); never forwarded.
 */
export type RouteKind = "read" | "write" | "local";

/**
 * What an API token must be allowed to call an endpoint (docs/SECURITY.md): `read` (GET routes),
 * `write` (plans, partitions, workers), `admin` (Raft operations, membership); admin includes
 * write, write includes read. `public` needs no token (health, readiness).
 */
export type RouteScope = "public" | "read" | "write" | "admin";

/** The route groups: one fastify plugin each, one OpenAPI tag each. */
export type RouteGroup = "plans" | "partitions" | "workers" | "cluster" | "health";

/** One endpoint. `url` uses fastify's `:param` syntax. */
export interface RouteSpec {
  readonly method: "GET" | "POST" | "DELETE";
  readonly url: string;
  readonly group: RouteGroup;
  readonly kind: RouteKind;
  /** The token scope it needs (enforced by src/api/auth.ts, listed in docs/API.md). */
  readonly scope: RouteScope;
  readonly summary: string;
  readonly params?: TObject;
  readonly querystring?: TObject;
  readonly body?: TObject;
  readonly response: TSchema;
  /** Success statuses besides 200 (e.g. 201 for a created plan). */
  readonly createdStatus?: 201;
}

type StaticOf<S> = S extends TSchema ? Static<S> : undefined;

/** The path parameters of route `S` (undefined when it has none). */
export type ParamsOf<S extends RouteSpec> = S extends { readonly params: infer P }
  ? StaticOf<P>
  : undefined;
/** The query of route `S` (undefined when it takes none). */
export type QueryOf<S extends RouteSpec> = S extends { readonly querystring: infer Q }
  ? StaticOf<Q>
  : undefined;
/** The JSON body of route `S` (undefined when it takes none). */
export type BodyOf<S extends RouteSpec> = S extends { readonly body: infer B }
  ? StaticOf<B>
  : undefined;
/** What route `S` answers on success. */
export type ResponseOf<S extends RouteSpec> = DeepReadonly<Static<S["response"]>>;
