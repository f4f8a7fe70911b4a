/**
 * Schemas of the plan endpoints (docs/API.md "Plans"): create, list, show with rate and ETA,
 * gaps, the status actions, and AppendPartitions for the planners of open-ended plans. Field
 * meanings and bounds follow the CreatePlan and AppendPartitions commands (docs/state-machine.md).
 */
import { Type } from "typebox";
import {
  maxAttemptsMax,
  partitionIdsPerCommandMax,
  partitionLeaseTtlMsMax,
  partitionLeaseTtlMsMin,
  partitionsPerAppendMax,
  partitionsPerPlanMax,
  planNameBytesMax,
  planPriorityAbsMax,
} from "../constants.js";
import {
  AtMs,
  Bounded,
  Consistency,
  Count,
  FencingTokenField,
  Id,
  IdRangeSchema,
  Limit,
  ListQuery,
  Nullable,
  PageOf,
  SAFE_INTEGER_MAX,
} from "./fields.js";

const strict = { additionalProperties: false } as const;

/** A plan's lifecycle status. */
export const PlanStatusSchema = Type.Enum(["active", "paused", "cancelled", "completed"]);
/** A partition's status (the seed's five). */
export const PartitionStatusSchema = Type.Enum([
  "pending",
  "claimed",
  "running",
  "completed",
  "failed",
]);

/** Whether the answer repeats the first result of a retried request (nothing applied again). */
export const Duplicate = Type.Boolean({
  description: "True when this answers a retry with the first result; nothing was applied again.",
});

/** `:planId` */
export const PlanParams = Type.Object({ planId: Id("The plan's id.") }, strict);

/** POST /v1/plans */
export const CreatePlanBody = Type.Object(
  {
    planId: Type.Optional(
      Id("Client-chosen id: a retry with identical fields returns the existing plan."),
    ),
    namespace: Type.Optional(Id('Workers of this namespace process it (default "default").')),
    name: Type.Optional(Type.String({ maxLength: planNameBytesMax, description: "Default: id." })),
    minId: Count("First record id of the range."),
    maxId: Type.Optional(Count("Last record id (inclusive); absent for an open-ended plan.")),
    openEnded: Type.Optional(
      Type.Boolean({ description: "Starts empty; a planner appends partitions." }),
    ),
    partitionSize: Bounded(1, SAFE_INTEGER_MAX, "Ids per partition (the last takes the rest)."),
    priority: Type.Optional(
      Bounded(-planPriorityAbsMax, planPriorityAbsMax, "Higher is served first (default 0)."),
    ),
    maxAttempts: Type.Optional(Bounded(1, maxAttemptsMax, "Attempts before a partition fails.")),
    options: Type.Optional(Type.Unknown({ description: "JSON handed to the processor." })),
    partitionLeaseTtlMs: Type.Optional(
      Bounded(
        partitionLeaseTtlMsMin,
        partitionLeaseTtlMsMax,
        "A held partition without progress for this long may be preempted.",
      ),
    ),
  },
  strict,
);

/** POST /v1/plans → 201 (created) or 200 (an identical plan with this planId existed). */
export const CreatePlanResponse = Type.Object(
  {
    planId: Id("The plan's id (chosen or assigned as p<logIndex>)."),
    partitionCount: Count(),
    created: Type.Boolean({ description: "False when an identical plan already existed." }),
    duplicate: Duplicate,
  },
  strict,
);

const PlanCounts = Type.Object(
  {
    pending: Count(),
    claimed: Count(),
    running: Count(),
    completed: Count(),
    failed: Count(),
  },
  { ...strict, description: "Partitions by status." },
);

const PlanFields = {
  planId: Id("The plan's id."),
  namespace: Id("Its namespace."),
  name: Type.String(),
  minId: Count(),
  maxId: Nullable(Count("Null for an open-ended plan.")),
  openEnded: Type.Boolean(),
  closed: Type.Boolean({ description: "No more partitions will be added." }),
  nextId: Count("The first id not covered by a partition."),
  partitionSize: Count(),
  options: Type.Unknown({ description: "JSON handed to the processor." }),
  priority: Type.Integer(),
  maxAttempts: Count(),
  partitionLeaseTtlMs: Count(),
  status: PlanStatusSchema,
  createdAtMs: AtMs("When the plan was created (replicated clock)."),
  planner: Nullable(
    Type.Object(
      { workerId: Id("The planner worker."), fencingToken: FencingTokenField },
      { ...strict, description: "The planner role of an open-ended plan, or null." },
    ),
  ),
  partitionCount: Count(),
  counts: PlanCounts,
  processedCount: Count("Sum of the partitions' processedCount."),
  progress: Type.Number({
    minimum: 0,
    maximum: 1,
    description: "Ids in completed partitions ÷ ids covered by partitions so far.",
  }),
};

/** A plan with its partition counts and progress (GET /v1/plans rows). */
export const PlanSchema = Type.Object(PlanFields, strict);

/** How fast a plan progresses, measured by the node that answers (see docs/API.md). */
export const PlanRateSchema = Type.Object(
  {
    partitionsPerSecond: Type.Number({ minimum: 0 }),
    itemsPerSecond: Type.Number({ minimum: 0, description: "processedCount per second." }),
    windowSeconds: Type.Number({ minimum: 0, description: "The span the rate was measured over." }),
  },
  strict,
);

/** GET /v1/plans/:planId */
export const PlanDetailSchema = Type.Object(
  {
    ...PlanFields,
    rate: Nullable(PlanRateSchema),
    etaSeconds: Nullable(
      Type.Number({ minimum: 0, description: "Null while unknown (no rate, open, paused)." }),
    ),
  },
  strict,
);

/** GET /v1/plans?namespace=&status=&limit=&cursor= */
export const ListPlansQuery = ListQuery({
  namespace: Type.Optional(Id("Only plans of this namespace.")),
  status: Type.Optional(PlanStatusSchema),
});

/** A page of plans. */
export const PlanPageSchema = PageOf(PlanSchema);

/** `?consistency=` alone. */
export const ReadQuery = Type.Object({ consistency: Consistency }, strict);

/** GET /v1/plans/:planId/gaps?fromId=&limit= */
export const GapsQuery = Type.Object(
  {
    fromId: Type.Optional(Count("List gaps from this id on (default the plan's minId).")),
    limit: Limit,
    consistency: Consistency,
  },
  strict,
);

/** The id ranges of a plan that no completed partition covers. */
export const GapsSchema = Type.Object(
  {
    planId: Id("The plan's id."),
    gaps: Type.Array(IdRangeSchema),
    nextFromId: Nullable(Count("Pass as ?fromId= for more gaps; null when done.")),
    complete: Type.Boolean({
      description: "The plan is closed and no id from fromId on lacks a completed partition.",
    }),
  },
  strict,
);

/** POST /v1/plans/:planId/{pause,resume,cancel} */
export const PlanStatusResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    planStatus: PlanStatusSchema,
    releasedCount: Count("Held partitions taken back (cancel only)."),
    duplicate: Duplicate,
  },
  strict,
);

/** POST /v1/plans/:planId/retry-failed */
export const RetryFailedBody = Type.Object(
  {
    partitionIds: Type.Optional(
      Type.Array(Bounded(0, partitionsPerPlanMax - 1), {
        minItems: 1,
        maxItems: partitionIdsPerCommandMax,
        uniqueItems: true,
        description: "Only these failed partitions (default: all).",
      }),
    ),
  },
  strict,
);

/** The answer to retry-failed: how many partitions went back to pending. */
export const RetryFailedResponse = Type.Object(
  { planId: Id("The plan's id."), retriedCount: Count(), duplicate: Duplicate },
  strict,
);

/** POST /v1/plans/:planId/partitions — AppendPartitions, by the plan's planner. */
export const AppendPartitionsBody = Type.Object(
  {
    workerId: Id("The planner worker."),
    fencingToken: Type.Optional(FencingTokenField),
    ranges: Type.Optional(
      Type.Array(IdRangeSchema, {
        minItems: 1,
        maxItems: partitionsPerAppendMax,
        description: "Contiguous ranges from the plan's nextId.",
      }),
    ),
    upToId: Type.Optional(Count("Cut nextId..upToId into partitionSize partitions.")),
    final: Type.Optional(Type.Boolean({ description: "Closes the plan." })),
  },
  strict,
);

/** The answer to an append: what was added, the planner token to present next, where the plan now ends. */
export const AppendPartitionsResponse = Type.Object(
  {
    planId: Id("The plan's id."),
    plannerToken: FencingTokenField,
    firstPartitionId: Count(),
    appendedCount: Count(),
    nextId: Count(),
    closed: Type.Boolean(),
    planStatus: PlanStatusSchema,
    duplicate: Duplicate,
  },
  strict,
);
