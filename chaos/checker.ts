/**
 * The verdict of a chaos run (README "Chaos"), from what was gathered after healing
 * and waiting for completion: every acknowledged plan exists and completed; every id of every
 * plan was accepted exactly once by the fencing store under its partition's final fencing
 * token; no write was accepted with a token below one already seen; the plan's gap list is empty
 * and agrees with the store's log; no partition is left held by a dead worker; all nodes report
 * the same state hash; at most one leader per term; the probe's history is linearizable; no node
 * died without being killed. Pure: the inputs are plain data, so it is tested on hand-made ones.
 */
import type { Verdict } from "../test/support/linearizability.js";
import type { ResourceRecord } from "./resource.js";
import type { SubmittedPlan } from "./workload.js";

/** A partition as the cluster shows it at the end. */
export interface FinalPartition {
  readonly planId: string;
  readonly partitionId: number;
  readonly minId: number;
  readonly maxId: number;
  readonly status: string;
  readonly fencingToken: number;
  readonly workerId: string | null;
}

/** Everything the checker looks at. */
export interface CheckInput {
  readonly plans: readonly SubmittedPlan[];
  /** planId → its status at the end, or null when the cluster does not know it. */
  readonly planStatus: ReadonlyMap<string, string | null>;
  readonly partitions: readonly FinalPartition[];
  /** planId → the API's gap list at the end. */
  readonly gaps: ReadonlyMap<string, { readonly gapRanges: number; readonly complete: boolean }>;
  readonly resourceLog: readonly ResourceRecord[];
  /** Held partitions whose holder is not a live worker. */
  readonly heldByDeadWorkers: readonly string[];
  /** null when every node reported the same state hash at the same applied index. */
  readonly hashDisagreement: string | null;
  /**
   * null when every node reported the harness's nodes (replacements included, the replaced gone)
   * as the voters, no learner and no change in flight.
   */
  readonly membershipDisagreement: string | null;
  readonly leaderViolations: readonly {
    readonly term: number;
    readonly leaders: readonly string[];
  }[];
  readonly linearizability: { readonly verdict: Verdict; readonly key: string | null };
  /** Nodes that ended without being asked to. */
  readonly unexpectedNodeExits: readonly string[];
}

/** The figures and the violated properties (empty: the run passed). */
export interface CheckResult {
  readonly violations: string[];
  readonly partitions: number;
  readonly acceptedWrites: number;
  readonly rejectedStaleWrites: number;
  readonly staleAccepted: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly gaps: number;
  readonly linearizable: boolean | "unknown";
}

/** Checks every property; never throws for a violation, it reports it. */
export function check(input: CheckInput): CheckResult {
  const violations: string[] = [];
  const mine = new Set(input.plans.map((plan) => plan.planId));
  for (const plan of input.plans) {
    const status = input.planStatus.get(plan.planId) ?? null;
    if (status === null) violations.push(`acknowledged plan ${plan.planId} does not exist`);
    else if (status !== "completed")
      violations.push(`plan ${plan.planId} is ${status}, not completed`);
  }
  const partitions = input.partitions.filter((p) => mine.has(p.planId));
  violations.push(...tilingViolations(input.plans, partitions));
  const writes = countWrites(partitions, input.resourceLog, violations);
  const gaps = gapCount(input, writes.lostByPlan, violations);
  const stale = input.resourceLog.filter((r) => r.accepted && r.fencingToken < r.highestBefore);
  if (stale.length > 0) {
    const first = stale[0]!;
    violations.push(
      `${stale.length} stale writes accepted, e.g. ${first.planId}/${first.partitionId} token ` +
        `${first.fencingToken} after ${first.highestBefore} (seq ${first.seq}, ${first.workerId})`,
    );
  }
  if (writes.duplicates > 0)
    violations.push(`${writes.duplicates} ids accepted twice under the final token`);
  if (writes.lost > 0) violations.push(`${writes.lost} ids never accepted under the final token`);
  for (const held of input.heldByDeadWorkers)
    violations.push(`partition ${held} held by a dead worker`);
  if (input.hashDisagreement !== null)
    violations.push(`state hashes differ: ${input.hashDisagreement}`);
  if (input.membershipDisagreement !== null)
    violations.push(`membership differs: ${input.membershipDisagreement}`);
  for (const { term, leaders } of input.leaderViolations) {
    violations.push(`term ${term} had ${leaders.length} leaders: ${leaders.join(", ")}`);
  }
  const { verdict, key } = input.linearizability;
  if (verdict.kind === "not-linearizable") violations.push(`history of ${key} is not linearizable`);
  for (const exit of input.unexpectedNodeExits) violations.push(`node exited unasked: ${exit}`);
  return {
    violations,
    partitions: partitions.length,
    acceptedWrites: input.resourceLog.filter((r) => r.accepted).length,
    rejectedStaleWrites: input.resourceLog.filter((r) => !r.accepted).length,
    staleAccepted: stale.length,
    duplicates: writes.duplicates,
    lost: writes.lost,
    gaps,
    linearizable:
      verdict.kind === "linearizable" ? true : verdict.kind === "unknown" ? "unknown" : false,
  };
}

/** The partitions of each plan must tile its range: contiguous, no overlap, nothing missing. */
function tilingViolations(plans: readonly SubmittedPlan[], partitions: readonly FinalPartition[]) {
  const violations: string[] = [];
  for (const plan of plans) {
    const own = partitions
      .filter((p) => p.planId === plan.planId)
      .sort((a, b) => a.minId - b.minId);
    let next = plan.minId;
    for (const p of own) {
      if (p.minId !== next)
        violations.push(
          `plan ${plan.planId}: partition ${p.partitionId} starts at ${p.minId}, expected ${next}`,
        );
      next = p.maxId + 1;
    }
    if (own.length > 0 && next !== plan.maxId + 1) {
      violations.push(`plan ${plan.planId}: partitions end at ${next - 1}, not ${plan.maxId}`);
    }
  }
  return violations;
}

/** Per id: how often the store accepted it under its partition's final token. */
function countWrites(
  partitions: readonly FinalPartition[],
  log: readonly ResourceRecord[],
  violations: string[],
) {
  const byPartition = new Map<string, ResourceRecord[]>();
  for (const record of log) {
    if (!record.accepted) continue;
    const key = `${record.planId}/${record.partitionId}`;
    const list = byPartition.get(key) ?? [];
    list.push(record);
    byPartition.set(key, list);
  }
  let duplicates = 0;
  let lost = 0;
  const lostByPlan = new Map<string, number>();
  for (const p of partitions) {
    const key = `${p.planId}/${p.partitionId}`;
    const counts = new Uint16Array(p.maxId - p.minId + 1);
    for (const record of byPartition.get(key) ?? []) {
      if (record.fencingToken > p.fencingToken) {
        violations.push(
          `${key}: a write under token ${record.fencingToken} > the final ${p.fencingToken}`,
        );
      }
      if (record.fencingToken !== p.fencingToken) continue;
      for (
        let id = Math.max(record.firstId, p.minId);
        id <= Math.min(record.lastId, p.maxId);
        id += 1
      ) {
        counts[id - p.minId] = (counts[id - p.minId] ?? 0) + 1;
      }
    }
    const missing = counts.filter((count) => count === 0).length;
    duplicates += counts.filter((count) => count > 1).length;
    lost += missing;
    lostByPlan.set(p.planId, (lostByPlan.get(p.planId) ?? 0) + missing);
  }
  return { duplicates, lost, lostByPlan };
}

/** The API's gap ranges (must be none), checked against what the store's log shows. */
function gapCount(
  input: CheckInput,
  lostByPlan: ReadonlyMap<string, number>,
  violations: string[],
) {
  let gaps = 0;
  for (const plan of input.plans) {
    const listed = input.gaps.get(plan.planId);
    if (listed === undefined) {
      violations.push(`plan ${plan.planId}: no gap list`);
      continue;
    }
    gaps += listed.gapRanges;
    if (listed.gapRanges > 0 || !listed.complete) {
      violations.push(
        `plan ${plan.planId}: ${listed.gapRanges} gap ranges, complete=${listed.complete}`,
      );
    }
    const lost = lostByPlan.get(plan.planId) ?? 0;
    if (listed.gapRanges === 0 && lost > 0) {
      violations.push(
        `plan ${plan.planId}: the gap list is empty but the store misses ${lost} ids`,
      );
    }
  }
  return gaps;
}
