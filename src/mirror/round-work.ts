/**
 * The work of one flush round: the worker and plan entries already rendered by the resolver,
 * and the partitions still to render, in chunks small enough that rendering one never stalls
 * the node's event loop (docs/REDIS-MIRROR.md: the mirror never blocks the Raft loop). Each chunk
 * reads the state as it is when the chunk is rendered; whatever changes after a chunk is marked in
 * the dirty set and rendered again by a later round, so the flush's final round describes one
 * applied index exactly (docs/REDIS-MIRROR.md, "Consistency").
 */
import {
  getPartition,
  getPlan,
  type CoordinatorState,
  type PartitionView,
} from "../state-machine/index.js";
import { assert } from "../util/assert.js";
import type { CompletedPolicy } from "./config.js";
import { HashOps } from "./hash-ops.js";
import type { MirrorKeys } from "./keys.js";

/** What the mirror writes where: the key names and the completed-partition policy. */
export interface MirrorLayout {
  readonly keys: MirrorKeys;
  readonly completed: CompletedPolicy;
}

/** Partitions of one plan to render: all of them (the plan's hashes replaced) or a list. */
export interface PartitionTask {
  readonly planId: string;
  readonly namespace: string;
  /** Null: every partition, and the plan's partition hashes are rewritten whole. */
  readonly ids: readonly number[] | null;
  /** Position reached: an index into `ids`, or a partition id for a whole plan. */
  next: number;
  /** Partitions to render, as known when the task was made (a whole plan may grow). */
  readonly total: number;
}

/**
 * Writes partition `view` of a plan in `namespace` where the policy puts it. `rewritten`: the
 * plan's hashes are being replaced whole, so nothing needs deleting from them.
 */
export function placePartition(
  ops: HashOps,
  layout: MirrorLayout,
  namespace: string,
  view: PartitionView,
  rewritten: boolean,
): void {
  const field = String(view.partitionId);
  const main = layout.keys.partitions(namespace, view.planId);
  const json = JSON.stringify(view);
  const policy = layout.completed;
  if (view.status !== "completed" || policy.kind === "keep") {
    ops.set(main, field, json);
    if (policy.kind === "expire" && !rewritten) {
      ops.delete(layout.keys.partitions(namespace, view.planId, "completed"), field);
    }
    return;
  }
  if (!rewritten) ops.delete(main, field);
  if (policy.kind === "expire") {
    const completed = layout.keys.partitions(namespace, view.planId, "completed");
    ops.set(completed, field, json);
    ops.expire(completed, policy.ttlSeconds);
  }
}

/** One round's work; see the module comment. */
export class RoundWork {
  private first = true;
  private left: number;

  /**
   * @param resync whether this round rewrites everything (and stale keys are to be removed)
   * @param rendered worker and plan entries the resolver already rendered
   * @param tasks partitions to render
   */
  constructor(
    readonly resync: boolean,
    private readonly layout: MirrorLayout,
    private readonly rendered: HashOps,
    private readonly tasks: PartitionTask[],
  ) {
    this.left = tasks.reduce((sum, task) => sum + task.total, 0);
  }

  /** Entries of the round still to render (already rendered ones included until taken). */
  get size(): number {
    return this.left + (this.first ? this.rendered.size : 0);
  }

  /** Whether everything was handed out. */
  get done(): boolean {
    return !this.first && this.tasks.length === 0;
  }

  /**
   * The next chunk: the resolver's entries (first call only) and up to `partitionsMax`
   * partitions rendered from `state` now.
   */
  nextChunk(state: CoordinatorState, partitionsMax: number): HashOps {
    const ops = this.first ? this.rendered : new HashOps();
    this.first = false;
    let room = partitionsMax;
    while (room > 0 && this.tasks.length > 0) {
      const task = this.tasks[0];
      assert(task !== undefined, "a task is queued");
      const end = this.endOf(state, task);
      room -= this.renderTask(state, task, Math.min(end, task.next + room), ops);
      if (task.next >= end) this.tasks.shift();
    }
    return ops;
  }

  /** Renders the task's partitions up to position `until` (exclusive); returns how many. */
  private renderTask(state: CoordinatorState, task: PartitionTask, until: number, ops: HashOps) {
    const { keys, completed } = this.layout;
    const whole = task.ids === null;
    if (whole && task.next === 0) {
      ops.replace(keys.partitions(task.namespace, task.planId));
      if (completed.kind === "expire") {
        const key = keys.partitions(task.namespace, task.planId, "completed");
        ops.replace(key);
        ops.expire(key, completed.ttlSeconds);
      }
    }
    const from = task.next;
    for (; task.next < until; task.next++) {
      const partitionId = task.ids === null ? task.next : (task.ids[task.next] ?? -1);
      const view = getPartition(state, task.planId, partitionId);
      assert(view !== undefined, () => `partition ${partitionId} of ${task.planId} exists`);
      placePartition(ops, this.layout, task.namespace, view, whole);
    }
    this.left = Math.max(0, this.left - (until - from));
    return until - from;
  }

  /** Where the task ends: its list's length, or the plan's partition count right now. */
  private endOf(state: CoordinatorState, task: PartitionTask): number {
    if (task.ids !== null) return task.ids.length;
    const plan = getPlan(state, task.planId);
    assert(plan !== undefined, () => `plan ${task.planId} exists`);
    return plan.partitionCount;
  }
}
