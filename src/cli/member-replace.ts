/**
 * `member replace --old n2 --new n4 --address host:port`: replaces a member without downtime by
 * single-server changes (docs/MEMBERSHIP.md; the order of etcd's and Consul's runbooks): add the
 * new node as a learner, wait until it has caught up, promote it, remove the old member. The
 * voters never lose a member before the replacement votes, so a 3-voter cluster keeps tolerating
 * a failure throughout (it briefly has 4 voters).
 *
 * It is a reconcile loop, not a script: each round reads the membership from the leader
 * (leader-members.ts) and {@link nextReplaceStep} derives the one step still to do from it, so
 * a rerun after the CLI crashed — or a change whose answer was lost — resumes where the cluster
 * is, and nothing is done twice. Retryable refusals (another change in flight, a new leader, a
 * learner not yet caught up, no leader, a lost answer) are retried with jittered backoff; all of
 * it is bounded by `timeoutMs`.
 */
import { CoordinatorError } from "../errors.js";
import type { CoordinatorClient } from "../worker/client.js";
import { retryDelayMs } from "../worker/retry-policy.js";
import { leaderMembers, type Membership } from "./leader-members.js";

/** What to replace with what. */
export interface ReplaceRequest {
  readonly oldId: string;
  readonly newId: string;
  /** `host:port` of the new node. */
  readonly address: string;
  /** The whole replacement, waits and retries included, ends by then. */
  readonly timeoutMs: number;
}

/** The step still to do, derived from the membership alone. */
export type ReplaceStep =
  | { readonly kind: "add" }
  /** The learner is behind (`entriesBehind` null: the answering node is not the leader). */
  | { readonly kind: "wait"; readonly entriesBehind: number | null }
  | { readonly kind: "promote" }
  | { readonly kind: "remove" }
  | { readonly kind: "done" };

/** What the loop needs from outside: the cluster, time, and where to report. */
export interface ReplaceDeps {
  readonly client: CoordinatorClient;
  /** The `--endpoints`, to find the leader when its own address cannot be reached. */
  readonly endpoints: readonly string[];
  readonly tls: boolean;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** How often the learner's progress is polled while it catches up. */
  readonly pollIntervalMs: number;
  /** A step was done (`added n4 as a learner…`). */
  readonly onStep: (message: string) => void;
  /** The learner's lag, each time it is read. */
  readonly onProgress: (entriesBehind: number, caughtUpEntriesMax: number) => void;
  /** A retryable refusal, before its backoff. */
  readonly onRetry: (error: CoordinatorError) => void;
  /** Uniform draws in [0, 1) for the backoff's jitter (default Math.random). */
  readonly random?: () => number;
}

/**
 * The step that comes next for `request` in the configuration `view`.
 * @throws CoordinatorError `node_id_reused` when the new id was removed before (pick another),
 *   `member_exists` when it is a member at another address, `unknown_member` when neither id is
 *   or was ever a member (nothing to replace)
 */
export function nextReplaceStep(view: Membership, request: ReplaceRequest): ReplaceStep {
  const { oldId, newId, address } = request;
  if (view.removed.includes(newId)) {
    throw new CoordinatorError("node_id_reused", `${newId} was removed before; pick a new id`);
  }
  const added = view.members.find((member) => member.id === newId);
  const oldIsMember = view.members.some((member) => member.id === oldId);
  if (added === undefined) {
    if (!oldIsMember && !view.removed.includes(oldId)) {
      throw new CoordinatorError("unknown_member", `${oldId} is not a member: nothing to replace`);
    }
    return { kind: "add" };
  }
  if (added.address !== null && added.address !== address) {
    throw new CoordinatorError(
      "member_exists",
      `${newId} is already a member at ${added.address}, not ${address}`,
    );
  }
  if (added.role === "learner") {
    return added.caughtUp === false
      ? { kind: "wait", entriesBehind: added.entriesBehind }
      : { kind: "promote" }; // caught up, or unknown (not the leader's view): promoting checks
  }
  return oldIsMember ? { kind: "remove" } : { kind: "done" };
}

/**
 * Runs the replacement to its end and resolves with the final membership.
 * @throws CoordinatorError of {@link nextReplaceStep}, or a refusal that is not retryable (e.g.
 *   `no_live_quorum`: remove the old member with `member remove --force`); Error when
 *   `timeoutMs` passes first (rerunning the command resumes)
 */
export async function replaceMember(
  request: ReplaceRequest,
  deps: ReplaceDeps,
): Promise<Membership> {
  const deadlineAtMs = deps.now() + request.timeoutMs;
  let failures = 0;
  let waiting: number | null = null;
  for (;;) {
    let delayMs: number;
    try {
      const view = await leaderMembers(deps.client, deps.endpoints, deps.tls);
      const step = nextReplaceStep(view, request);
      if (step.kind === "done") return view;
      if (step.kind === "wait") {
        if (step.entriesBehind !== null)
          deps.onProgress(step.entriesBehind, view.caughtUpEntriesMax);
        waiting = step.entriesBehind ?? waiting;
        delayMs = deps.pollIntervalMs;
      } else {
        deps.onStep(await act(step.kind, request, deps.client));
        delayMs = 0;
      }
      failures = 0;
    } catch (error) {
      if (!(error instanceof CoordinatorError) || !error.spec.retryable) throw error;
      const lag = lagOf(error);
      if (lag === null) {
        deps.onRetry(error);
        failures += 1;
        delayMs = retryDelayMs(failures, deps.random);
      } else {
        deps.onProgress(lag.entriesBehind, lag.caughtUpEntriesMax);
        waiting = lag.entriesBehind;
        delayMs = deps.pollIntervalMs;
      }
    }
    if (deps.now() + delayMs > deadlineAtMs) {
      const lag = waiting === null ? "" : ` (${request.newId} was ${waiting} entries behind)`;
      throw new Error(
        `timed out after ${request.timeoutMs} ms replacing ${request.oldId} with ` +
          `${request.newId}${lag}; run the same command again to resume`,
      );
    }
    if (delayMs > 0) await deps.sleep(delayMs);
  }
}

/** Does `kind` and says what was done. */
async function act(
  kind: "add" | "promote" | "remove",
  request: ReplaceRequest,
  client: CoordinatorClient,
): Promise<string> {
  const { oldId, newId, address } = request;
  if (kind === "add") {
    const view = await client.addMember({ id: newId, address });
    return `added ${newId} at ${address} as a learner (config index ${view.configIndex})`;
  }
  if (kind === "promote") {
    const view = await client.promoteMember(newId);
    return `promoted ${newId} to voter (config index ${view.configIndex})`;
  }
  const view = await client.removeMember(oldId);
  return `removed ${oldId} (config index ${view.configIndex})`;
}

/** A refused promotion says how far behind the learner is (learner_not_caught_up), else null. */
function lagOf(
  error: CoordinatorError,
): { readonly entriesBehind: number; readonly caughtUpEntriesMax: number } | null {
  const { entriesBehind, caughtUpEntriesMax } = error.details;
  if (error.code !== "learner_not_caught_up") return null;
  if (typeof entriesBehind !== "number" || typeof caughtUpEntriesMax !== "number") return null;
  return { entriesBehind, caughtUpEntriesMax };
}
