// Test helper (not a test): a deliberately naive reference model of the coordinator state
// machine — plain objects and arrays, every question answered by a scan or a sort, no indexes,
// no columns, no heaps — written from the rules in the TSDoc of src/state-machine, to be compared
// with the real one command by command (apply.model.test.ts). It shares only `checkCommand`
// (field validation is tested on its own) and the constants.
import { isDeepStrictEqual } from "node:util";
import {
  leaseExpiriesFreeMax,
  maxAttemptsDefault,
  partitionLeaseTtlMs,
  partitionsPerAppendMax,
  partitionsPerPlanMax,
  pendingPartitionsPerPlanMax,
  retryBackoffMsBase,
  retryBackoffMsMax,
  windowSizeDefault,
  workerLeaseTtlMs,
  expiredWorkersMax,
} from "../../src/constants.js";
import { checkCommand } from "../../src/state-machine/check-command.js";
import type { CheckedCommand } from "../../src/state-machine/check-command.js";
import type {
  ApplyResult,
  CommandEnvelope,
  JsonValue,
  PartitionStatus,
  PartitionView,
  PlanStatus,
  PlanView,
  WorkerStatus,
  WorkerView,
} from "../../src/state-machine/index.js";
import { ID_PATTERN } from "../../src/state-machine/index.js";

export interface MPartition {
  minId: number;
  maxId: number;
  status: PartitionStatus;
  workerId: string | null;
  fencingToken: number;
  attempts: number;
  expiries: number;
  checkpointId: number | null;
  processedCount: number;
  lastError: string | null;
  notBeforeMs: number;
  deadlineAtMs: number;
  updatedAtMs: number;
}

export interface MPlan {
  planId: string;
  namespace: string;
  name: string;
  minId: number;
  maxId: number | null;
  partitionSize: number;
  priority: number;
  maxAttempts: number;
  options: JsonValue;
  partitionLeaseTtlMs: number;
  createdAtMs: number;
  createdIndex: number;
  status: PlanStatus;
  closed: boolean;
  nextId: number;
  planner: { workerId: string; fencingToken: number } | null;
  partitions: MPartition[];
}

export interface MWorker {
  workerId: string;
  namespace: string;
  meta: Record<string, string | number | boolean>;
  windowSize: number;
  leaseTtlMs: number;
  registeredAtMs: number;
  leaseExpiresAtMs: number;
  status: WorkerStatus;
}

interface MSession {
  clientId: string;
  seq: number;
  result: ApplyResult;
  lastIndex: number;
}

type R = Record<string, unknown>;
const rejected = (status: string): ApplyResult =>
  ({ status, detail: "", duplicate: false }) as ApplyResult;
const okResult = (type: string, data: R): ApplyResult =>
  ({ status: "ok", type, duplicate: false, ...data }) as ApplyResult;
const backoff = (attempts: number) =>
  Math.min(retryBackoffMsBase * 2 ** (attempts - 1), retryBackoffMsMax);
const held = (p: MPartition) => p.status === "claimed" || p.status === "running";
const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class ReferenceModel {
  nowMs = 0;
  lastIndex = 0;
  leaderTerm = 0;
  plans: MPlan[] = [];
  workers: MWorker[] = [];
  sessions: MSession[] = [];
  private now = 0;
  private index = 0;

  constructor(private readonly sessionCapacity: number) {}

  plan(planId: string): MPlan | undefined {
    return this.plans.find((p) => p.planId === planId);
  }

  worker(workerId: string): MWorker | undefined {
    return this.workers.find((w) => w.workerId === workerId);
  }

  /** Every partition `workerId` holds, as [plan, partition id]. */
  heldBy(workerId: string): [MPlan, number][] {
    const found: [MPlan, number][] = [];
    for (const plan of this.plans) {
      plan.partitions.forEach((p, i) => {
        if (held(p) && p.workerId === workerId) found.push([plan, i]);
      });
    }
    return found;
  }

  apply(envelope: CommandEnvelope<unknown>, logIndex: number): ApplyResult {
    const { proposedAtMs, clientId, seq } = envelope;
    const envelopeOk =
      Number.isSafeInteger(proposedAtMs) &&
      proposedAtMs >= 0 &&
      (clientId === undefined) === (seq === undefined) &&
      (clientId === undefined || (typeof clientId === "string" && ID_PATTERN.test(clientId))) &&
      (seq === undefined || (Number.isSafeInteger(seq) && seq >= 0));
    if (!envelopeOk) return rejected("invalid_request");
    if (clientId !== undefined && seq !== undefined) {
      const session = this.sessions.find((s) => s.clientId === clientId);
      if (session && session.seq === seq) return { ...session.result, duplicate: true };
      if (session && seq < session.seq) return rejected("invalid_request");
    }
    const result = this.applyCommand(envelope, logIndex);
    if (clientId !== undefined && seq !== undefined) {
      this.sessions = this.sessions.filter((s) => s.clientId !== clientId);
      this.sessions.push({ clientId, seq, result, lastIndex: logIndex });
      if (this.sessions.length > this.sessionCapacity) {
        const oldest = Math.min(...this.sessions.map((s) => s.lastIndex));
        this.sessions = this.sessions.filter((s) => s.lastIndex !== oldest);
      }
      this.lastIndex = logIndex;
    }
    return result;
  }

  private applyCommand(envelope: CommandEnvelope<unknown>, logIndex: number): ApplyResult {
    const checked = checkCommand(envelope.command);
    if ("status" in checked) return rejected("invalid_request");
    const own =
      checked.type === "ExpireLeases" || checked.type === "LeaderChanged" ? checked.nowMs : 0;
    this.now = Math.max(this.nowMs, envelope.proposedAtMs, own);
    this.index = logIndex;
    const result = this.dispatch(checked);
    if (result.status === "ok") {
      this.nowMs = this.now;
      this.lastIndex = logIndex;
    }
    return result;
  }

  private live(w: MWorker): boolean {
    return w.status !== "expired" && w.leaseExpiresAtMs > this.now;
  }

  private dispatch(c: CheckedCommand): ApplyResult {
    switch (c.type) {
      case "CreatePlan":
        return this.createPlan(c);
      case "AppendPartitions":
        return this.append(c);
      case "PausePlan":
      case "ResumePlan":
      case "CancelPlan":
        return this.planStatus(c.type, c.planId);
      case "RetryFailed":
        return this.retryFailed(c.planId, c.partitionIds);
      case "RegisterWorker":
        return this.register(c);
      case "Heartbeat":
        return this.heartbeat(c.workerId, c.draining);
      case "AcquirePartitions":
        return this.acquire(c.workerId, c.max, c.namespace);
      case "ReportProgress":
      case "CompletePartition":
      case "FailPartition":
      case "ReleasePartition":
        return this.report(c);
      case "CompletePartitions":
        return this.completeBatch(c);
      case "DeregisterWorker":
        return this.deregister(c.workerId);
      case "ExpireLeases":
        return this.expireLeases();
      case "LeaderChanged":
        return this.leaderChanged(c.term, c.graceMs);
      case "PreemptPartition":
        return this.preempt(c.planId, c.partitionId, c.byWorkerId);
    }
  }

  private createPlan(c: Extract<CheckedCommand, { type: "CreatePlan" }>): ApplyResult {
    const planId = c.planId ?? `p${this.index}`;
    const fields = {
      namespace: c.namespace ?? "default",
      name: c.name ?? planId,
      minId: c.minId,
      maxId: c.maxId ?? null,
      partitionSize: c.partitionSize,
      priority: c.priority ?? 0,
      maxAttempts: c.maxAttempts ?? maxAttemptsDefault,
      options: structuredClone(c.options ?? {}) as JsonValue,
      partitionLeaseTtlMs: c.partitionLeaseTtlMs ?? partitionLeaseTtlMs,
    };
    const existing = this.plan(planId);
    if (existing) {
      const same = (Object.keys(fields) as (keyof typeof fields)[]).every((k) =>
        isDeepStrictEqual(existing[k], fields[k]),
      );
      if (!same) return rejected("conflict");
      return okResult("CreatePlan", {
        planId,
        partitionCount: existing.partitions.length,
        created: false,
      });
    }
    const partitions: MPartition[] = [];
    if (fields.maxId !== null) {
      for (let min = fields.minId; min <= fields.maxId; min += fields.partitionSize) {
        partitions.push(
          this.newPartition(min, Math.min(min + fields.partitionSize - 1, fields.maxId)),
        );
      }
    }
    this.plans.push({
      planId,
      ...fields,
      createdAtMs: this.now,
      createdIndex: this.index,
      status: "active",
      closed: fields.maxId !== null,
      nextId: fields.maxId === null ? fields.minId : fields.maxId + 1,
      planner: null,
      partitions,
    });
    return okResult("CreatePlan", { planId, partitionCount: partitions.length, created: true });
  }

  private newPartition(minId: number, maxId: number): MPartition {
    return {
      minId,
      maxId,
      status: "pending",
      workerId: null,
      fencingToken: 0,
      attempts: 0,
      expiries: 0,
      checkpointId: null,
      processedCount: 0,
      lastError: null,
      notBeforeMs: 0,
      deadlineAtMs: 0,
      updatedAtMs: this.now,
    };
  }

  private toPending(p: MPartition, notBeforeMs: number): void {
    Object.assign(p, {
      status: "pending",
      workerId: null,
      deadlineAtMs: 0,
      notBeforeMs,
      updatedAtMs: this.now,
    });
  }

  private toFailed(p: MPartition): void {
    Object.assign(p, { status: "failed", deadlineAtMs: 0, updatedAtMs: this.now });
  }

  private maybeComplete(plan: MPlan): void {
    if (plan.status !== "active" && plan.status !== "paused") return;
    if (!plan.closed || plan.partitions.some((p) => p.status !== "completed")) return;
    plan.status = "completed";
    plan.planner = null;
  }

  private planStatus(type: "PausePlan" | "ResumePlan" | "CancelPlan", planId: string): ApplyResult {
    const plan = this.plan(planId);
    if (!plan) return rejected("not_found");
    if (plan.status === "cancelled" || plan.status === "completed")
      return rejected("plan_not_active");
    let releasedCount = 0;
    if (type === "PausePlan") {
      if (plan.status !== "active") return rejected("invalid_state");
      plan.status = "paused";
    } else if (type === "ResumePlan") {
      if (plan.status !== "paused") return rejected("invalid_state");
      plan.status = "active";
    } else {
      plan.status = "cancelled";
      plan.planner = null;
      for (const p of plan.partitions.filter(held)) {
        this.toPending(p, 0);
        releasedCount++;
      }
    }
    return okResult(type, { planId, planStatus: plan.status, releasedCount });
  }

  private retryFailed(planId: string, listed: readonly number[] | undefined): ApplyResult {
    const plan = this.plan(planId);
    if (!plan) return rejected("not_found");
    if (listed?.some((i) => i >= plan.partitions.length)) return rejected("not_found");
    if (plan.status === "cancelled" || plan.status === "completed")
      return rejected("plan_not_active");
    if (listed?.some((i) => plan.partitions[i]!.status !== "failed"))
      return rejected("invalid_state");
    const targets = listed ?? plan.partitions.flatMap((p, i) => (p.status === "failed" ? [i] : []));
    for (const i of targets) {
      const p = plan.partitions[i]!;
      Object.assign(p, { attempts: 0, expiries: 0, lastError: null });
      this.toPending(p, 0);
    }
    return okResult("RetryFailed", { planId, retriedCount: targets.length });
  }

  private register(c: Extract<CheckedCommand, { type: "RegisterWorker" }>): ApplyResult {
    const namespace = c.namespace ?? "default";
    const known = this.worker(c.workerId);
    if (known && this.live(known) && known.namespace !== namespace) return rejected("conflict");
    const settings = {
      namespace,
      meta: { ...(c.meta ?? {}) },
      windowSize: c.windowSize ?? windowSizeDefault,
      leaseTtlMs: c.leaseTtlMs ?? workerLeaseTtlMs,
    };
    if (known && this.live(known)) {
      Object.assign(known, settings, { status: "active" });
      known.leaseExpiresAtMs = Math.max(known.leaseExpiresAtMs, this.now + known.leaseTtlMs);
      return okResult("RegisterWorker", {
        workerId: known.workerId,
        leaseExpiresAtMs: known.leaseExpiresAtMs,
        releasedCount: 0,
      });
    }
    let releasedCount = 0;
    if (known) {
      if (known.status !== "expired") releasedCount = this.expireWorker(known);
      this.workers = this.workers.filter((w) => w.workerId !== c.workerId);
    }
    this.workers.push({
      workerId: c.workerId,
      ...settings,
      registeredAtMs: this.now,
      leaseExpiresAtMs: this.now + settings.leaseTtlMs,
      status: "active",
    });
    return okResult("RegisterWorker", {
      workerId: c.workerId,
      leaseExpiresAtMs: this.now + settings.leaseTtlMs,
      releasedCount,
    });
  }

  private renew(w: MWorker): void {
    w.leaseExpiresAtMs = Math.max(w.leaseExpiresAtMs, this.now + w.leaseTtlMs);
  }

  private heldList(workerId: string) {
    return this.heldBy(workerId)
      .map(([plan, i]) => ({
        planId: plan.planId,
        partitionId: i,
        fencingToken: plan.partitions[i]!.fencingToken,
      }))
      .sort((a, b) => byString(a.planId, b.planId) || a.partitionId - b.partitionId);
  }

  private heartbeat(workerId: string, draining: boolean | undefined): ApplyResult {
    const w = this.worker(workerId);
    if (!w) return rejected("not_found");
    if (!this.live(w)) return rejected("lease_expired");
    if (draining === true) w.status = "draining";
    this.renew(w);
    return okResult("Heartbeat", {
      workerId,
      workerStatus: w.status,
      leaseExpiresAtMs: w.leaseExpiresAtMs,
      held: this.heldList(workerId),
    });
  }

  private grantOf(plan: MPlan, i: number) {
    const p = plan.partitions[i]!;
    return {
      planId: plan.planId,
      partitionId: i,
      minId: p.minId,
      maxId: p.maxId,
      fencingToken: p.fencingToken,
      checkpointId: p.checkpointId,
      processedCount: p.processedCount,
      attempts: p.attempts,
    };
  }

  private assign(plan: MPlan, p: MPartition, workerId: string): void {
    Object.assign(p, {
      status: "claimed",
      workerId,
      fencingToken: this.index,
      deadlineAtMs: this.now + plan.partitionLeaseTtlMs,
      notBeforeMs: 0,
      updatedAtMs: this.now,
    });
  }

  private acquire(workerId: string, max: number, namespace: string | undefined): ApplyResult {
    const w = this.worker(workerId);
    if (!w) return rejected("not_found");
    if (!this.live(w)) return rejected("lease_expired");
    if (namespace !== undefined && namespace !== w.namespace) return rejected("invalid_request");
    if (w.status === "draining") return rejected("invalid_state");
    this.renew(w);
    const room = Math.max(0, Math.min(max, w.windowSize - this.heldBy(workerId).length));
    const candidates = this.plans
      .filter((plan) => plan.status === "active" && plan.namespace === w.namespace)
      .flatMap((plan) =>
        plan.partitions.flatMap((p, i) =>
          p.status === "pending" && p.notBeforeMs <= this.now ? [{ plan, i }] : [],
        ),
      )
      .sort(
        (a, b) =>
          b.plan.priority - a.plan.priority ||
          a.plan.createdIndex - b.plan.createdIndex ||
          a.i - b.i,
      )
      .slice(0, room);
    const granted = candidates.map(({ plan, i }) => {
      this.assign(plan, plan.partitions[i]!, workerId);
      return this.grantOf(plan, i);
    });
    return okResult("AcquirePartitions", {
      workerId,
      leaseExpiresAtMs: w.leaseExpiresAtMs,
      granted,
    });
  }

  private report(
    c: Extract<
      CheckedCommand,
      { type: "ReportProgress" | "CompletePartition" | "FailPartition" | "ReleasePartition" }
    >,
  ): ApplyResult {
    const plan = this.plan(c.planId);
    if (!plan || c.partitionId >= plan.partitions.length) return rejected("not_found");
    const w = this.worker(c.workerId);
    if (!w) return rejected("not_found");
    if (!this.live(w)) return rejected("lease_expired");
    // A closed plan holds nothing, so a report on one is answered by the fencing check.
    const p = plan.partitions[c.partitionId]!;
    if (!held(p) || p.workerId !== c.workerId) return rejected("not_holder");
    if (p.fencingToken !== c.fencingToken) return rejected("stale_fencing_token");
    const at = { planId: plan.planId, partitionId: c.partitionId };
    switch (c.type) {
      case "ReportProgress": {
        if (c.checkpointId < p.minId || c.checkpointId > p.maxId) {
          return rejected("invalid_request");
        }
        if (c.processedCount < p.processedCount) return rejected("conflict");
        if (c.checkpointId < (p.checkpointId ?? -1)) return rejected("conflict");
        Object.assign(p, {
          status: "running",
          processedCount: c.processedCount,
          checkpointId: c.checkpointId,
          deadlineAtMs: this.now + plan.partitionLeaseTtlMs,
          updatedAtMs: this.now,
        });
        return okResult("ReportProgress", { ...at, progressDeadlineAtMs: p.deadlineAtMs });
      }
      case "CompletePartition": {
        if (c.processedCount !== undefined && c.processedCount < p.processedCount)
          return rejected("conflict");
        if (c.processedCount !== undefined) p.processedCount = c.processedCount;
        Object.assign(p, {
          status: "completed",
          checkpointId: p.maxId,
          deadlineAtMs: 0,
          updatedAtMs: this.now,
        });
        this.maybeComplete(plan);
        return okResult("CompletePartition", { ...at, planStatus: plan.status });
      }
      case "FailPartition": {
        p.attempts += 1;
        p.lastError = c.error;
        const again = c.retryable && p.attempts < plan.maxAttempts;
        if (again) this.toPending(p, this.now + backoff(p.attempts));
        else this.toFailed(p);
        return okResult("FailPartition", {
          ...at,
          partitionStatus: again ? "pending" : "failed",
          attempts: p.attempts,
          notBeforeMs: again ? p.notBeforeMs : null,
        });
      }
      case "ReleasePartition":
        this.toPending(p, 0);
        return okResult("ReleasePartition", at);
    }
  }

  /** Each item as a CompletePartition, in order; then an AcquirePartitions when asked. */
  private completeBatch(c: Extract<CheckedCommand, { type: "CompletePartitions" }>): ApplyResult {
    const results = c.items.map((item) => {
      const at = { planId: item.planId, partitionId: item.partitionId };
      const single = { processedCount: undefined, ...item, workerId: c.workerId };
      const r = this.report({ type: "CompletePartition", ...single });
      if (r.status !== "ok" || r.type !== "CompletePartition") {
        return { status: r.status, ...at, detail: "" };
      }
      return { status: "ok", ...at, planStatus: r.planStatus };
    });
    const acquired =
      c.acquireMax === undefined ? null : this.acquire(c.workerId, c.acquireMax, undefined);
    const acquire =
      acquired === null
        ? null
        : acquired.status === "ok" && acquired.type === "AcquirePartitions"
          ? { status: "ok", leaseExpiresAtMs: acquired.leaseExpiresAtMs, granted: acquired.granted }
          : { status: acquired.status, detail: "" };
    return okResult("CompletePartitions", { workerId: c.workerId, results, acquire });
  }

  private endPlannerRoles(workerId: string): void {
    for (const plan of this.plans) if (plan.planner?.workerId === workerId) plan.planner = null;
  }

  private deregister(workerId: string): ApplyResult {
    const w = this.worker(workerId);
    if (!w) return rejected("not_found");
    const mine = this.heldBy(workerId);
    for (const [plan, i] of mine) this.toPending(plan.partitions[i]!, 0);
    this.endPlannerRoles(workerId);
    this.workers = this.workers.filter((x) => x !== w);
    return okResult("DeregisterWorker", { workerId, releasedCount: mine.length });
  }

  /** Counts an expiry of `p`; "free", "charged" or "exhausted". */
  private countExpiry(plan: MPlan, p: MPartition): string {
    p.expiries += 1;
    if (p.expiries <= leaseExpiriesFreeMax) return "free";
    p.attempts += 1;
    p.lastError = `lease lost ${p.expiries} times`;
    return p.attempts >= plan.maxAttempts ? "exhausted" : "charged";
  }

  /** Expires `w`; returns how many partitions it held. */
  private expireWorker(w: MWorker): number {
    const mine = this.heldBy(w.workerId);
    for (const [plan, i] of mine) {
      const p = plan.partitions[i]!;
      const charge = this.countExpiry(plan, p);
      if (charge === "exhausted") this.toFailed(p);
      else this.toPending(p, charge === "free" ? 0 : this.now + backoff(p.attempts));
    }
    this.endPlannerRoles(w.workerId);
    w.status = "expired";
    const expired = this.workers
      .filter((x) => x.status === "expired")
      .sort((a, b) => a.leaseExpiresAtMs - b.leaseExpiresAtMs || byString(a.workerId, b.workerId));
    const forget = expired.slice(0, Math.max(0, expired.length - expiredWorkersMax));
    this.workers = this.workers.filter((x) => !forget.includes(x));
    return mine.length;
  }

  private expireLeases(): ApplyResult {
    const due = this.workers
      .filter((w) => w.status !== "expired" && w.leaseExpiresAtMs <= this.now)
      .sort((a, b) => a.leaseExpiresAtMs - b.leaseExpiresAtMs || byString(a.workerId, b.workerId));
    let releasedCount = 0;
    let failedCount = 0;
    for (const w of due) {
      const mine = this.heldBy(w.workerId).map(([plan, i]) => plan.partitions[i]!);
      this.expireWorker(w);
      failedCount += mine.filter((p) => p.status === "failed").length;
      releasedCount += mine.filter((p) => p.status === "pending").length;
    }
    return okResult("ExpireLeases", {
      expiredWorkerIds: due.map((w) => w.workerId),
      releasedCount,
      failedCount,
    });
  }

  private leaderChanged(term: number, graceMs: number): ApplyResult {
    if (term < this.leaderTerm) return rejected("conflict");
    this.leaderTerm = term;
    const floor = this.now + graceMs;
    let extendedCount = 0;
    for (const w of this.workers.filter((x) => x.status !== "expired")) {
      for (const [plan, i] of this.heldBy(w.workerId)) {
        const p = plan.partitions[i]!;
        p.deadlineAtMs = Math.max(p.deadlineAtMs, floor);
      }
      if (w.leaseExpiresAtMs < floor) {
        w.leaseExpiresAtMs = floor;
        extendedCount++;
      }
    }
    return okResult("LeaderChanged", { term, extendedCount });
  }

  private preempt(planId: string, partitionId: number, byWorkerId: string): ApplyResult {
    const plan = this.plan(planId);
    if (!plan || partitionId >= plan.partitions.length) return rejected("not_found");
    const w = this.worker(byWorkerId);
    if (!w || w.namespace !== plan.namespace) return rejected("not_found");
    if (!this.live(w)) return rejected("lease_expired");
    if (plan.status !== "active") return rejected("plan_not_active");
    if (w.status === "draining") return rejected("invalid_state");
    if (this.heldBy(byWorkerId).length >= w.windowSize) return rejected("invalid_state");
    const p = plan.partitions[partitionId]!;
    if (!held(p)) return rejected("invalid_state");
    const holder = this.worker(p.workerId ?? "")!;
    if (holder === w) return rejected("conflict");
    if (this.live(holder) && p.deadlineAtMs > this.now) return rejected("conflict");
    const charge = this.countExpiry(plan, p);
    let grant = null;
    if (charge === "exhausted") this.toFailed(p);
    else {
      this.assign(plan, p, byWorkerId);
      grant = this.grantOf(plan, partitionId);
    }
    return okResult("PreemptPartition", {
      planId,
      partitionId,
      previousWorkerId: holder.workerId,
      grant,
    });
  }

  private append(c: Extract<CheckedCommand, { type: "AppendPartitions" }>): ApplyResult {
    const plan = this.plan(c.planId);
    if (!plan) return rejected("not_found");
    const w = this.worker(c.workerId);
    if (!w || w.namespace !== plan.namespace) return rejected("not_found");
    if (!this.live(w)) return rejected("lease_expired");
    const role = plan.planner;
    const mine = role?.workerId === c.workerId;
    if (c.fencingToken !== undefined) {
      if (!mine) return rejected("not_holder");
      if (role?.fencingToken !== c.fencingToken) return rejected("stale_fencing_token");
    } else if (role && !mine) {
      const planner = this.worker(role.workerId);
      if (planner && this.live(planner)) return rejected("not_holder");
    }
    if (plan.status === "cancelled" || plan.status === "completed")
      return rejected("plan_not_active");
    if (plan.closed) return rejected("invalid_state");
    let ranges = [...(c.ranges ?? [])];
    if (c.upToId !== undefined && c.upToId >= plan.nextId) {
      ranges = [];
      for (let min = plan.nextId; min <= c.upToId; min += plan.partitionSize) {
        ranges.push({ minId: min, maxId: Math.min(min + plan.partitionSize - 1, c.upToId) });
      }
      if (ranges.length > partitionsPerAppendMax) return rejected("invalid_request");
    }
    if (plan.partitions.length + ranges.length > partitionsPerPlanMax)
      return rejected("invalid_request");
    if (c.upToId !== undefined && c.upToId < plan.nextId) return rejected("conflict");
    if (ranges.length > 0 && ranges[0]!.minId !== plan.nextId) return rejected("conflict");
    const pending = plan.partitions.filter((p) => p.status === "pending").length;
    if (ranges.length > 0 && pending >= pendingPartitionsPerPlanMax)
      return rejected("back_pressure");
    if (!mine) plan.planner = { workerId: c.workerId, fencingToken: this.index };
    const plannerToken = plan.planner!.fencingToken;
    const firstPartitionId = plan.partitions.length;
    for (const r of ranges) plan.partitions.push(this.newPartition(r.minId, r.maxId));
    if (ranges.length > 0) plan.nextId = ranges.at(-1)!.maxId + 1;
    if (c.final === true) {
      plan.closed = true;
      plan.planner = null;
      this.maybeComplete(plan);
    }
    return okResult("AppendPartitions", {
      planId: plan.planId,
      plannerToken,
      firstPartitionId,
      appendedCount: ranges.length,
      nextId: plan.nextId,
      closed: plan.closed,
      planStatus: plan.status,
    });
  }

  // ── views, in the shapes of src/state-machine/queries.ts ─────────────────────────────────

  planViews(): PlanView[] {
    return [...this.plans]
      .sort((a, b) => byString(a.planId, b.planId))
      .map((plan) => {
        const count = (s: PartitionStatus) => plan.partitions.filter((p) => p.status === s).length;
        const completedIds = plan.partitions
          .filter((p) => p.status === "completed")
          .reduce((sum, p) => sum + p.maxId - p.minId + 1, 0);
        const covered = plan.nextId - plan.minId;
        return {
          planId: plan.planId,
          namespace: plan.namespace,
          name: plan.name,
          minId: plan.minId,
          maxId: plan.maxId,
          openEnded: plan.maxId === null,
          closed: plan.closed,
          nextId: plan.nextId,
          partitionSize: plan.partitionSize,
          options: plan.options,
          priority: plan.priority,
          maxAttempts: plan.maxAttempts,
          partitionLeaseTtlMs: plan.partitionLeaseTtlMs,
          status: plan.status,
          createdAtMs: plan.createdAtMs,
          planner: plan.planner,
          partitionCount: plan.partitions.length,
          counts: {
            pending: count("pending"),
            claimed: count("claimed"),
            running: count("running"),
            completed: count("completed"),
            failed: count("failed"),
          },
          processedCount: plan.partitions.reduce((sum, p) => sum + p.processedCount, 0),
          progress: covered === 0 ? 0 : completedIds / covered,
        } as PlanView;
      });
  }

  partitionViews(): PartitionView[] {
    return [...this.plans]
      .sort((a, b) => byString(a.planId, b.planId))
      .flatMap((plan) =>
        plan.partitions.map((p, i) => {
          const isHeld = held(p);
          return {
            planId: plan.planId,
            partitionId: i,
            minId: p.minId,
            maxId: p.maxId,
            status: p.status,
            workerId: p.workerId,
            fencingToken: p.fencingToken,
            leaseExpiresAtMs: isHeld ? this.worker(p.workerId ?? "")!.leaseExpiresAtMs : null,
            progressDeadlineAtMs: isHeld ? p.deadlineAtMs : null,
            attempts: p.attempts,
            expiries: p.expiries,
            checkpointId: p.checkpointId,
            processedCount: p.processedCount,
            lastError: p.lastError,
            notBeforeMs: p.notBeforeMs > 0 ? p.notBeforeMs : null,
            updatedAtMs: p.updatedAtMs,
          } as PartitionView;
        }),
      );
  }

  workerViews(): WorkerView[] {
    return [...this.workers]
      .sort((a, b) => byString(a.workerId, b.workerId))
      .map(
        (w) =>
          ({
            ...w,
            held: this.heldList(w.workerId),
            plannerOf: this.plans
              .filter((p) => p.planner?.workerId === w.workerId)
              .map((p) => p.planId)
              .sort(byString),
          }) as unknown as WorkerView,
      );
  }

  nextLeaseExpiryAtMs(): number | null {
    const live = this.workers.filter((w) => w.status !== "expired").map((w) => w.leaseExpiresAtMs);
    return live.length === 0 ? null : Math.min(...live);
  }

  /** Gaps of a plan: maximal runs of partitions not completed. */
  gaps(planId: string): { minId: number; maxId: number }[] {
    const gaps: { minId: number; maxId: number }[] = [];
    for (const p of this.plan(planId)?.partitions ?? []) {
      if (p.status === "completed") continue;
      const last = gaps.at(-1);
      if (last && last.maxId + 1 === p.minId) last.maxId = p.maxId;
      else gaps.push({ minId: p.minId, maxId: p.maxId });
    }
    return gaps;
  }
}
