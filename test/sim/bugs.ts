/**
 * The deliberately broken builds the simulator must catch (TEST ONLY, docs/SIMULATION.md §4):
 * two in the Raft core (src/raft RaftFaults) and six in the node (src/node/faults.ts). This is
 * the ONE place that reads the `ELK_SIM_INJECT_BUG` switch and maps a bug's name onto them.
 */
import type { NodeFaults } from "../../src/node/faults.js";
import type { RaftFaults } from "../../src/raft/config.js";

/** Every bug that can be injected, Raft core first. */
export const INJECTABLE_BUGS = [
  "commitPreviousTermByCounting",
  "grantVoteTwice",
  "ackBeforeFsync",
  "applyBeforeCommit",
  "readBeforeApply",
  "answerByIndexOnly",
  "deposedLeaderExpiresLeases",
  "snapshotWithoutRestore",
] as const;

/** The name of an injectable bug. */
export type InjectedBug = (typeof INJECTABLE_BUGS)[number];

/** The switches that build `bug` in. */
export function faultsOf(bug: InjectedBug | undefined): {
  readonly raftFaults: RaftFaults | undefined;
  readonly faults: NodeFaults;
} {
  if (bug === undefined) return { raftFaults: undefined, faults: {} };
  if (bug === "commitPreviousTermByCounting" || bug === "grantVoteTwice") {
    return { raftFaults: { [bug]: true }, faults: {} };
  }
  return { raftFaults: undefined, faults: { [bug]: true } };
}

/**
 * The bug named by `ELK_SIM_INJECT_BUG`, if any.
 * @throws Error naming the valid bugs when the variable names none of them
 */
export function injectedBugFromEnv(env: NodeJS.ProcessEnv = process.env): InjectedBug | undefined {
  const name = env["ELK_SIM_INJECT_BUG"];
  if (name === undefined || name === "") return undefined;
  const bug = INJECTABLE_BUGS.find((b) => b === name);
  if (bug === undefined) {
    throw new Error(`ELK_SIM_INJECT_BUG must be one of ${INJECTABLE_BUGS.join(", ")}`);
  }
  return bug;
}
