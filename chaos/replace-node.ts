/**
 * The replace-node nemesis (README "Chaos"): a node's disk dies and it is replaced while the
 * workers run, as docs/RUNBOOKS.md "replace a failed node" says — SIGKILL the node, wipe its data
 * directory, start a new node under a new id that joins the cluster (./cluster.ts
 * `replaceNode`), then replace the old member with it through the membership API. The API part
 * is `member replace`'s own reconcile loop (src/cli/member-replace.ts): add the new node as a
 * learner, wait until it has caught up (a promotion refused with `learner_not_caught_up` is
 * retried), promote it, remove the old id; every retryable refusal (a change in flight, a new
 * leader, no leader, no node reachable) is retried with jittered backoff, and the whole
 * replacement is bounded by {@link REPLACE_TIMEOUT_MS}.
 */
import { setTimeout as delay } from "node:timers/promises";
import { replaceMember } from "../src/cli/member-replace.js";
import { createClient } from "../src/worker/client.js";
import type { ChaosCluster } from "./cluster.js";

/** The whole replacement (start, catch-up, promote, remove) ends within this, else it throws. */
export const REPLACE_TIMEOUT_MS = 60_000;
/** How often the learner's progress is read while it catches up. */
const PROGRESS_POLL_MS = 250;
/** One membership request; a lost one is retried by the loop. */
const REQUEST_TIMEOUT_MS = 3_000;
const REQUEST_RETRY_DEADLINE_MS = 5_000;

/** What a replacement needs from the run. */
export interface ReplaceContext {
  readonly cluster: ChaosCluster;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Replaces node `oldId` with a new node (the next unused id) and returns the new id once the
 * cluster's membership has it as a voter and no longer has `oldId`.
 * @throws Error when the replacement does not finish within {@link REPLACE_TIMEOUT_MS}, the run
 *   is aborted, or the cluster refuses it for good (a non-retryable refusal, e.g. `no_live_quorum`)
 */
export async function replaceNode(context: ReplaceContext, oldId: string): Promise<string> {
  const { cluster, signal } = context;
  const { id, address } = await cluster.replaceNode(oldId);
  // The members answer; the new node sits at the old one's URL but knows nothing before it is added.
  const endpoints = cluster.nodeIds.filter((node) => node !== id).map((n) => cluster.urlOf(n));
  const client = createClient({
    endpoints,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    retryDeadlineMs: REQUEST_RETRY_DEADLINE_MS,
  });
  try {
    await replaceMember(
      { oldId, newId: id, address, timeoutMs: REPLACE_TIMEOUT_MS },
      {
        client,
        endpoints,
        tls: false,
        now: () => performance.now(),
        sleep: (ms) => delay(ms, undefined, { signal }),
        pollIntervalMs: PROGRESS_POLL_MS,
        onStep: (message) => context.log(`nemesis replace-node: ${message}`),
        onProgress: () => undefined,
        onRetry: (error) => context.log(`nemesis replace-node: retrying after ${error.code}`),
      },
    );
  } finally {
    await client.close();
  }
  return id;
}
