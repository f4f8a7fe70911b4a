/**
 * `--join`: how a new node learns the members of the running cluster it joins (docs/RUNBOOKS.md
 * "Replace a failed node"). It asks `GET /v1/cluster/members` of each endpoint in turn until one
 * answers, retrying with a growing delay up to `joinDiscoveryTimeoutMs`. The members it learns
 * become its peers (so its transport accepts them and knows the leader's URL); it counts none
 * of them as a voter. It is a learner only once an operator adds it (`member add`), and learns
 * the configuration itself from the leader.
 */
import { Agent, buildConnector } from "undici";
import { joinDiscoveryTimeoutMs } from "../constants.js";
import type { MembershipView } from "../node/service.js";
import { asNodeId, type NodeId } from "../util/ids.js";

/** No endpoint of `--join` answered with the membership in time. */
export class JoinError extends Error {
  override readonly name = "JoinError";
}

/** What discovery needs. */
export interface JoinOptions {
  /** HTTP base URLs of some members (`http(s)://host:port`). */
  readonly endpoints: readonly string[];
  /** A token with the `read` scope when the cluster requires one. */
  readonly token?: string;
  /** The cluster CA (PEM) for `https` endpoints. */
  readonly ca?: string;
  /** Default {@link joinDiscoveryTimeoutMs}. */
  readonly timeoutMs?: number;
  readonly logger: {
    info(fields: Record<string, unknown>, message: string): void;
    warn(fields: Record<string, unknown>, message: string): void;
  };
}

const RETRY_DELAY_MS_MIN = 250;
const RETRY_DELAY_MS_MAX = 5_000;
/** One request may take this long before the next endpoint is tried. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The members of the cluster (id → `host:port`) as one of `endpoints` knows them, and who
 * answered.
 * @throws JoinError when no endpoint answered a membership within the timeout (each failure is
 *   logged as it happens)
 */
export async function discoverMembers(
  options: JoinOptions,
): Promise<{ readonly members: Map<NodeId, string>; readonly from: string }> {
  const timeoutMs = options.timeoutMs ?? joinDiscoveryTimeoutMs;
  const deadline = performance.now() + timeoutMs;
  const agent = new Agent({
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
    ...(options.ca === undefined ? {} : { connect: buildConnector({ ca: options.ca }) }),
  });
  const failures: string[] = [];
  try {
    for (let delayMs = RETRY_DELAY_MS_MIN; ; delayMs = Math.min(2 * delayMs, RETRY_DELAY_MS_MAX)) {
      for (const endpoint of options.endpoints) {
        try {
          const view = await fetchMembers(agent, endpoint, options.token);
          const members = new Map<NodeId, string>();
          for (const member of view.members) {
            if (member.address !== null) members.set(asNodeId(member.id), member.address);
          }
          options.logger.info(
            { from: endpoint, members: Object.fromEntries(members) },
            "learned the cluster's members",
          );
          return { members, from: endpoint };
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          failures.push(`${endpoint}: ${reason}`);
          options.logger.warn({ endpoint, err: reason }, "a --join endpoint did not answer");
        }
      }
      if (performance.now() + delayMs > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  } finally {
    await agent.close();
  }
  throw new JoinError(
    `no --join endpoint answered GET /v1/cluster/members within ${timeoutMs} ms ` +
      `(last failures: ${failures.slice(-options.endpoints.length).join("; ")})`,
  );
}

async function fetchMembers(
  agent: Agent,
  endpoint: string,
  token: string | undefined,
): Promise<MembershipView> {
  const url = new URL("/v1/cluster/members", endpoint);
  const response = await agent.request({
    origin: url.origin,
    path: url.pathname,
    method: "GET",
    headers: {
      accept: "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  });
  const body = await response.body.text();
  if (response.statusCode !== 200) {
    throw new Error(`HTTP ${response.statusCode}: ${body.slice(0, 200)}`);
  }
  const view = JSON.parse(body) as MembershipView;
  if (!Array.isArray(view.members) || view.members.length === 0) {
    throw new Error("the answer lists no members");
  }
  return view;
}
