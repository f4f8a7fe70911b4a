/**
 * The deliberately broken builds the simulator must catch (TEST ONLY, docs/SIMULATION.md §4):
 * two in the Raft core (src/raft RaftFaults) and six in the node (src/node/faults.ts). This is
 * the ONE place that reads the `ELK_SIM_INJECT_BUG` switch and maps a bug's name onto them.
 */
import { NODE_FAULTS, type NodeFaults } from "../../src/node/faults.js";
import type { RaftFaults } from "../../src/raft/config.js";

/** The bugs planted in the Raft core (its RaftFaults). */
export const RAFT_BUGS = ["commitPreviousTermByCounting", "grantVoteTwice"] as const;

/** The name of an injectable bug: a Raft core fault or a node fault. */
export type InjectedBug = (typeof RAFT_BUGS)[number] | keyof NodeFaults;

/** Every bug that can be injected, Raft core first (the node's from its own list). */
export const INJECTABLE_BUGS: readonly InjectedBug[] = [...RAFT_BUGS, ...NODE_FAULTS];

/** The switches that build `bug` in. */
export function faultsOf(bug: InjectedBug | undefined): {
  readonly raftFaults: RaftFaults | undefined;
  readonly faults: NodeFaults;
} {
  if (bug === undefined) return { raftFaults: undefined, faults: {} };
  const raftBug = RAFT_BUGS.find((b) => b === bug);
  if (raftBug !== undefined) return { raftFaults: { [raftBug]: true }, faults: {} };
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
