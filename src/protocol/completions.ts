/**
 * Schemas of the batched completion (docs/API.md "Complete many, and acquire the next"): one
 * worker completes many partitions it holds, each under its own fencing token, in one request
 * and one Raft entry, and may acquire its next partitions in the same round trip. Each item is
 * answered on its own, in order, as the single completion endpoint would answer it.
 */
import { Type } from "typebox";
import { completionsPerCommandMax, partitionsPerAcquireMax } from "../constants.js";
import { APPLY_STATUSES } from "../state-machine/index.js";
import { AtMs, Bounded, Count, FencingTokenField, Id } from "./fields.js";
import { PartitionGrantSchema, PartitionIdField } from "./partitions.js";
import { Duplicate, PlanStatusSchema } from "./plans.js";

const strict = { additionalProperties: false } as const;

/** `ok`, or the catalogue code the single endpoint would have answered with. */
const ResultStatus = Type.Enum([...APPLY_STATUSES], {
  description: "ok, or the error code the single completion would have answered with.",
});

/** One completion of a batch. */
export const CompletionItemSchema = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionId: PartitionIdField,
    fencingToken: FencingTokenField,
    processedCount: Type.Optional(Count("The final cumulative count.")),
  },
  strict,
);

/** POST /v1/workers/:workerId/complete */
export const CompleteBatchBody = Type.Object(
  {
    items: Type.Array(CompletionItemSchema, {
      maxItems: completionsPerCommandMax,
      description: "Completed in this order; may be empty only with acquireMax.",
    }),
    acquireMax: Type.Optional(
      Bounded(1, partitionsPerAcquireMax, "Then acquire up to this many (and the free window)."),
    ),
  },
  strict,
);

/** One item's answer: `ok` with the plan's status, or a code with its detail. */
export const CompletionResultSchema = Type.Object(
  {
    status: ResultStatus,
    planId: Id("The item's plan."),
    partitionId: PartitionIdField,
    planStatus: Type.Optional(PlanStatusSchema),
    detail: Type.Optional(Type.String({ description: "Why the item was refused." })),
  },
  strict,
);

/** The acquire part's answer: `ok` with the grants and lease, or a code with its detail. */
export const BatchAcquireSchema = Type.Object(
  {
    status: ResultStatus,
    leaseExpiresAtMs: Type.Optional(AtMs("The renewed lease end.")),
    granted: Type.Optional(Type.Array(PartitionGrantSchema)),
    detail: Type.Optional(Type.String({ description: "Why nothing was acquired." })),
  },
  strict,
);

/** The answer to a batch: one result per item, in order, and the acquire part (or null). */
export const CompleteBatchResponse = Type.Object(
  {
    workerId: Id("The worker's id."),
    results: Type.Array(CompletionResultSchema),
    acquire: Type.Union([BatchAcquireSchema, Type.Null()], {
      description: "Null when acquireMax was not given.",
    }),
    duplicate: Duplicate,
  },
  strict,
);
