/**
 * Identifiers used across modules.
 *
 * String identifiers are branded so a worker id cannot be passed where a node id is expected.
 * Raft's `Term` and `LogIndex` are plain numbers with documented aliases: they take part in
 * arithmetic everywhere in the core (`index + 1`, `term - 1`), where a brand would force a cast at
 * every step; the term/index mix-up a brand would catch is caught by the simulator's invariants.
 * All numbers here are non-negative safe integers (< 2^53).
 */

declare const brand: unique symbol;
/** `T` tagged with the compile-time-only brand `B`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A coordinator node's id in the Raft group, e.g. "n1". */
export type NodeId = Brand<string, "NodeId">;
/** A worker's id, chosen by the worker (unique per process lifetime). */
export type WorkerId = Brand<string, "WorkerId">;
/** A plan's id (client-chosen or assigned by the state machine). */
export type PlanId = Brand<string, "PlanId">;

/** A Raft term (Raft §5.1); 0 before any election. */
export type Term = number;
/** A position in the Raft log, 1-based; 0 means "before the first entry". */
export type LogIndex = number;
/**
 * A partition's fencing token: the log index of the command that granted the partition, so
 * tokens strictly increase per partition (docs/state-machine.md).
 */
export type FencingToken = number;

/** Brands a string as a {@link NodeId}. The caller vouches that it is one. */
export const asNodeId = (id: string): NodeId => id as NodeId;
/** Brands a string as a {@link WorkerId}. The caller vouches that it is one. */
export const asWorkerId = (id: string): WorkerId => id as WorkerId;
/** Brands a string as a {@link PlanId}. The caller vouches that it is one. */
export const asPlanId = (id: string): PlanId => id as PlanId;
