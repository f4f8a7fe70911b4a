/**
 * The commands of the coordinator state machine (docs/state-machine.md): plain objects with a
 * `type`, carried in the Raft log inside a {@link CommandEnvelope}. Every node applies the same
 * commands in the same order, so everything a command's outcome depends on travels in it (the
 * leader's clock as `proposedAtMs`, lease TTLs, grace periods) — never a node's local config.
 *
 * Ids in commands are plain strings: a command arrives from outside and `apply` checks every
 * field (the state machine is the last line of defence). Ids in results and views are branded.
 * Numbers are non-negative safe integers unless said otherwise; durations in ms.
 */
import type { JsonValue } from "./json-value.js";

/** An inclusive range of record ids, `minId <= maxId`. */
export interface IdRange {
  readonly minId: number;
  readonly maxId: number;
}

/**
 * Creates a plan. A static plan cuts `minId..maxId` into `partitionSize` partitions (the last
 * takes the remainder); an open-ended plan (`openEnded: true`, no `maxId`) starts empty at
 * `minId` and is extended by a planner through {@link AppendPartitions}. A client-chosen
 * `planId` makes the command idempotent: the same id with identical parameters answers with the
 * existing plan, with different parameters `conflict`. Without `planId` the plan is named
 * `p<logIndex>` (ids of that form are reserved). Defaults: namespace "default", name = planId,
 * priority 0, maxAttempts `constants.maxAttemptsDefault`, options `{}`,
 * partitionLeaseTtlMs `constants.partitionLeaseTtlMs` (the stale-progress deadline).
 */
export interface CreatePlan {
  readonly type: "CreatePlan";
  readonly planId?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly minId: number;
  readonly maxId?: number;
  readonly openEnded?: boolean;
  readonly partitionSize: number;
  /** Higher is served first; in [-constants.planPriorityAbsMax, constants.planPriorityAbsMax]. */
  readonly priority?: number;
  readonly maxAttempts?: number;
  /** JSON handed to the processor with every partition of the plan. */
  readonly options?: JsonValue;
  readonly partitionLeaseTtlMs?: number;
}

/**
 * Extends an open-ended plan, by the plan's single planner. Either explicit contiguous `ranges`
 * starting at the plan's `nextId`, or `upToId` (cut from `nextId` into `partitionSize` pieces);
 * `final: true` closes the plan (with or without partitions). Without `fencingToken` the worker
 * claims the planner role if it is free (no planner, or the planner's lease ran out) or already
 * its own; with it, the token must be the current planner token.
 */
export interface AppendPartitions {
  readonly type: "AppendPartitions";
  readonly planId: string;
  readonly workerId: string;
  readonly fencingToken?: number;
  readonly ranges?: readonly IdRange[];
  readonly upToId?: number;
  readonly final?: boolean;
}

/** Stops granting partitions of an active plan; work in flight may still finish. */
export interface PausePlan {
  readonly type: "PausePlan";
  readonly planId: string;
}

/** Resumes a paused plan. */
export interface ResumePlan {
  readonly type: "ResumePlan";
  readonly planId: string;
}

/** Cancels an active or paused plan for good; partitions held at that moment are taken back. */
export interface CancelPlan {
  readonly type: "CancelPlan";
  readonly planId: string;
}

/** Moves all (or the listed) failed partitions of a plan back to pending, attempts reset. */
export interface RetryFailed {
  readonly type: "RetryFailed";
  readonly planId: string;
  readonly partitionIds?: readonly number[];
}

/**
 * Registers a worker (or re-registers it: same namespace, new meta/window/TTL; a worker whose
 * lease already ran out first loses what it held). Defaults: namespace "default", meta `{}`,
 * windowSize `constants.windowSizeDefault`, leaseTtlMs `constants.workerLeaseTtlMs`.
 */
export interface RegisterWorker {
  readonly type: "RegisterWorker";
  readonly workerId: string;
  readonly namespace?: string;
  /** Flat record of strings, numbers and booleans (host, pid, version …). */
  readonly meta?: Readonly<Record<string, string | number | boolean>>;
  readonly windowSize?: number;
  readonly leaseTtlMs?: number;
}

/**
 * Renews the worker's lease and with it the leases of the partitions it holds. `draining: true`
 * marks the worker as draining: it keeps what it holds but acquires nothing more.
 */
export interface Heartbeat {
  readonly type: "Heartbeat";
  readonly workerId: string;
  readonly draining?: boolean;
}

/**
 * Grants up to `max` pending partitions (bounded by the worker's free window) of active plans in
 * the worker's namespace, by plan priority (high first), then plan age, then partition id;
 * partitions in retry backoff wait. Renews the worker's lease. `namespace`, if given, must be
 * the worker's.
 */
export interface AcquirePartitions {
  readonly type: "AcquirePartitions";
  readonly workerId: string;
  readonly max: number;
  readonly namespace?: string;
}

/** The fields every report on a held partition carries: who, which, and under which token. */
export interface PartitionReport {
  readonly planId: string;
  readonly partitionId: number;
  readonly workerId: string;
  readonly fencingToken: number;
}

/**
 * Records progress: `checkpointId` is the last id durably processed (inside the partition, never
 * moving back), `processedCount` the partition's cumulative count (never moving back).
 */
export interface ReportProgress extends PartitionReport {
  readonly type: "ReportProgress";
  readonly checkpointId: number;
  readonly processedCount: number;
}

/** Completes a held partition; optionally with its final cumulative `processedCount`. */
export interface CompletePartition extends PartitionReport {
  readonly type: "CompletePartition";
  readonly processedCount?: number;
}

/** One completion of a {@link CompletePartitions} batch: a CompletePartition without the worker. */
export interface CompletionItem {
  readonly planId: string;
  readonly partitionId: number;
  readonly fencingToken: number;
  /** The partition's final cumulative count (never moving back); its checkpoint becomes maxId. */
  readonly processedCount?: number;
}

/**
 * Completes many partitions held by one worker in one command, each exactly as a
 * {@link CompletePartition} with the same fields applied in item order would (the same fencing
 * checks, per item; a rejected item changes nothing and does not stop the others), then, with
 * `acquireMax`, acquires as an {@link AcquirePartitions} of that `max` would: complete-and-
 * acquire-next in one command. `items` may be empty only with `acquireMax`.
 */
export interface CompletePartitions {
  readonly type: "CompletePartitions";
  readonly workerId: string;
  readonly items: readonly CompletionItem[];
  readonly acquireMax?: number;
}

/**
 * Fails a held partition. Retryable failures go back to pending with exponential backoff until
 * the plan's `maxAttempts`; then, and for non-retryable failures, the partition is `failed`.
 */
export interface FailPartition extends PartitionReport {
  readonly type: "FailPartition";
  readonly error: string;
  readonly retryable: boolean;
}

/** Gives a held partition back to pending, uncharged. */
export interface ReleasePartition extends PartitionReport {
  readonly type: "ReleasePartition";
}

/** Removes a worker; what it holds goes back to pending, uncharged; its planner roles end. */
export interface DeregisterWorker {
  readonly type: "DeregisterWorker";
  readonly workerId: string;
}

/**
 * Expires every worker whose lease ended at or before the command's time (`nowMs` folds into
 * the clock like `proposedAtMs`): the worker becomes `expired` and its partitions go back to
 * pending (see `expiry` rules in partition-lifecycle.ts).
 */
export interface ExpireLeases {
  readonly type: "ExpireLeases";
  readonly nowMs: number;
}

/**
 * A new leader took over in `term`: every worker not yet expired gets a lease, and every held
 * partition a progress deadline, ending no earlier than `nowMs + graceMs` (a leader change never
 * expires healthy work; etcd's lease lesson). `term` never goes back.
 */
export interface LeaderChanged {
  readonly type: "LeaderChanged";
  readonly term: number;
  readonly nowMs: number;
  readonly graceMs: number;
}

/**
 * Takes a held partition from its holder and grants it to `byWorkerId`; allowed only when the
 * holder's lease ran out or the partition made no progress before its progress deadline (the
 * seed's "stale running partition").
 */
export interface PreemptPartition {
  readonly type: "PreemptPartition";
  readonly planId: string;
  readonly partitionId: number;
  readonly byWorkerId: string;
}

/** Every command of the state machine. */
export type Command =
  | CreatePlan
  | AppendPartitions
  | PausePlan
  | ResumePlan
  | CancelPlan
  | RetryFailed
  | RegisterWorker
  | Heartbeat
  | AcquirePartitions
  | ReportProgress
  | CompletePartition
  | CompletePartitions
  | FailPartition
  | ReleasePartition
  | DeregisterWorker
  | ExpireLeases
  | LeaderChanged
  | PreemptPartition;

/** The `type` tag of a {@link Command}. */
export type CommandType = Command["type"];

/** The command with tag `T`. */
export type CommandOf<T extends CommandType> = Extract<Command, { type: T }>;

/**
 * A command as it travels in the log. `proposedAtMs` is the leader's clock when it proposed the
 * command (apply uses `max(lastNowMs, proposedAtMs)`). `clientId` and `seq` (both or neither)
 * identify a client request: a retry with the same pair returns the first result and changes
 * nothing (Raft thesis §6.3). `C` is `unknown` for an envelope just decoded: apply checks it.
 */
export interface CommandEnvelope<C = Command> {
  readonly proposedAtMs: number;
  readonly clientId?: string;
  readonly seq?: number;
  readonly command: C;
}
