/**
 * Every endpoint of the API in one table (docs/API.md): method, path, schemas and how it is
 * served. The API registers its routes from it and the typed client (src/worker/client.ts) calls
 * them from it, so the two cannot drift; the OpenAPI document is generated from the same
 * schemas. `/metrics` and `/openapi.json` are not JSON endpoints and live only in src/api.
 */
import type { TObject, TSchema } from "typebox";
import {
  HealthSchema,
  LeaderInfoSchema,
  RaftStatusQuery,
  RaftStatusSchema,
  ReadySchema,
  SnapshotResponse,
  TransferLeadershipBody,
} from "./cluster.js";
import { BucketsQuery, BucketsSchema } from "./console.js";
import type { RouteGroup, RouteSpec } from "./route-spec.js";
import { CompleteBatchBody, CompleteBatchResponse } from "./completions.js";
import { EmptyBody } from "./fields.js";
import { AddMemberBody, MemberParams, MembershipSchema, RemoveMemberQuery } from "./members.js";
import {
  CompleteBody,
  CompleteResponse,
  FailBody,
  FailResponse,
  ListPartitionsQuery,
  PartitionPageSchema,
  PartitionParams,
  PartitionSchema,
  PreemptBody,
  PreemptResponse,
  ProgressBody,
  ProgressResponse,
  ReleaseBody,
  ReleaseResponse,
} from "./partitions.js";
import {
  AppendPartitionsBody,
  AppendPartitionsResponse,
  CreatePlanBody,
  CreatePlanResponse,
  GapsQuery,
  GapsSchema,
  ListPlansQuery,
  PlanDetailSchema,
  PlanPageSchema,
  PlanParams,
  PlanStatusResponse,
  ReadQuery,
  RetryFailedBody,
  RetryFailedResponse,
} from "./plans.js";
import {
  AcquireBody,
  AcquireResponse,
  DeregisterResponse,
  HeartbeatBody,
  HeartbeatResponse,
  ListWorkersQuery,
  RegisterWorkerBody,
  RegisterWorkerResponse,
  WorkerPageSchema,
  WorkerParams,
  WorkerSchema,
} from "./workers.js";

/** Every JSON endpoint, by the name of the client method that calls it. */
export const ROUTES = {
  createPlan: {
    method: "POST",
    url: "/v1/plans",
    group: "plans",
    kind: "write",
    scope: "write",
    summary: "Create a plan (201), or return the identical plan with this planId (200).",
    body: CreatePlanBody,
    response: CreatePlanResponse,
    createdStatus: 201,
  },
  listPlans: {
    method: "GET",
    url: "/v1/plans",
    group: "plans",
    kind: "read",
    scope: "read",
    summary: "List plans by id, optionally of one namespace and/or status.",
    querystring: ListPlansQuery,
    response: PlanPageSchema,
  },
  getPlan: {
    method: "GET",
    url: "/v1/plans/:planId",
    group: "plans",
    kind: "read",
    scope: "read",
    summary: "A plan with counts by status, progress, rate and ETA.",
    params: PlanParams,
    querystring: ReadQuery,
    response: PlanDetailSchema,
  },
  planGaps: {
    method: "GET",
    url: "/v1/plans/:planId/gaps",
    group: "plans",
    kind: "read",
    scope: "read",
    summary: "The id ranges no completed partition covers (empty and complete: nothing missed).",
    params: PlanParams,
    querystring: GapsQuery,
    response: GapsSchema,
  },
  planBuckets: {
    method: "GET",
    url: "/v1/plans/:planId/buckets",
    group: "plans",
    kind: "read",
    scope: "read",
    summary: "The plan's partition map: its partitions in equal runs, counted by status.",
    params: PlanParams,
    querystring: BucketsQuery,
    response: BucketsSchema,
  },
  pausePlan: planAction("pause", "Stop granting partitions of the plan."),
  resumePlan: planAction("resume", "Resume a paused plan."),
  cancelPlan: planAction("cancel", "Cancel the plan for good; held partitions are taken back."),
  retryFailed: {
    method: "POST",
    url: "/v1/plans/:planId/retry-failed",
    group: "plans",
    kind: "write",
    scope: "write",
    summary: "Move failed partitions (all, or the listed ones) back to pending.",
    params: PlanParams,
    body: RetryFailedBody,
    response: RetryFailedResponse,
  },
  appendPartitions: {
    method: "POST",
    url: "/v1/plans/:planId/partitions",
    group: "plans",
    kind: "write",
    scope: "write",
    summary: "Extend an open-ended plan (its planner only).",
    params: PlanParams,
    body: AppendPartitionsBody,
    response: AppendPartitionsResponse,
  },
  listPartitions: {
    method: "GET",
    url: "/v1/partitions",
    group: "partitions",
    kind: "read",
    scope: "read",
    summary: "List partitions by (plan, partition), filtered by plan, status and/or worker.",
    querystring: ListPartitionsQuery,
    response: PartitionPageSchema,
  },
  getPartition: {
    method: "GET",
    url: "/v1/partitions/:planId/:partitionId",
    group: "partitions",
    kind: "read",
    scope: "read",
    summary: "One partition.",
    params: PartitionParams,
    querystring: ReadQuery,
    response: PartitionSchema,
  },
  reportProgress: partitionAction(
    "progress",
    "Record a checkpoint.",
    ProgressBody,
    ProgressResponse,
  ),
  completePartition: partitionAction("complete", "Complete it.", CompleteBody, CompleteResponse),
  failPartition: partitionAction("fail", "Fail it (retryable or not).", FailBody, FailResponse),
  releasePartition: partitionAction(
    "release",
    "Give it back, uncharged.",
    ReleaseBody,
    ReleaseResponse,
  ),
  preemptPartition: partitionAction(
    "preempt",
    "Take it from a holder whose lease or progress went stale.",
    PreemptBody,
    PreemptResponse,
  ),
  registerWorker: {
    method: "POST",
    url: "/v1/workers",
    group: "workers",
    kind: "write",
    scope: "write",
    summary: "Register (or re-register) a worker.",
    body: RegisterWorkerBody,
    response: RegisterWorkerResponse,
  },
  heartbeat: workerAction(
    "heartbeat",
    "Renew the worker's lease.",
    HeartbeatBody,
    HeartbeatResponse,
  ),
  acquire: workerAction(
    "acquire",
    "Grant pending partitions; with waitMs, wait for some (long poll).",
    AcquireBody,
    AcquireResponse,
  ),
  completePartitions: workerAction(
    "complete",
    "Complete many held partitions (each fenced on its own), then optionally acquire.",
    CompleteBatchBody,
    CompleteBatchResponse,
  ),
  deregisterWorker: {
    method: "DELETE",
    url: "/v1/workers/:workerId",
    group: "workers",
    kind: "write",
    scope: "write",
    summary: "Remove the worker; what it holds goes back to pending.",
    params: WorkerParams,
    body: EmptyBody,
    response: DeregisterResponse,
  },
  listWorkers: {
    method: "GET",
    url: "/v1/workers",
    group: "workers",
    kind: "read",
    scope: "read",
    summary: "List workers by id, optionally of one namespace and/or status.",
    querystring: ListWorkersQuery,
    response: WorkerPageSchema,
  },
  getWorker: {
    method: "GET",
    url: "/v1/workers/:workerId",
    group: "workers",
    kind: "read",
    scope: "read",
    summary: "One worker.",
    params: WorkerParams,
    querystring: ReadQuery,
    response: WorkerSchema,
  },
  raftStatus: {
    method: "GET",
    url: "/v1/raft/status",
    group: "cluster",
    kind: "local",
    scope: "read",
    summary: "This node's Raft status (role, term, indexes, per-peer progress).",
    querystring: RaftStatusQuery,
    response: RaftStatusSchema,
  },
  transferLeadership: {
    method: "POST",
    url: "/v1/raft/transfer-leadership",
    group: "cluster",
    kind: "write",
    scope: "admin",
    summary: "Hand leadership to `to` (or the most caught-up peer); answers the new leader.",
    body: TransferLeadershipBody,
    response: LeaderInfoSchema,
  },
  snapshotNow: {
    method: "POST",
    url: "/v1/raft/snapshot",
    group: "cluster",
    kind: "local",
    scope: "admin",
    summary: "Take a snapshot of this node's state now.",
    body: EmptyBody,
    response: SnapshotResponse,
  },
  listMembers: {
    method: "GET",
    url: "/v1/cluster/members",
    group: "cluster",
    kind: "local",
    scope: "read",
    summary:
      "The configuration in force on this node: voters, learners, removed ids; progress on the leader.",
    response: MembershipSchema,
  },
  addMember: {
    method: "POST",
    url: "/v1/cluster/members",
    group: "cluster",
    kind: "write",
    scope: "admin",
    summary: "Add a node as a learner (201 once the change is committed).",
    body: AddMemberBody,
    response: MembershipSchema,
    createdStatus: 201,
  },
  promoteMember: {
    ...postTo(
      "cluster",
      "/v1/cluster/members/:id/promote",
      MemberParams,
      "Make a caught-up learner a voter.",
    ),
    scope: "admin",
    body: EmptyBody,
    response: MembershipSchema,
  },
  removeMember: {
    method: "DELETE",
    url: "/v1/cluster/members/:id",
    group: "cluster",
    kind: "write",
    scope: "admin",
    summary:
      "Remove a voter or learner; refused without ?force=true when no live majority would remain.",
    params: MemberParams,
    querystring: RemoveMemberQuery,
    body: EmptyBody,
    response: MembershipSchema,
  },
  healthz: {
    method: "GET",
    url: "/healthz",
    group: "health",
    kind: "local",
    scope: "public",
    summary: "The process is alive.",
    response: HealthSchema,
  },
  readyz: {
    method: "GET",
    url: "/readyz",
    group: "health",
    kind: "local",
    scope: "public",
    summary:
      "200 when the node knows a leader and has applied what it knows is committed; else 503.",
    response: ReadySchema,
  },
} as const satisfies Record<string, RouteSpec>;

/** The name of an endpoint in {@link ROUTES}. */
export type RouteName = keyof typeof ROUTES;

function planAction(action: "pause" | "resume" | "cancel", summary: string) {
  return {
    method: "POST",
    url: `/v1/plans/:planId/${action}`,
    group: "plans",
    kind: "write",
    scope: "write",
    summary,
    params: PlanParams,
    body: EmptyBody,
    response: PlanStatusResponse,
  } as const;
}

function partitionAction<B extends TObject, R extends TSchema>(
  action: string,
  summary: string,
  body: B,
  response: R,
) {
  const url = `/v1/partitions/:planId/:partitionId/${action}` as const;
  return { ...postTo("partitions", url, PartitionParams, summary), body, response };
}

function workerAction<B extends TObject, R extends TSchema>(
  action: string,
  summary: string,
  body: B,
  response: R,
) {
  return {
    ...postTo("workers", `/v1/workers/:workerId/${action}`, WorkerParams, summary),
    body,
    response,
  };
}

function postTo<G extends RouteGroup, U extends string, P extends TObject>(
  group: G,
  url: U,
  params: P,
  summary: string,
) {
  return { method: "POST", url, group, kind: "write", scope: "write", summary, params } as const;
}
