/**
 * What `apply` answers: a typed result with a stable status (after TigerBeetle's
 * `CreateAccountStatus`). Business rejections are results, never exceptions; a rejected command
 * changes nothing (except the client session that remembers its answer).
 *
 * Results are plain JSON (they are stored in client sessions and in snapshots), so they hold no
 * `undefined`, no NaN and no class instances.
 */
import type { ErrorCode } from "../errors.js";
import type { PlanId, WorkerId } from "../util/ids.js";
import type { CommandType } from "./commands.js";

/**
 * The closed list of statuses, ordered by precedence: when a command breaks several rules, it
 * is rejected with the earliest status in this list that applies. Codes are never renamed,
 * removed or reused. Every rejection status is a code of `src/errors.ts`, so the HTTP layer maps
 * a status to a problem+json `code` without a second table.
 *
 * The fencing checks (`not_holder`, `stale_fencing_token`) come before the plan's status: the
 * answer to a worker acting on a partition (or planner role) depends only on what it holds, not
 * on how far other workers took the plan meanwhile, so a stale holder always learns that it was
 * fenced (docs/state-machine.md, "Rules in one place").
 *
 * - `invalid_request`: a field is missing, of the wrong type or out of bounds (or the client
 *   session's sequence number went back).
 * - `not_found`: the plan, partition or worker does not exist (or not in the worker's namespace).
 * - `lease_expired`: the acting worker's lease ran out (or it was expired).
 * - `not_holder`: the worker does not hold the partition (or the plan's planner role).
 * - `stale_fencing_token`: the worker holds it, but under a newer token than the one presented.
 * - `plan_not_active`: the plan is cancelled or completed (paused, for grants).
 * - `invalid_state`: the plan, partition or worker is in a state that forbids the operation.
 * - `conflict`: the command contradicts what is recorded (a reused planId, a checkpoint going
 *   back, an append not starting at the plan's next id, a preemption of a healthy holder).
 * - `back_pressure`: too much pending work; retry later.
 */
export const APPLY_STATUSES = [
  "ok",
  "invalid_request",
  "not_found",
  "lease_expired",
  "not_holder",
  "stale_fencing_token",
  "plan_not_active",
  "invalid_state",
  "conflict",
  "back_pressure",
] as const satisfies readonly ("ok" | ErrorCode)[];

/** A status `apply` can answer with. */
export type ApplyStatus = (typeof APPLY_STATUSES)[number];
/** A status other than `ok`. */
export type RejectionStatus = Exclude<ApplyStatus, "ok">;

/**
 * A rejected command. `detail` is a human sentence (the problem+json `detail`). `duplicate` is
 * true when this is the remembered answer to a retried request.
 */
export interface Rejection {
  readonly status: RejectionStatus;
  readonly detail: string;
  readonly duplicate: boolean;
}

interface Ok<T extends CommandType> {
  readonly status: "ok";
  readonly type: T;
  /** True when this is the remembered answer to a retried request (nothing was applied again). */
  readonly duplicate: boolean;
}

/** A partition handed to a worker, with what its processor needs to start or resume. */
export interface PartitionGrant {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly minId: number;
  readonly maxId: number;
  /** The log index of the granting command; present it with every report. */
  readonly fencingToken: number;
  /** The last id durably processed by an earlier holder, or null: resume after it. */
  readonly checkpointId: number | null;
  readonly processedCount: number;
  readonly attempts: number;
}

/** A partition a worker holds, as a Heartbeat reports it back. */
export interface HeldPartition {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly fencingToken: number;
}

/** A plan's lifecycle status. */
export type PlanStatus = "active" | "paused" | "cancelled" | "completed";
/** A partition's status (the seed's five). */
export type PartitionStatus = "pending" | "claimed" | "running" | "completed" | "failed";
/** A worker's status. */
export type WorkerStatus = "active" | "draining" | "expired";

/** CreatePlan: the plan id (assigned or chosen) and its partition count. */
export interface CreatePlanOk extends Ok<"CreatePlan"> {
  readonly planId: PlanId;
  readonly partitionCount: number;
  /** False when an identical plan with this planId already existed (idempotent retry). */
  readonly created: boolean;
}

/** AppendPartitions: what was added, the planner token, where the plan now ends. */
export interface AppendPartitionsOk extends Ok<"AppendPartitions"> {
  readonly planId: PlanId;
  /** The planner's fencing token: present it with the next append. */
  readonly plannerToken: number;
  readonly firstPartitionId: number;
  readonly appendedCount: number;
  /** The first id not yet covered by a partition. */
  readonly nextId: number;
  readonly closed: boolean;
  readonly planStatus: PlanStatus;
}

/** PausePlan, ResumePlan, CancelPlan: the plan's new status. */
export interface PlanStatusOk<T extends "PausePlan" | "ResumePlan" | "CancelPlan"> extends Ok<T> {
  readonly planId: PlanId;
  readonly planStatus: PlanStatus;
  /** Held partitions taken back (CancelPlan only; 0 otherwise). */
  readonly releasedCount: number;
}

/** RetryFailed: how many failed partitions went back to pending. */
export interface RetryFailedOk extends Ok<"RetryFailed"> {
  readonly planId: PlanId;
  readonly retriedCount: number;
}

/** RegisterWorker: the lease end. */
export interface RegisterWorkerOk extends Ok<"RegisterWorker"> {
  readonly workerId: WorkerId;
  readonly leaseExpiresAtMs: number;
  /** Partitions it lost because its previous lease had already run out. */
  readonly releasedCount: number;
}

/** Heartbeat: the renewed lease and what the worker holds. */
export interface HeartbeatOk extends Ok<"Heartbeat"> {
  readonly workerId: WorkerId;
  readonly workerStatus: WorkerStatus;
  readonly leaseExpiresAtMs: number;
  /** What it holds, sorted by plan id then partition id: anything else it runs, it lost. */
  readonly held: readonly HeldPartition[];
}

/** AcquirePartitions: the partitions granted (possibly none) and the renewed lease. */
export interface AcquirePartitionsOk extends Ok<"AcquirePartitions"> {
  readonly workerId: WorkerId;
  readonly leaseExpiresAtMs: number;
  readonly granted: readonly PartitionGrant[];
}

/** ReportProgress: the new progress deadline. */
export interface ReportProgressOk extends Ok<"ReportProgress"> {
  readonly planId: PlanId;
  readonly partitionId: number;
  /** The partition's new progress deadline (stale-progress preemption after it). */
  readonly progressDeadlineAtMs: number;
}

/** CompletePartition: the plan's status after it (completed when this was the last). */
export interface CompletePartitionOk extends Ok<"CompletePartition"> {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly planStatus: PlanStatus;
}

/** One item's answer in a CompletePartitions batch: a CompletePartition's, without `type`. */
export type CompletionItemResult =
  | {
      readonly status: "ok";
      readonly planId: string;
      readonly partitionId: number;
      readonly planStatus: PlanStatus;
    }
  | {
      readonly status: RejectionStatus;
      readonly planId: string;
      readonly partitionId: number;
      readonly detail: string;
    };

/** The acquire part of a CompletePartitions batch: an AcquirePartitions' answer. */
export type BatchAcquireResult =
  | {
      readonly status: "ok";
      readonly leaseExpiresAtMs: number;
      readonly granted: readonly PartitionGrant[];
    }
  | { readonly status: RejectionStatus; readonly detail: string };

/**
 * CompletePartitions: one result per item, in item order, and the acquire part's answer (null
 * when `acquireMax` was not given). The command itself is `ok` whenever it is well formed.
 */
export interface CompletePartitionsOk extends Ok<"CompletePartitions"> {
  readonly workerId: WorkerId;
  readonly results: readonly CompletionItemResult[];
  readonly acquire: BatchAcquireResult | null;
}

/** FailPartition: whether the partition will be retried, and when. */
export interface FailPartitionOk extends Ok<"FailPartition"> {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly partitionStatus: "pending" | "failed";
  readonly attempts: number;
  /** When a retry may be granted, or null when the partition failed for good. */
  readonly notBeforeMs: number | null;
}

/** ReleasePartition: which partition went back to pending. */
export interface ReleasePartitionOk extends Ok<"ReleasePartition"> {
  readonly planId: PlanId;
  readonly partitionId: number;
}

/** DeregisterWorker: how many partitions went back to pending. */
export interface DeregisterWorkerOk extends Ok<"DeregisterWorker"> {
  readonly workerId: WorkerId;
  readonly releasedCount: number;
}

/** ExpireLeases: who expired and what happened to their partitions. */
export interface ExpireLeasesOk extends Ok<"ExpireLeases"> {
  /** Sorted by lease end, then worker id. */
  readonly expiredWorkerIds: readonly WorkerId[];
  /** Partitions that went back to pending. */
  readonly releasedCount: number;
  /** Partitions that ran out of attempts by expiring once too often. */
  readonly failedCount: number;
}

/** LeaderChanged: the announced term and how many leases grew. */
export interface LeaderChangedOk extends Ok<"LeaderChanged"> {
  readonly term: number;
  /** Workers whose lease was extended. */
  readonly extendedCount: number;
}

/** PreemptPartition: the previous holder and the new grant. */
export interface PreemptPartitionOk extends Ok<"PreemptPartition"> {
  readonly planId: PlanId;
  readonly partitionId: number;
  readonly previousWorkerId: WorkerId;
  /** The grant to the preempting worker, or null when the charge made the partition fail. */
  readonly grant: PartitionGrant | null;
}

/** The `ok` result of each command type. */
export interface OkResults {
  CreatePlan: CreatePlanOk;
  AppendPartitions: AppendPartitionsOk;
  PausePlan: PlanStatusOk<"PausePlan">;
  ResumePlan: PlanStatusOk<"ResumePlan">;
  CancelPlan: PlanStatusOk<"CancelPlan">;
  RetryFailed: RetryFailedOk;
  RegisterWorker: RegisterWorkerOk;
  Heartbeat: HeartbeatOk;
  AcquirePartitions: AcquirePartitionsOk;
  ReportProgress: ReportProgressOk;
  CompletePartition: CompletePartitionOk;
  CompletePartitions: CompletePartitionsOk;
  FailPartition: FailPartitionOk;
  ReleasePartition: ReleasePartitionOk;
  DeregisterWorker: DeregisterWorkerOk;
  ExpireLeases: ExpireLeasesOk;
  LeaderChanged: LeaderChangedOk;
  PreemptPartition: PreemptPartitionOk;
}

/** Any `ok` result. */
export type OkResult = OkResults[CommandType];
/** What `apply` returns. */
export type ApplyResult = OkResult | Rejection;
/** What applying a command of type `T` can return. */
export type ResultOf<T extends CommandType> = OkResults[T] | Rejection;

/** A rejection with `status` and a human `detail`. */
export function reject(status: RejectionStatus, detail: string): Rejection {
  return { status, detail, duplicate: false };
}

/** Whether `result` is a rejection. */
export function isRejection(result: ApplyResult): result is Rejection {
  return result.status !== "ok";
}
