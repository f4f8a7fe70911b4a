/**
 * Schemas of the worker endpoints (docs/API.md "Workers"): register, heartbeat, the long-poll
 * acquire, deregister, and the listing.
 */
import { Type } from "typebox";
import {
  acquireWaitMsMax,
  partitionsPerAcquireMax,
  windowSizeMax,
  workerLeaseTtlMsMax,
  workerLeaseTtlMsMin,
  workerMetaBytesMax,
} from "../constants.js";
import { AtMs, Bounded, Count, FencingTokenField, Id, ListQuery, PageOf } from "./fields.js";
import { PartitionGrantSchema, PartitionIdField } from "./partitions.js";
import { Duplicate } from "./plans.js";

const strict = { additionalProperties: false } as const;

/** A worker's status. */
export const WorkerStatusSchema = Type.Enum(["active", "draining", "expired"]);

/** `:workerId` */
export const WorkerParams = Type.Object({ workerId: Id("The worker's id.") }, strict);

const MetaSchema = Type.Record(
  Type.String({ maxLength: workerMetaBytesMax }),
  Type.Unsafe<string | number | boolean>({
    type: ["string", "number", "boolean"],
    maxLength: workerMetaBytesMax,
  }),
  { description: `Flat facts (host, pid, version); at most ${workerMetaBytesMax} bytes as JSON.` },
);

/** POST /v1/workers */
export const RegisterWorkerBody = Type.Object(
  {
    workerId: Id("Chosen by the worker, unique per process lifetime."),
    namespace: Type.Optional(Id('Default "default".')),
    meta: Type.Optional(MetaSchema),
    windowSize: Type.Optional(Bounded(1, windowSizeMax, "Partitions held at once (default 4).")),
    leaseTtlMs: Type.Optional(
      Bounded(workerLeaseTtlMsMin, workerLeaseTtlMsMax, "Lease length (default 10 s)."),
    ),
  },
  strict,
);

/** The answer to a registration: the lease end. */
export const RegisterWorkerResponse = Type.Object(
  {
    workerId: Id("The worker's id."),
    leaseExpiresAtMs: AtMs("The lease end."),
    releasedCount: Count("Partitions lost because the previous lease had run out."),
    duplicate: Duplicate,
  },
  strict,
);

/** A partition a worker holds. */
export const HeldPartitionSchema = Type.Object(
  { planId: Id("The plan's id."), partitionId: PartitionIdField, fencingToken: FencingTokenField },
  strict,
);

/** POST /v1/workers/:workerId/heartbeat */
export const HeartbeatBody = Type.Object(
  {
    draining: Type.Optional(
      Type.Boolean({ description: "Keep what is held, acquire nothing more." }),
    ),
  },
  strict,
);

/** The answer to a heartbeat: the renewed lease and what the worker holds. */
export const HeartbeatResponse = Type.Object(
  {
    workerId: Id("The worker's id."),
    workerStatus: WorkerStatusSchema,
    leaseExpiresAtMs: AtMs("The renewed lease end."),
    held: Type.Array(HeldPartitionSchema, {
      description: "What it holds: anything else it runs, it lost.",
    }),
    duplicate: Duplicate,
  },
  strict,
);

/** POST /v1/workers/:workerId/acquire — a long poll when `waitMs` > 0. */
export const AcquireBody = Type.Object(
  {
    max: Bounded(1, partitionsPerAcquireMax, "Grant at most this many (and the free window)."),
    waitMs: Type.Optional(
      Bounded(0, acquireWaitMsMax, "If nothing is grantable, wait up to this long (default 0)."),
    ),
    namespace: Type.Optional(Id("Must be the worker's namespace if given.")),
  },
  strict,
);

/** The answer to an acquire: the partitions granted (possibly none) and the renewed lease. */
export const AcquireResponse = Type.Object(
  {
    workerId: Id("The worker's id."),
    leaseExpiresAtMs: AtMs("The renewed lease end."),
    granted: Type.Array(PartitionGrantSchema),
    duplicate: Duplicate,
  },
  strict,
);

/** DELETE /v1/workers/:workerId */
export const DeregisterResponse = Type.Object(
  {
    workerId: Id("The worker's id."),
    releasedCount: Count("Held partitions that went back to pending."),
    duplicate: Duplicate,
  },
  strict,
);

/** A worker as docs/state-machine.md describes it. */
export const WorkerSchema = Type.Object(
  {
    workerId: Id("The worker's id."),
    namespace: Id("Its namespace."),
    meta: MetaSchema,
    windowSize: Count(),
    leaseTtlMs: Count(),
    registeredAtMs: AtMs("When it registered."),
    leaseExpiresAtMs: AtMs("Its lease end."),
    status: WorkerStatusSchema,
    held: Type.Array(HeldPartitionSchema),
    plannerOf: Type.Array(Id("A plan it plans."), { description: "Plans it is the planner of." }),
  },
  strict,
);

/** GET /v1/workers?namespace=&status=&limit=&cursor= */
export const ListWorkersQuery = ListQuery({
  namespace: Type.Optional(Id("Only workers of this namespace.")),
  status: Type.Optional(WorkerStatusSchema),
});

/** A page of workers. */
export const WorkerPageSchema = PageOf(WorkerSchema);
