/**
 * Deliberate bugs of the node, TEST ONLY (docs/SIMULATION.md §4): each switch breaks one rule
 * of the node loop so that the simulator can prove it notices. Production never sets any; the
 * simulator maps one `ELK_SIM_INJECT_BUG` name onto them in one place (test/sim/bugs.ts). Each
 * field names the rule it breaks.
 */

/** Which rules of the node to break; all off unless set. */
export interface NodeFaults {
  /** A follower sends its messages (AppendEntries acknowledgements, votes) before its fsync. */
  readonly ackBeforeFsync?: boolean;
  /** The leader applies entries it has appended before they commit. */
  readonly applyBeforeCommit?: boolean;
  /** A ReadIndex read is answered as soon as its read index is known, before apply reaches it. */
  readonly readBeforeApply?: boolean;
  /** A proposal is answered by whatever entry is applied at its index, whatever its term. */
  readonly answerByIndexOnly?: boolean;
  /** A deposed leader keeps its lease-expiry duty, proposing ExpireLeases by its own clock. */
  readonly deposedLeaderExpiresLeases?: boolean;
  /** A snapshot from the leader moves the applied index without restoring the state it holds. */
  readonly snapshotWithoutRestore?: boolean;
}

/** Every node fault, in a fixed order. */
export const NODE_FAULTS: readonly (keyof NodeFaults)[] = Object.freeze([
  "ackBeforeFsync",
  "applyBeforeCommit",
  "readBeforeApply",
  "answerByIndexOnly",
  "deposedLeaderExpiresLeases",
  "snapshotWithoutRestore",
]);

/** No fault: the node as it ships. */
export const NO_FAULTS: NodeFaults = Object.freeze({});
