/**
 * What changed in the applied state since the last flush, read off the node's `applied` events
 * (command + result, docs/state-machine.md) without touching the state: the event handler runs
 * inside the Ready loop, so marking is O(1) per command (O(listed ids) for the few that list them).
 *
 * Workers carry two kinds of mark. A *lease* mark (heartbeat, acquire, register, expiry,
 * deregistration) means "this worker and every partition it holds or held": a partition's view
 * shows its holder's lease, and an expiry takes partitions back without naming them, so the
 * resolver (./resolver.ts) works out which partitions that is. A *view* mark (complete, fail,
 * release, preemption) only re-renders the worker (its `held` list), since those commands name
 * the partition they touch. Commands that touch a whole plan (create, cancel, retry) mark it
 * whole; LeaderChanged marks every worker. Past `entriesMax` marks the set forgets the detail
 * and asks for a full resync, so a slow or absent Redis costs one resync later, never unbounded
 * memory.
 */
import type { ApplyResult, Command, CommandEnvelope, OkResult } from "../state-machine/index.js";

/** Partitions of one plan that changed; `whole` = all of them (and the plan's keys are rewritten). */
export interface PlanMarks {
  whole: boolean;
  readonly partitions: Set<number>;
}

/** The marks taken by one flush round. */
export interface DirtyMarks {
  /** Everything must be rewritten and stale keys removed (start, leader change, overflow, gap). */
  readonly resync: boolean;
  /** Plans whose summary changed, with the partitions that changed. */
  readonly plans: ReadonlyMap<string, PlanMarks>;
  /** Lease marks: workers whose lease, held partitions or planner roles may have changed. */
  readonly workers: ReadonlySet<string>;
  /** View marks: workers whose `held` list changed through a command naming the partition. */
  readonly workerViews: ReadonlySet<string>;
  /** Every worker (LeaderChanged extends every lease and progress deadline). */
  readonly allWorkers: boolean;
  /** Workers may have disappeared (expired ones beyond the bound are forgotten). */
  readonly workerSet: boolean;
}

/** Accumulates marks between flushes; see the module comment. */
export class DirtySet {
  private resync = false;
  private plans = new Map<string, PlanMarks>();
  private workers = new Set<string>();
  private workerViews = new Set<string>();
  private allWorkers = false;
  private workerSet = false;
  private entries = 0;

  /** @param entriesMax marks kept before falling back to a resync */
  constructor(private readonly entriesMax: number) {}

  /** Marks held right now (0 once a resync is asked for: the detail is dropped). */
  get size(): number {
    return this.entries;
  }

  /** Whether anything is marked. */
  get isEmpty(): boolean {
    return !this.resync && this.entries === 0 && !this.allWorkers && !this.workerSet;
  }

  /** Asks for a full resync (and forgets every finer mark). */
  markResync(): void {
    this.clear();
    this.resync = true;
  }

  /** Hands the marks to a flush round and starts afresh. */
  take(): DirtyMarks {
    const marks: DirtyMarks = {
      resync: this.resync,
      plans: this.plans,
      workers: this.workers,
      workerViews: this.workerViews,
      allWorkers: this.allWorkers,
      workerSet: this.workerSet,
    };
    this.clear();
    return marks;
  }

  private clear(): void {
    this.resync = false;
    this.plans = new Map();
    this.workers = new Set();
    this.workerViews = new Set();
    this.allWorkers = false;
    this.workerSet = false;
    this.entries = 0;
  }

  /**
   * Marks what the command of `envelope` changed, judging by its `result`. A rejection or a
   * duplicate changed nothing the mirror shows (only a client session).
   */
  markApplied(envelope: CommandEnvelope<unknown> | null, result: ApplyResult): void {
    if (this.resync || envelope === null || result.status !== "ok" || result.duplicate) return;
    // An `ok` result means apply checked the command: it is a valid Command of result.type.
    this.markOk(envelope.command as Command, result);
  }

  private markOk(command: Command, result: OkResult): void {
    switch (result.type) {
      case "CreatePlan":
        if (result.created) this.plan(result.planId).whole = true;
        break;
      case "AppendPartitions":
        this.appended(result.planId, result.firstPartitionId, result.appendedCount);
        if (command.type === "AppendPartitions") this.workerView(command.workerId);
        break;
      case "PausePlan":
      case "ResumePlan":
        this.plan(result.planId);
        break;
      case "CancelPlan":
        this.plan(result.planId).whole = true;
        break;
      case "RetryFailed":
        if (command.type === "RetryFailed" && command.partitionIds !== undefined) {
          for (const partitionId of command.partitionIds)
            this.partition(result.planId, partitionId);
        } else this.plan(result.planId).whole = true;
        break;
      case "RegisterWorker":
      case "DeregisterWorker":
        this.worker(result.workerId);
        this.workerSet = true;
        break;
      case "Heartbeat":
        this.worker(result.workerId);
        break;
      case "AcquirePartitions":
        this.worker(result.workerId);
        for (const grant of result.granted) this.partition(grant.planId, grant.partitionId);
        break;
      case "ReportProgress":
        this.partition(result.planId, result.partitionId);
        break;
      case "CompletePartition":
      case "FailPartition":
      case "ReleasePartition":
        this.partition(result.planId, result.partitionId);
        if ("workerId" in command) this.workerView(command.workerId);
        break;
      case "CompletePartitions":
        this.workerView(result.workerId);
        if (result.acquire?.status === "ok") this.worker(result.workerId);
        for (const item of result.results) {
          if (item.status === "ok") this.partition(item.planId, item.partitionId);
        }
        for (const grant of result.acquire?.status === "ok" ? result.acquire.granted : []) {
          this.partition(grant.planId, grant.partitionId);
        }
        break;
      case "ExpireLeases":
        for (const workerId of result.expiredWorkerIds) this.worker(workerId);
        this.workerSet = true;
        break;
      case "LeaderChanged":
        this.allWorkers = true;
        break;
      case "PreemptPartition":
        this.partition(result.planId, result.partitionId);
        this.workerView(result.previousWorkerId);
        if (command.type === "PreemptPartition") this.workerView(command.byWorkerId);
        break;
    }
    if (this.entries > this.entriesMax) this.markResync();
  }

  private plan(planId: string): PlanMarks {
    let marks = this.plans.get(planId);
    if (marks === undefined) {
      marks = { whole: false, partitions: new Set() };
      this.plans.set(planId, marks);
      this.entries++;
    }
    return marks;
  }

  private partition(planId: string, partitionId: number): void {
    const marks = this.plan(planId);
    if (marks.whole || marks.partitions.has(partitionId)) return;
    marks.partitions.add(partitionId);
    this.entries++;
  }

  private appended(planId: string, first: number, count: number): void {
    for (let i = first; i < first + count; i++) this.partition(planId, i);
    // The planner role may have moved: the resolver compares the plan's planner with the last
    // one it rendered and marks both workers.
    this.plan(planId);
  }

  private worker(workerId: string): void {
    if (this.workers.has(workerId)) return;
    this.workers.add(workerId);
    this.entries++;
  }

  private workerView(workerId: string): void {
    if (this.workerViews.has(workerId)) return;
    this.workerViews.add(workerId);
    this.entries++;
  }
}
