/**
 * The cluster membership as the LEADER sees it (docs/API.md "Membership"): only the leader
 * tracks replication, so only its answer to `GET /v1/cluster/members` carries each learner's
 * `entriesBehind` and `caughtUp`. Any node names the leader and each member's address (the API
 * and the peer links share the port), so the leader is asked at its address; when that address
 * cannot be reached from here (another network, a proxy), the given endpoints are asked in turn
 * for the one that is the leader; failing both, the first answer is kept, without progress.
 */
import { CoordinatorError } from "../errors.js";
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import type { CoordinatorClient } from "../worker/client.js";

/** What `GET /v1/cluster/members` answers. */
export type Membership = ResponseOf<(typeof ROUTES)["listMembers"]>;
/** One member of it. */
export type MemberRow = Membership["members"][number];

/** One request to a pinned node gets this long (no retries: the next candidate is asked). */
const PINNED_TIMEOUT_MS = 2_000;

/**
 * The membership from the leader when it can be reached, else from whichever node answered
 * (`nodeId !== leaderId`: its progress fields are null).
 * @param tls whether nodes are reached over `https://` (a CA was given)
 * @throws CoordinatorError `no_leader` when the answering node knows no leader; the client's
 *   errors (`unreachable`, `unauthorized`, …) when no node answers at all
 */
export async function leaderMembers(
  client: CoordinatorClient,
  endpoints: readonly string[],
  tls: boolean,
): Promise<Membership> {
  const first = await client.listMembers();
  if (first.leaderId === null) {
    throw new CoordinatorError("no_leader", `${first.nodeId} knows no leader`);
  }
  if (first.nodeId === first.leaderId) return first;
  const leaderAddress = first.members.find((member) => member.id === first.leaderId)?.address;
  const candidates = [
    ...(leaderAddress === null || leaderAddress === undefined
      ? []
      : [`${tls ? "https" : "http"}://${leaderAddress}`]),
    ...endpoints,
  ];
  for (const endpoint of candidates) {
    const view = await pinned(client, endpoint);
    if (view !== null && view.nodeId === first.leaderId && view.leaderId === view.nodeId) {
      return view;
    }
  }
  return first;
}

async function pinned(client: CoordinatorClient, endpoint: string): Promise<Membership | null> {
  try {
    return await client.listMembers({
      endpoint,
      retryDeadlineMs: 0,
      signal: AbortSignal.timeout(PINNED_TIMEOUT_MS),
    });
  } catch {
    return null; // this candidate is not reachable from here: the next one is asked
  }
}
