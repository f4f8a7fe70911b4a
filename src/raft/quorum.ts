/**
 * Majority arithmetic over a set of voters, knowing nothing but ids and indexes (after
 * etcd-io/raft's `quorum/majority.go`). A majority of n voters is ⌊n/2⌋ + 1 (Raft §5.2); any
 * two majorities of the same set intersect, which is what makes elections and commits safe.
 * test/raft/quorum.test.ts checks these against deliberately naive versions.
 */
import type { LogIndex, NodeId } from "../util/ids.js";

/** The outcome of an election so far. */
export type VoteResult = "Won" | "Lost" | "Pending";

/** The smallest number of voters that forms a majority of `voterCount` (0 for no voters). */
export function majoritySize(voterCount: number): number {
  return voterCount === 0 ? 0 : Math.floor(voterCount / 2) + 1;
}

/**
 * The largest index that a majority of `voters` have acknowledged (Raft §5.3, §5.4.2): the
 * commit index a leader may consider, before the current-term check. Voters missing from
 * `acked` count as 0. No voters → 0.
 */
export function majorityAckedIndex(
  voters: readonly NodeId[],
  acked: (id: NodeId) => LogIndex | undefined,
): LogIndex {
  if (voters.length === 0) return 0;
  const indexes = voters.map((id) => acked(id) ?? 0).sort((a, b) => b - a);
  return indexes[majoritySize(voters.length) - 1] ?? 0;
}

/**
 * Whether `voters` elected the candidate, rejected it, or may still do either (Raft §5.2):
 * won once a majority granted, lost once a majority can no longer be reached. Votes from ids
 * outside `voters` do not count.
 */
export function voteResult(
  voters: readonly NodeId[],
  votes: ReadonlyMap<NodeId, boolean>,
): VoteResult {
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === undefined) missing += 1;
    else if (vote) granted += 1;
  }
  const needed = majoritySize(voters.length);
  if (granted >= needed) return "Won";
  if (granted + missing >= needed) return "Pending";
  return "Lost";
}

/** Whether at least a majority of `voters` satisfy `active` (CheckQuorum, thesis §6.2). */
export function hasQuorum(voters: readonly NodeId[], active: (id: NodeId) => boolean): boolean {
  return voters.filter(active).length >= majoritySize(voters.length);
}
