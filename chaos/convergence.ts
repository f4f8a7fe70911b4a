/**
 * The final convergence checks of a chaos run (README "Chaos"), asked of every node the harness
 * has now (a replacement included, the node it replaced gone) and polled until they hold or
 * {@link CONVERGENCE_WAIT_MS} passes: the same state hash at the same applied index on every
 * node; and the same membership on every node — the harness's nodes as the voters, no learner,
 * no change in flight.
 */
import type { CoordinatorClient } from "../src/worker/client.js";
import type { ChaosCluster } from "./cluster.js";
import { sleep } from "./nemesis.js";

/** The nodes get this long to agree. */
const CONVERGENCE_WAIT_MS = 30_000;
const POLL_MS = 250;

/** What the checks ask with. */
export interface ConvergenceParts {
  readonly cluster: ChaosCluster;
  readonly client: CoordinatorClient;
  readonly nowMs: () => number;
}

/**
 * Polls every node with `ask` until `agreed` holds for all their answers.
 * @returns null once agreed, else the last answers, one `describe`d node after another
 */
async function untilAgreed<T>(
  parts: ConvergenceParts,
  signal: AbortSignal,
  ask: (endpoint: string) => Promise<T>,
  describe: (answer: T) => string,
  agreed: (answers: readonly T[]) => boolean,
): Promise<string | null> {
  const deadline = parts.nowMs() + CONVERGENCE_WAIT_MS;
  let last = "no node answered";
  while (parts.nowMs() < deadline && !signal.aborted) {
    const ids = parts.cluster.nodeIds;
    const answers = await Promise.all(
      ids.map((id) => ask(parts.cluster.urlOf(id)).catch(() => null)),
    );
    last = answers
      .map((answer, i) => (answer === null ? `${ids[i]}: no answer` : describe(answer)))
      .join(", ");
    const answered = answers.filter((answer) => answer !== null);
    if (answered.length === answers.length && agreed(answered)) return null;
    await sleep(POLL_MS, signal);
  }
  return last;
}

function allSame<T>(answers: readonly T[], key: (answer: T) => unknown): boolean {
  return new Set(answers.map(key)).size === 1;
}

/** null once every node shows the same state hash at the same applied index. */
export function hashDisagreement(
  parts: ConvergenceParts,
  signal: AbortSignal,
): Promise<string | null> {
  return untilAgreed(
    parts,
    signal,
    (endpoint) => parts.client.raftStatus({ hash: true }, { endpoint, retryDeadlineMs: 0 }),
    (s) => `${s.nodeId}@${s.lastApplied}=${s.stateHash ?? "?"}`,
    (all) => allSame(all, (s) => s.lastApplied) && allSame(all, (s) => s.stateHash),
  );
}

/** null once every node reports exactly the harness's nodes as voters, settled. */
export function membershipDisagreement(
  parts: ConvergenceParts,
  signal: AbortSignal,
): Promise<string | null> {
  const expected = [...parts.cluster.nodeIds].sort().join(",");
  const members = (view: Awaited<ReturnType<CoordinatorClient["listMembers"]>>) =>
    view.members.map((m) => `${m.id}${m.role === "voter" ? "" : `(${m.role})`}`).sort();
  return untilAgreed(
    parts,
    signal,
    (endpoint) => parts.client.listMembers({ endpoint, retryDeadlineMs: 0 }),
    (view) =>
      `${view.nodeId}: ${members(view).join(",")}${view.changeInFlight ? " (change in flight)" : ""}`,
    (all) => all.every((view) => !view.changeInFlight && members(view).join(",") === expected),
  );
}
