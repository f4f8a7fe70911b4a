/**
 * The typed HTTP client of a coordinator cluster, used by the worker SDK and the CLI: one method
 * per endpoint of the protocol table (src/protocol/routes.ts), with request and response types
 * from its schemas. It finds the leader — it follows the `leaderUrl` of a `not_leader` answer and
 * the `X-Elk-Leader-Url` of a forwarded one, else tries the endpoints in turn — and retries what
 * is safe to retry (retry-policy.ts) with jittered exponential backoff until a deadline. Errors
 * are `CoordinatorError`s with the code of the node's problem+json answer; `unreachable` when no
 * node answered in time. Exactly-once writes: pass `{ session }` from a {@link createSequencer}
 * (sent as X-Elk-Client-Id/Seq, the SAME seq on every retry) or an `idempotencyKey`.
 */
import {
  clientConnectionsPerEndpoint,
  clientRequestTimeoutMs,
  clientRetryDeadlineMs,
} from "../constants.js";
import { CoordinatorError } from "../errors.js";
import {
  AUTHORIZATION_HEADER,
  CLIENT_ID_HEADER,
  CLIENT_SEQ_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  LEADER_URL_HEADER,
  ROUTES,
} from "../protocol/index.js";
import type { BodyOf, QueryOf, ResponseOf, RouteSpec } from "../protocol/index.js";
import { EndpointPools } from "./http-attempt.js";
import type { AttemptRequest } from "./http-attempt.js";
import { nextStep, retryDelayMs } from "./retry-policy.js";
import type { AttemptFailure } from "./retry-policy.js";
import type { ClientSession } from "./sequencer.js";

export { createSequencer } from "./sequencer.js";
export type { ClientSession, Sequencer } from "./sequencer.js";

/** The least a logger must offer (a pino logger does). */
export interface ClientLogger {
  debug(details: object, message: string): void;
  warn(details: object, message: string): void;
}

/** How to reach the cluster. */
export interface ClientOptions {
  /** Base URLs of the nodes, e.g. `["http://127.0.0.1:7101", "http://127.0.0.1:7102"]`. */
  readonly endpoints: readonly string[];
  /** Sent as `Authorization: Bearer <apiToken>`. */
  readonly apiToken?: string;
  /**
   * The CA (PEM) that signs the nodes' certificates, for `https://` endpoints of a TLS cluster
   * (docs/SECURITY.md); the system's CAs are trusted without it. Host names are verified.
   */
  readonly ca?: string;
  /** One attempt's timeout, beyond any long-poll wait (default constants.clientRequestTimeoutMs). */
  readonly requestTimeoutMs?: number;
  /** Retries stop once this much time has passed (default constants.clientRetryDeadlineMs). */
  readonly retryDeadlineMs?: number;
  readonly connectionsPerEndpoint?: number;
  readonly logger?: ClientLogger;
  /** Uniform draws in [0, 1) for retry jitter (default Math.random). */
  readonly random?: () => number;
}

/** Per-call options. */
export interface CallOptions {
  /** Exactly-once: the session of this request; a retry re-sends the same seq. */
  readonly session?: ClientSession;
  /** Exactly-once by key (at most 255 visible ASCII characters), scoped to method and path. */
  readonly idempotencyKey?: string;
  /** Ask this node only (no leader discovery), e.g. for its own Raft status. */
  readonly endpoint?: string;
  readonly signal?: AbortSignal;
  /** Overrides the client's retry deadline for this call (ms from now; 0 = one attempt). */
  readonly retryDeadlineMs?: number;
}

type R = typeof ROUTES;
type Answer<N extends keyof R> = Promise<ResponseOf<R[N]>>;

/** One typed method per endpoint of the API (docs/API.md). */
export interface CoordinatorClient {
  createPlan(body: BodyOf<R["createPlan"]>, options?: CallOptions): Answer<"createPlan">;
  listPlans(query?: QueryOf<R["listPlans"]>, options?: CallOptions): Answer<"listPlans">;
  getPlan(planId: string, query?: QueryOf<R["getPlan"]>, options?: CallOptions): Answer<"getPlan">;
  planGaps(
    planId: string,
    query?: QueryOf<R["planGaps"]>,
    options?: CallOptions,
  ): Answer<"planGaps">;
  pausePlan(planId: string, options?: CallOptions): Answer<"pausePlan">;
  resumePlan(planId: string, options?: CallOptions): Answer<"resumePlan">;
  cancelPlan(planId: string, options?: CallOptions): Answer<"cancelPlan">;
  retryFailed(
    planId: string,
    body?: BodyOf<R["retryFailed"]>,
    options?: CallOptions,
  ): Answer<"retryFailed">;
  appendPartitions(
    planId: string,
    body: BodyOf<R["appendPartitions"]>,
    options?: CallOptions,
  ): Answer<"appendPartitions">;
  listPartitions(
    query?: QueryOf<R["listPartitions"]>,
    options?: CallOptions,
  ): Answer<"listPartitions">;
  getPartition(
    planId: string,
    partitionId: number,
    query?: QueryOf<R["getPartition"]>,
    options?: CallOptions,
  ): Answer<"getPartition">;
  reportProgress(
    planId: string,
    partitionId: number,
    body: BodyOf<R["reportProgress"]>,
    options?: CallOptions,
  ): Answer<"reportProgress">;
  completePartition(
    planId: string,
    partitionId: number,
    body: BodyOf<R["completePartition"]>,
    options?: CallOptions,
  ): Answer<"completePartition">;
  failPartition(
    planId: string,
    partitionId: number,
    body: BodyOf<R["failPartition"]>,
    options?: CallOptions,
  ): Answer<"failPartition">;
  releasePartition(
    planId: string,
    partitionId: number,
    body: BodyOf<R["releasePartition"]>,
    options?: CallOptions,
  ): Answer<"releasePartition">;
  preemptPartition(
    planId: string,
    partitionId: number,
    body: BodyOf<R["preemptPartition"]>,
    options?: CallOptions,
  ): Answer<"preemptPartition">;
  registerWorker(
    body: BodyOf<R["registerWorker"]>,
    options?: CallOptions,
  ): Answer<"registerWorker">;
  heartbeat(
    workerId: string,
    body?: BodyOf<R["heartbeat"]>,
    options?: CallOptions,
  ): Answer<"heartbeat">;
  /** A long poll when `body.waitMs` > 0: the attempt's timeout grows by that wait. */
  acquire(workerId: string, body: BodyOf<R["acquire"]>, options?: CallOptions): Answer<"acquire">;
  /** Completes many held partitions (each fenced on its own), then acquires with acquireMax. */
  completePartitions(
    workerId: string,
    body: BodyOf<R["completePartitions"]>,
    options?: CallOptions,
  ): Answer<"completePartitions">;
  deregisterWorker(workerId: string, options?: CallOptions): Answer<"deregisterWorker">;
  listWorkers(query?: QueryOf<R["listWorkers"]>, options?: CallOptions): Answer<"listWorkers">;
  getWorker(
    workerId: string,
    query?: QueryOf<R["getWorker"]>,
    options?: CallOptions,
  ): Answer<"getWorker">;
  raftStatus(query?: QueryOf<R["raftStatus"]>, options?: CallOptions): Answer<"raftStatus">;
  transferLeadership(
    body?: BodyOf<R["transferLeadership"]>,
    options?: CallOptions,
  ): Answer<"transferLeadership">;
  snapshotNow(options?: CallOptions): Answer<"snapshotNow">;
  /** The configuration as the answering node knows it (pin `endpoint` to ask the leader). */
  listMembers(options?: CallOptions): Answer<"listMembers">;
  addMember(body: BodyOf<R["addMember"]>, options?: CallOptions): Answer<"addMember">;
  promoteMember(id: string, options?: CallOptions): Answer<"promoteMember">;
  removeMember(
    id: string,
    query?: QueryOf<R["removeMember"]>,
    options?: CallOptions,
  ): Answer<"removeMember">;
  healthz(options?: CallOptions): Answer<"healthz">;
  readyz(options?: CallOptions): Answer<"readyz">;
  /** The node requests go to first: the leader once known. */
  currentEndpoint(): string;
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
}

/** What one call sends, before it is routed. */
interface Call {
  readonly spec: RouteSpec;
  readonly params: Readonly<Record<string, string | number>>;
  readonly query: object | undefined;
  readonly body: unknown;
  /** Extra time the server may hold the request (long poll). */
  readonly holdMs: number;
  readonly options: CallOptions;
}

/**
 * A client of the cluster at `options.endpoints`.
 * @throws CoordinatorError invalid_request when no endpoint is given or one is not an http(s) URL
 */
export function createClient(options: ClientOptions): CoordinatorClient {
  const endpoints = options.endpoints.map(originOf);
  const first = endpoints[0];
  if (first === undefined) throw new CoordinatorError("invalid_request", "no endpoints given");
  const pools = new EndpointPools(
    options.connectionsPerEndpoint ?? clientConnectionsPerEndpoint,
    options.ca,
  );
  const router = new LeaderRouter(endpoints, first);
  const send = <N extends keyof R>(name: N, call: Omit<Call, "spec">): Answer<N> =>
    callWithRetries(options, pools, router, { spec: ROUTES[name], ...call }) as Answer<N>;
  const plan = (planId: string) => ({ planId });
  const partition = (planId: string, partitionId: number) => ({ planId, partitionId });
  const worker = (workerId: string) => ({ workerId });
  const member = (id: string) => ({ id });
  const none = {};
  const c = (
    params: Call["params"],
    query: object | undefined,
    body: unknown,
    o: CallOptions = {},
  ) => ({ params, query, body, holdMs: 0, options: o }) as const;
  return {
    createPlan: (body, o) => send("createPlan", c(none, undefined, body, o)),
    listPlans: (query, o) => send("listPlans", c(none, query, undefined, o)),
    getPlan: (id, query, o) => send("getPlan", c(plan(id), query, undefined, o)),
    planGaps: (id, query, o) => send("planGaps", c(plan(id), query, undefined, o)),
    pausePlan: (id, o) => send("pausePlan", c(plan(id), undefined, {}, o)),
    resumePlan: (id, o) => send("resumePlan", c(plan(id), undefined, {}, o)),
    cancelPlan: (id, o) => send("cancelPlan", c(plan(id), undefined, {}, o)),
    retryFailed: (id, body, o) => send("retryFailed", c(plan(id), undefined, body ?? {}, o)),
    appendPartitions: (id, body, o) => send("appendPartitions", c(plan(id), undefined, body, o)),
    listPartitions: (query, o) => send("listPartitions", c(none, query, undefined, o)),
    getPartition: (id, n, query, o) =>
      send("getPartition", c(partition(id, n), query, undefined, o)),
    reportProgress: (id, n, body, o) =>
      send("reportProgress", c(partition(id, n), undefined, body, o)),
    completePartition: (id, n, body, o) =>
      send("completePartition", c(partition(id, n), undefined, body, o)),
    failPartition: (id, n, body, o) =>
      send("failPartition", c(partition(id, n), undefined, body, o)),
    releasePartition: (id, n, body, o) =>
      send("releasePartition", c(partition(id, n), undefined, body, o)),
    preemptPartition: (id, n, body, o) =>
      send("preemptPartition", c(partition(id, n), undefined, body, o)),
    registerWorker: (body, o) => send("registerWorker", c(none, undefined, body, o)),
    heartbeat: (id, body, o) => send("heartbeat", c(worker(id), undefined, body ?? {}, o)),
    acquire: (id, body, o) =>
      send("acquire", { ...c(worker(id), undefined, body, o), holdMs: body.waitMs ?? 0 }),
    completePartitions: (id, body, o) =>
      send("completePartitions", c(worker(id), undefined, body, o)),
    deregisterWorker: (id, o) => send("deregisterWorker", c(worker(id), undefined, {}, o)),
    listWorkers: (query, o) => send("listWorkers", c(none, query, undefined, o)),
    getWorker: (id, query, o) => send("getWorker", c(worker(id), query, undefined, o)),
    raftStatus: (query, o) => send("raftStatus", c(none, query, undefined, o)),
    transferLeadership: (body, o) => send("transferLeadership", c(none, undefined, body ?? {}, o)),
    snapshotNow: (o) => send("snapshotNow", c(none, undefined, {}, o)),
    listMembers: (o) => send("listMembers", c(none, undefined, undefined, o)),
    addMember: (body, o) => send("addMember", c(none, undefined, body, o)),
    promoteMember: (id, o) => send("promoteMember", c(member(id), undefined, {}, o)),
    removeMember: (id, query, o) => send("removeMember", c(member(id), query, {}, o)),
    healthz: (o) => send("healthz", c(none, undefined, undefined, o)),
    readyz: (o) => send("readyz", c(none, undefined, undefined, o)),
    currentEndpoint: () => router.current,
    close: () => pools.close(),
  };
}

/**
 * Where requests go: the leader once known (learned from `not_leader` answers and forwarded
 * answers), else the endpoints in turn; a node that cannot be reached passes the turn on.
 */
class LeaderRouter {
  private turn = 0;

  constructor(
    private readonly endpoints: readonly string[],
    public current: string,
  ) {}

  /** The leader is at `url`. */
  learned(url: string): void {
    this.current = originOf(url);
  }

  /** `failed` did not serve: the next endpoint of the list takes over (unless it moved on). */
  passOn(failed: string): void {
    if (this.current !== failed) return;
    this.turn = (this.turn + 1) % this.endpoints.length;
    this.current = this.endpoints[this.turn] ?? this.current;
  }
}

/** Sends `call`, retrying what retry-policy.ts allows until the deadline. */
async function callWithRetries(
  options: ClientOptions,
  pools: EndpointPools,
  router: LeaderRouter,
  call: Call,
): Promise<unknown> {
  const request = attemptRequest(options, call);
  const idempotent =
    call.spec.kind !== "write" ||
    call.options.session !== undefined ||
    call.options.idempotencyKey !== undefined;
  const deadlineAtMs =
    Date.now() + (call.options.retryDeadlineMs ?? options.retryDeadlineMs ?? clientRetryDeadlineMs);
  const pinned = call.options.endpoint === undefined ? undefined : originOf(call.options.endpoint);
  let target = pinned ?? router.current;
  for (let attempt = 1; ; attempt++) {
    const outcome = await pools.attempt(target, request);
    if (outcome.ok) {
      const leaderUrl = outcome.answer.headers[LEADER_URL_HEADER];
      if (pinned === undefined && leaderUrl !== undefined) router.learned(leaderUrl);
      return outcome.answer.body;
    }
    const step = nextStep(outcome.failure, idempotent);
    const delayMs =
      step.retry && typeof step.to === "object" && originOf(step.to.url) !== target
        ? 0
        : retryDelayMs(attempt, options.random);
    if (!step.retry || Date.now() + delayMs > deadlineAtMs)
      throw finalError(outcome.failure, target);
    options.logger?.debug(
      { target, attempt, failure: outcome.failure.error.message },
      "retrying a request",
    );
    if (pinned === undefined) {
      if (step.to === "next") router.passOn(target);
      else if (typeof step.to === "object") router.learned(step.to.url);
      target = router.current;
    }
    if (delayMs > 0) await sleep(delayMs, call.options.signal);
  }
}

function attemptRequest(options: ClientOptions, call: Call): AttemptRequest {
  const headers: Record<string, string> = {};
  if (options.apiToken !== undefined) headers[AUTHORIZATION_HEADER] = `Bearer ${options.apiToken}`;
  const { session, idempotencyKey } = call.options;
  if (session !== undefined) {
    headers[CLIENT_ID_HEADER] = session.clientId;
    headers[CLIENT_SEQ_HEADER] = String(session.seq);
  }
  if (idempotencyKey !== undefined) headers[IDEMPOTENCY_KEY_HEADER] = idempotencyKey;
  const body = call.spec.method === "GET" ? undefined : JSON.stringify(call.body ?? {});
  if (body !== undefined) headers["content-type"] = "application/json";
  return {
    method: call.spec.method,
    path: pathOf(call.spec.url, call.params, call.query),
    headers,
    body,
    timeoutMs: (options.requestTimeoutMs ?? clientRequestTimeoutMs) + call.holdMs,
    signal: call.options.signal,
  };
}

/** `url` with its `:params` filled in and the defined fields of `query` appended. */
export function pathOf(
  url: string,
  params: Readonly<Record<string, string | number>>,
  query: object | undefined,
): string {
  const path = url.replace(/:([A-Za-z]+)/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined)
      throw new CoordinatorError("invalid_request", `missing path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) search.append(name, String(value));
  }
  const text = search.toString();
  return text === "" ? path : `${path}?${text}`;
}

/** What a call throws when it gives up after `failure` at `target`. */
function finalError(failure: AttemptFailure, target: string): CoordinatorError {
  if (failure.kind === "answered") return failure.error;
  if (failure.kind === "not-sent") {
    return new CoordinatorError(
      "unreachable",
      `no node answered (last tried ${target}): ${failure.error.message}`,
    );
  }
  return new CoordinatorError(
    "proposal_timeout",
    `no answer from ${target} (${failure.error.message}); the outcome is unknown`,
  );
}

/** The origin (`http://host:port`) of an endpoint URL. */
function originOf(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CoordinatorError("invalid_request", `endpoint ${url} is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CoordinatorError("invalid_request", `endpoint ${url} is not http(s)`);
  }
  return parsed.origin;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
