/**
 * Schemas of the partition endpoints (docs/API.md): the filtered listing and the reports a
 * holder makes on a partition it was granted — progress, complete, fail, release — each under
 * the partition's current fencing token (docs/state-machine.md), plus preemption of a stale
 * holder.
 */
import { Type } from "typebox";
import { errorMessageBytesMax, partitionsPerPlanMax } from "../constants.js";
import {
  AtMs,
  Bounded,
  Count,
  FencingTokenField,
  Id,
  ListQuery,
  Nullable,
  PageOf,
} from "./fields.js";
import { Duplicate, PartitionStatusSchema, PlanStatusSchema } from "./plans.js";

const strict = { additionalProperties: false } as const;

/** A partition's number within its plan. */
export const PartitionIdField = Bounded(0, partitionsPerPlanMax - 1, "Partition number in plan.");

/** `:planId/:partitionId` */
export const PartitionParams = Type.Object(
  { planId: Id("The plan's id."), partitionId: PartitionIdField },
  strict,
);

/** A partition as docs/state-machine.md describes it. */
export const PartitionSchema = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    minId: Count(),
    maxId: Count(),
    status: PartitionStatusSchema,
    workerId: Nullable(Id("The holder, or who completed or failed it; null when pending.")),
    fencingToken: Count("Log index of the last grant; 0 before the first."),
    leaseExpiresAtMs: Nullable(AtMs("The holder's lease end while held.")),
    progressDeadlineAtMs: Nullable(AtMs("While held: preemptable for stale progress after it.")),
    attempts: Count(),
    expiries: Count("Times a holder lost it to an expired lease or a preemption."),
    checkpointId: Nullable(Count("The last id durably processed.")),
    processedCount: Count(),
    lastError: Nullable(Type.String()),
    notBeforeMs: Nullable(AtMs("Not granted before this time (retry backoff).")),
    updatedAtMs: AtMs("Last change."),
  },
  strict,
);

/** GET /v1/partitions?planId=&status=&workerId=&limit=&cursor= */
export const ListPartitionsQuery = ListQuery({
  planId: Type.Optional(Id("Only partitions of this plan.")),
  status: Type.Optional(PartitionStatusSchema),
  workerId: Type.Optional(Id("Only partitions this worker holds, completed or failed.")),
});

/** A page of partitions. */
export const PartitionPageSchema = PageOf(PartitionSchema);

/** A partition handed to a worker, with what its processor needs to start or resume. */
export const PartitionGrantSchema = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    minId: Count(),
    maxId: Count(),
    fencingToken: FencingTokenField,
    checkpointId: Nullable(Count("Resume after this id (an earlier holder's checkpoint).")),
    processedCount: Count(),
    attempts: Count(),
  },
  strict,
);

const holder = {
  workerId: Id("The holder."),
  fencingToken: FencingTokenField,
};

/** POST …/progress */
export const ProgressBody = Type.Object(
  {
    ...holder,
    checkpointId: Count("The last id durably processed; never moves back."),
    processedCount: Count("The partition's cumulative count; never moves back."),
  },
  strict,
);

/** The answer to a progress report: the partition's new progress deadline. */
export const ProgressResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    progressDeadlineAtMs: AtMs("The new progress deadline."),
    duplicate: Duplicate,
  },
  strict,
);

/** POST …/complete */
export const CompleteBody = Type.Object(
  { ...holder, processedCount: Type.Optional(Count("The final cumulative count.")) },
  strict,
);

/** The answer to a completion: the plan's status after it (completed when this was the last). */
export const CompleteResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    planStatus: PlanStatusSchema,
    duplicate: Duplicate,
  },
  strict,
);

/** POST …/fail */
export const FailBody = Type.Object(
  {
    ...holder,
    error: Type.String({ maxLength: errorMessageBytesMax, description: "What went wrong." }),
    retryable: Type.Boolean({ description: "Retry with backoff until the plan's maxAttempts." }),
  },
  strict,
);

/** The answer to a failure report: whether and when the partition will be retried. */
export const FailResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    partitionStatus: Type.Enum(["pending", "failed"]),
    attempts: Count(),
    notBeforeMs: Nullable(AtMs("When a retry may be granted; null when failed for good.")),
    duplicate: Duplicate,
  },
  strict,
);

/** POST …/release */
export const ReleaseBody = Type.Object(holder, strict);

/** The answer to a release: the partition went back to pending. */
export const ReleaseResponse = Type.Object(
  { planId: Id("The plan's id."), partitionId: PartitionIdField, duplicate: Duplicate },
  strict,
);

/** POST …/preempt: take a partition from a holder whose lease or progress went stale. */
export const PreemptBody = Type.Object({ byWorkerId: Id("The worker taking it.") }, strict);

/** The answer to a preemption: the previous holder and the new grant. */
export const PreemptResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    previousWorkerId: Id("The holder it was taken from."),
    grant: Nullable(PartitionGrantSchema),
    duplicate: Duplicate,
  },
  strict,
);
