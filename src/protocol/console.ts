/**
 * Schemas of the console's JSON endpoint (docs/API.md "Console"): the partition map of a plan,
 * its partitions counted by status in equal runs (src/state-machine/partition-buckets.ts). The
 * push stream `/v1/events` is Server-Sent Events, not JSON, and is described in src/api.
 */
import { Type } from "typebox";
import { partitionBucketsMax } from "../constants.js";
import { Bounded, Consistency, Count, Id } from "./fields.js";

const strict = { additionalProperties: false } as const;

/** GET /v1/plans/:planId/buckets?buckets= */
export const BucketsQuery = Type.Object(
  {
    buckets: Type.Optional(Bounded(1, partitionBucketsMax, "Buckets at most (default 1000).")),
    consistency: Consistency,
  },
  strict,
);

const Column = Type.Array(Count(), { description: "Partitions of this status, by bucket." });

/** A plan's partitions in buckets, counted by status. */
export const BucketsSchema = Type.Object(
  {
    planId: Id("The plan's id."),
    partitionCount: Count(),
    bucketSize: Count("Partitions per bucket; the last bucket holds the rest."),
    bucketCount: Count(),
    counts: Type.Object(
      {
        pending: Column,
        claimed: Column,
        running: Column,
        completed: Column,
        failed: Column,
      },
      strict,
    ),
  },
  strict,
);
