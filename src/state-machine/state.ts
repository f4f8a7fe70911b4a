/**
 * The coordinator state every node holds in memory (docs/state-machine.md): plans with their
 * partition tables, workers, client sessions, and the replicated clock. Mutated only by `apply`;
 * read through the pure functions of queries.ts; encoded by snapshot.ts.
 *
 * Besides the facts (which the snapshot encodes) it keeps indexes derived from them (rebuilt on
 * restore, never encoded): the plan id order, the active plans of each namespace in grant order,
 * each plan's pending queue and status counts, each worker's held partitions and planner roles,
 * and a heap of worker lease ends.
 */
import { assert } from "../util/assert.js";
import type { PlanId, WorkerId } from "../util/ids.js";
import type { JsonValue } from "./json-value.js";
import { MinHeap } from "./min-heap.js";
import { compareStrings, insertSorted } from "./order.js";
import type { PartitionTable } from "./partition-table.js";
import type { PendingQueue } from "./pending-queue.js";
import type { PlanStatus, WorkerStatus } from "./results.js";
import { SessionTable } from "./sessions.js";
import { WorkerSlots } from "./worker-slots.js";

/** A plan's planner role (open-ended plans): who may append, under which token. */
export interface PlannerRole {
  readonly workerId: WorkerId;
  /** Log index of the command that gave the role. */
  readonly fencingToken: number;
}

/** A plan and its partitions. Fields marked derived are rebuilt on restore. */
export interface PlanRecord {
  readonly planId: PlanId;
  readonly namespace: string;
  readonly name: string;
  readonly minId: number;
  /** Null for an open-ended plan. */
  readonly maxId: number | null;
  readonly partitionSize: number;
  readonly priority: number;
  readonly maxAttempts: number;
  /** Canonical JSON text of `options` (what is encoded and compared). */
  readonly optionsJson: string;
  /** Frozen. */
  readonly options: JsonValue;
  readonly partitionLeaseTtlMs: number;
  readonly createdAtMs: number;
  /** Log index of the CreatePlan: the plan's age for grant order. */
  readonly createdIndex: number;
  status: PlanStatus;
  /** No more partitions will be added (always true for a static plan). */
  closed: boolean;
  /** The first id not covered by a partition (maxId + 1 for a static plan). */
  nextId: number;
  planner: PlannerRole | null;
  readonly parts: PartitionTable;
  /** Derived. */
  readonly pending: PendingQueue;
  /** Derived: partitions by status code. */
  readonly counts: Int32Array;
  /** Derived: sum of the partitions' processedCount. */
  processedTotal: number;
  /** Derived: ids inside completed partitions. */
  completedIds: number;
}

/** A partition a worker holds. */
export interface HeldRef {
  readonly plan: PlanRecord;
  readonly index: number;
}

/** A registered worker. Fields marked derived are rebuilt on restore. */
export interface WorkerRecord {
  readonly workerId: WorkerId;
  readonly slot: number;
  namespace: string;
  /** Frozen flat record. */
  meta: Readonly<Record<string, string | number | boolean>>;
  windowSize: number;
  leaseTtlMs: number;
  registeredAtMs: number;
  leaseExpiresAtMs: number;
  status: WorkerStatus;
  /** Derived: the partitions it holds (claimed or running with its slot), in no set order. */
  readonly held: HeldRef[];
  /** Derived: ids of the plans whose planner it is. */
  readonly plannerOf: Set<string>;
  /** Derived: position in the lease heap, -1 when not in it (expired). */
  heapPosition: number;
}

/** Grant order of plans: priority high first, then older (smaller createdIndex) first. */
function grantOrder(a: PlanRecord, b: PlanRecord): number {
  return b.priority - a.priority || a.createdIndex - b.createdIndex;
}

function leaseEndsFirst(a: WorkerRecord, b: WorkerRecord): boolean {
  return (
    a.leaseExpiresAtMs < b.leaseExpiresAtMs ||
    (a.leaseExpiresAtMs === b.leaseExpiresAtMs && a.workerId < b.workerId)
  );
}

/** The whole replicated state. Create with {@link createState}; change only through `apply`. */
export class CoordinatorState {
  /** The replicated clock: max of every applied command's time. Never goes back. */
  nowMs = 0;
  /** Log index of the last command that changed the state (0 for none). */
  lastIndex = 0;
  /** The highest term a LeaderChanged announced. */
  leaderTerm = 0;
  readonly plans = new Map<string, PlanRecord>();
  /** Derived: plan ids in canonical order. */
  readonly planIds: string[] = [];
  /** Derived: active plans per namespace, in {@link grantOrder}. */
  readonly activePlans = new Map<string, PlanRecord[]>();
  readonly workers = new Map<string, WorkerRecord>();
  /** Derived: workers whose status is `expired`. */
  expiredCount = 0;
  readonly slots = new WorkerSlots();
  /** Derived: active and draining workers by lease end, then worker id. */
  readonly leases = new MinHeap<WorkerRecord>(leaseEndsFirst, (worker, position) => {
    worker.heapPosition = position;
  });
  readonly sessions: SessionTable;

  constructor(sessionCapacity?: number) {
    this.sessions = new SessionTable(sessionCapacity);
  }

  /** Adds a new plan to the plan map and the plan order (and to its namespace if active). */
  addPlan(plan: PlanRecord): void {
    assert(!this.plans.has(plan.planId), "plan ids are unique");
    this.plans.set(plan.planId, plan);
    insertSorted(this.planIds, plan.planId, compareStrings);
    if (plan.status === "active") this.activate(plan);
  }

  /** Puts `plan` among the active plans of its namespace. */
  activate(plan: PlanRecord): void {
    let list = this.activePlans.get(plan.namespace);
    if (list === undefined) {
      list = [];
      this.activePlans.set(plan.namespace, list);
    }
    assert(!list.includes(plan), "a plan is activated once");
    insertSorted(list, plan, grantOrder);
  }

  /** Removes `plan` from the active plans of its namespace. */
  deactivate(plan: PlanRecord): void {
    const list = this.activePlans.get(plan.namespace);
    const position = list === undefined ? -1 : list.indexOf(plan);
    assert(list !== undefined && position >= 0, "only an active plan is deactivated");
    list.splice(position, 1);
    if (list.length === 0) this.activePlans.delete(plan.namespace);
  }

  /** Adds a worker record, putting it in the lease heap unless expired. */
  addWorker(worker: WorkerRecord): void {
    assert(!this.workers.has(worker.workerId), "worker ids are unique");
    this.workers.set(worker.workerId, worker);
    if (worker.status === "expired") this.expiredCount++;
    else this.leases.push(worker);
  }

  /** Re-orders the lease heap after `worker.leaseExpiresAtMs` changed. */
  leaseChanged(worker: WorkerRecord): void {
    assert(worker.heapPosition >= 0, "only a live worker's lease changes");
    this.leases.update(worker.heapPosition);
  }
}

/** An empty state. `sessionCapacity` overrides `constants.clientSessionsMax` (tests). */
export function createState(sessionCapacity?: number): CoordinatorState {
  return new CoordinatorState(sessionCapacity);
}
