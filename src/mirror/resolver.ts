/**
 * Turns the marks of a flush round (./dirty-set.ts) into the round's work against the applied
 * state: which worker, plan and partition entries to write or delete.
 *
 * Some changes are not named by the command that made them: an expiry or a deregistration
 * takes a worker's partitions back, and its planner roles end, without listing them. For those
 * the resolver keeps *links*: for every worker, its namespace, held partitions and planner
 * roles as last rendered; for every plan, its planner as last rendered. A worker's lease mark
 * re-renders what it holds now and what it held then; a plan whose planner moved marks both
 * workers; a worker gone from the state is deleted from the namespace it was rendered in. The
 * links are rebuilt by every resync, so they never outlive a failed write.
 */
import {
  getPlan,
  getWorker,
  type CoordinatorState,
  type PlanView,
} from "../state-machine/index.js";
import { assert } from "../util/assert.js";
import type { DirtyMarks, PlanMarks } from "./dirty-set.js";
import { HashOps } from "./hash-ops.js";
import { RoundWork, type MirrorLayout, type PartitionTask } from "./round-work.js";

/** A worker as last rendered. */
interface WorkerLink {
  readonly namespace: string;
  /** `<planId>:<partitionId>` of every partition it held. */
  readonly held: readonly { readonly planId: string; readonly partitionId: number }[];
  readonly plannerOf: readonly string[];
}

/** Plans with the partitions to render, filled while resolving. */
type PlanTargets = Map<string, PlanMarks>;

function target(plans: PlanTargets, planId: string): PlanMarks {
  let marks = plans.get(planId);
  if (marks === undefined) {
    marks = { whole: false, partitions: new Set() };
    plans.set(planId, marks);
  }
  return marks;
}

function planOf(state: CoordinatorState, planId: string): PlanView {
  const plan = getPlan(state, planId);
  assert(plan !== undefined, () => `plan ${planId} exists (plans are never removed)`);
  return plan;
}

/** The resolver with its links; see the module comment. */
export class Resolver {
  private readonly workerLinks = new Map<string, WorkerLink>();
  private readonly planners = new Map<string, string | null>();

  constructor(private readonly layout: MirrorLayout) {}

  /** The work of a round with `marks`, judged against `state` (the state right now). */
  resolve(marks: DirtyMarks, state: CoordinatorState): RoundWork {
    if (marks.resync) return this.resyncWork(state);
    const ops = new HashOps();
    const plans: PlanTargets = new Map();
    for (const [planId, planMarks] of marks.plans) {
      plans.set(planId, { whole: planMarks.whole, partitions: new Set(planMarks.partitions) });
    }
    const views = new Set(marks.workerViews);
    this.holdersOfWholePlans(plans, views);
    const leased = this.leaseMarked(marks, state);
    for (const workerId of leased) this.renderWorker(state, workerId, ops, plans);
    for (const planId of plans.keys()) this.renderPlan(state, planId, ops, views);
    for (const workerId of views) {
      if (!leased.has(workerId)) this.renderWorker(state, workerId, ops, null);
    }
    return new RoundWork(false, this.layout, ops, this.tasksOf(state, plans));
  }

  /** Every worker and plan, from nothing: links forgotten, every hash replaced. */
  private resyncWork(state: CoordinatorState): RoundWork {
    this.workerLinks.clear();
    this.planners.clear();
    const ops = new HashOps();
    const { keys } = this.layout;
    const plans: PlanTargets = new Map();
    for (const planId of state.planIds) {
      ops.replace(keys.plans(planOf(state, planId).namespace));
      target(plans, planId).whole = true;
    }
    for (const workerId of state.workers.keys()) {
      const worker = getWorker(state, workerId);
      assert(worker !== undefined, "a listed worker exists");
      ops.replace(keys.workers(worker.namespace));
    }
    for (const workerId of state.workers.keys()) this.renderWorker(state, workerId, ops, null);
    for (const planId of plans.keys()) this.renderPlan(state, planId, ops, new Set());
    return new RoundWork(true, this.layout, ops, this.tasksOf(state, plans));
  }

  /** Workers with a lease mark: marked ones, every one, and those that may have vanished. */
  private leaseMarked(marks: DirtyMarks, state: CoordinatorState): Set<string> {
    const workers = new Set(marks.workers);
    if (marks.allWorkers) {
      for (const workerId of state.workers.keys()) workers.add(workerId);
      for (const workerId of this.workerLinks.keys()) workers.add(workerId);
    }
    if (marks.workerSet) {
      for (const workerId of this.workerLinks.keys()) {
        if (!state.workers.has(workerId)) workers.add(workerId);
      }
    }
    return workers;
  }

  /** A plan rewritten whole may have been taken from its holders (CancelPlan): re-render them. */
  private holdersOfWholePlans(plans: PlanTargets, views: Set<string>): void {
    const whole = new Set([...plans].filter(([, marks]) => marks.whole).map(([id]) => id));
    if (whole.size === 0) return;
    for (const [workerId, link] of this.workerLinks) {
      if (link.held.some((ref) => whole.has(ref.planId))) views.add(workerId);
    }
  }

  /**
   * Renders worker `workerId` (or deletes it where it was rendered last) and updates its link.
   * With `plans` (a lease mark), marks the partitions it holds and held, and the plans it plans
   * and planned.
   */
  private renderWorker(
    state: CoordinatorState,
    workerId: string,
    ops: HashOps,
    plans: PlanTargets | null,
  ): void {
    const { keys } = this.layout;
    const before = this.workerLinks.get(workerId);
    const worker = getWorker(state, workerId);
    if (before !== undefined && before.namespace !== worker?.namespace) {
      ops.delete(keys.workers(before.namespace), workerId);
    }
    if (worker === undefined) this.workerLinks.delete(workerId);
    else {
      ops.set(keys.workers(worker.namespace), workerId, JSON.stringify(worker));
      this.workerLinks.set(workerId, {
        namespace: worker.namespace,
        held: worker.held.map(({ planId, partitionId }) => ({ planId, partitionId })),
        plannerOf: worker.plannerOf,
      });
    }
    if (plans === null) return;
    for (const link of [before, this.workerLinks.get(workerId)]) {
      if (link === undefined) continue;
      for (const ref of link.held) target(plans, ref.planId).partitions.add(ref.partitionId);
      for (const planId of link.plannerOf) target(plans, planId);
    }
  }

  /** Renders plan `planId`'s summary; a planner that moved marks both workers in `views`. */
  private renderPlan(
    state: CoordinatorState,
    planId: string,
    ops: HashOps,
    views: Set<string>,
  ): void {
    const plan = planOf(state, planId);
    ops.set(this.layout.keys.plans(plan.namespace), planId, JSON.stringify(plan));
    const planner = plan.planner?.workerId ?? null;
    const before = this.planners.get(planId) ?? null;
    if (before !== planner) {
      if (before !== null) views.add(before);
      if (planner !== null) views.add(planner);
    }
    this.planners.set(planId, planner);
  }

  private tasksOf(state: CoordinatorState, plans: PlanTargets): PartitionTask[] {
    const tasks: PartitionTask[] = [];
    for (const [planId, marks] of plans) {
      const plan = planOf(state, planId);
      if (marks.whole) {
        tasks.push({
          planId,
          namespace: plan.namespace,
          ids: null,
          next: 0,
          total: plan.partitionCount,
        });
      } else if (marks.partitions.size > 0) {
        const ids = [...marks.partitions].sort((a, b) => a - b);
        tasks.push({ planId, namespace: plan.namespace, ids, next: 0, total: ids.length });
      }
    }
    return tasks;
  }
}
