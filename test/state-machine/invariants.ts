// Test helper (not a test): the coordinator invariants of docs/state-machine.md, checked on
// the public views of a state after every applied command (apply.model.test.ts).
import { expect } from "vitest";
import { listPartitions, listPlans, listWorkers } from "../../src/state-machine/index.js";
import type {
  ApplyResult,
  CoordinatorState,
  PartitionView,
  PlanView,
  WorkerView,
} from "../../src/state-machine/index.js";

/** Everything observable about a state, as plain views. */
export interface Observed {
  readonly plans: readonly PlanView[];
  readonly partitions: readonly PartitionView[];
  readonly workers: readonly WorkerView[];
}

function all<T>(
  page: (cursor: string | undefined) => { items: readonly T[]; nextCursor: string | null },
): T[] {
  const items: T[] = [];
  let cursor: string | undefined;
  for (;;) {
    const next = page(cursor);
    items.push(...next.items);
    if (next.nextCursor === null) return items;
    cursor = next.nextCursor;
  }
}

/** Reads every plan, partition and worker through the paged queries. */
export function observe(state: CoordinatorState): Observed {
  return {
    plans: all((cursor) => listPlans(state, { limit: 1_000, ...(cursor ? { cursor } : {}) })),
    partitions: all((cursor) =>
      listPartitions(state, { limit: 1_000, ...(cursor ? { cursor } : {}) }),
    ),
    workers: all((cursor) => listWorkers(state, { limit: 1_000, ...(cursor ? { cursor } : {}) })),
  };
}

const key = (p: { planId: string; partitionId: number }) => `${p.planId}:${p.partitionId}`;
const isHeld = (p: PartitionView) => p.status === "claimed" || p.status === "running";

/**
 * Checks the invariants of `after`, and of the step from `before` to `after` made by `command`
 * (applied at `logIndex` with `result`).
 */
export function checkInvariants(
  before: Observed,
  after: Observed,
  command: unknown,
  result: ApplyResult,
  logIndex: number,
): void {
  checkHolders(after);
  checkPlans(after);
  const previous = new Map(before.partitions.map((p) => [key(p), p]));
  const cmd = command as {
    type?: string;
    planId?: string;
    partitionId?: number;
    fencingToken?: number;
    items?: readonly { planId: string; partitionId: number; fencingToken: number }[];
  };
  for (const p of after.partitions) {
    const old = previous.get(key(p));
    if (old === undefined) {
      expect(p.status, "new partitions start pending").toBe("pending");
      continue;
    }
    // Fencing tokens only grow, and only a grant by this very command changes one.
    if (p.fencingToken !== old.fencingToken) {
      expect(p.fencingToken).toBeGreaterThan(old.fencingToken);
      expect(p.fencingToken, "a new token is the granting command's index").toBe(logIndex);
    }
    // Completed partitions never change.
    if (old.status === "completed") expect(p, "a completed partition is frozen").toEqual(old);
    // Only the current holder with the current token completes.
    if (p.status === "completed" && old.status !== "completed") {
      expect(result.status).toBe("ok");
      expect(["CompletePartition", "CompletePartitions"]).toContain(cmd.type);
      const named = cmd.items ?? [
        { planId: cmd.planId ?? "", partitionId: cmd.partitionId ?? -1, fencingToken: 0 },
      ];
      const item = named.find((i) => key(i) === key(p));
      expect(item, "the command names the partition it completes").toBeDefined();
      const token = cmd.items === undefined ? cmd.fencingToken : item?.fencingToken;
      expect(token, "completed under the current token").toBe(old.fencingToken);
      expect(isHeld(old)).toBe(true);
    }
    // Failed partitions change only through RetryFailed.
    if (old.status === "failed" && p.status !== "failed") expect(cmd.type).toBe("RetryFailed");
  }
  if (result.status !== "ok" && !result.duplicate) {
    expect(after, "a rejection changes nothing observable").toEqual(before);
  }
}

/** Each held partition is listed by exactly its holder, whose lease it carries; nothing else. */
function checkHolders(state: Observed): void {
  const workers = new Map<string, WorkerView>(state.workers.map((w) => [w.workerId, w]));
  const listed = new Map<string, string>();
  for (const w of state.workers) {
    for (const h of w.held) {
      expect(listed.has(key(h)), "at most one holder per partition").toBe(false);
      listed.set(key(h), w.workerId);
    }
    if (w.status === "expired") expect(w.held).toEqual([]);
  }
  for (const p of state.partitions) {
    if (!isHeld(p)) {
      expect(listed.has(key(p)), "only held partitions are listed").toBe(false);
      expect(p.leaseExpiresAtMs).toBeNull();
      if (p.status === "pending") expect(p.workerId).toBeNull();
      continue;
    }
    const holder = workers.get(p.workerId ?? "");
    expect(holder, "a held partition's holder is registered").toBeDefined();
    expect(holder?.status).not.toBe("expired");
    expect(listed.get(key(p))).toBe(p.workerId);
    expect(p.leaseExpiresAtMs).toBe(holder?.leaseExpiresAtMs);
    expect(holder?.held.find((h) => key(h) === key(p))?.fencingToken).toBe(p.fencingToken);
  }
  expect(listed.size).toBe(state.partitions.filter(isHeld).length);
}

/** Plans tile their range, counts add up, completed plans are all done. */
function checkPlans(state: Observed): void {
  for (const plan of state.plans) {
    const parts = state.partitions.filter((p) => p.planId === plan.planId);
    expect(parts.length).toBe(plan.partitionCount);
    parts.forEach((p, i) => {
      expect(p.partitionId).toBe(i);
      expect(p.minId, "no overlap, no hole").toBe(i === 0 ? plan.minId : parts[i - 1]!.maxId + 1);
      expect(p.maxId).toBeGreaterThanOrEqual(p.minId);
    });
    const end = parts.length === 0 ? plan.minId - 1 : parts.at(-1)!.maxId;
    expect(end + 1, "partitions cover up to nextId").toBe(plan.nextId);
    if (plan.maxId !== null) expect(end, "a static plan is tiled to maxId").toBe(plan.maxId);
    for (const status of ["pending", "claimed", "running", "completed", "failed"] as const) {
      expect(plan.counts[status], `count of ${status}`).toBe(
        parts.filter((p) => p.status === status).length,
      );
    }
    if (plan.status === "completed") {
      expect(plan.closed).toBe(true);
      expect(plan.counts.completed).toBe(plan.partitionCount);
    }
  }
}
