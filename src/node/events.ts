/**
 * The node's typed events: what happened in the Ready loop, for metrics, the Redis
 * mirror (docs/REDIS-MIRROR.md), logs and tests to subscribe to. The loop only emits; it never
 * imports a metric library (after undici's diagnostics channels: observability off the hot core).
 * Emitting to nobody costs one map lookup, so hot-path payloads are built only when {@link
 * NodeEvents.has} says someone listens.
 */
import type { ErrorCode } from "../errors.js";
import type { MessageType } from "../raft/messages.js";
import type { Role } from "../raft/types.js";
import type {
  ApplyResult,
  CommandEnvelope,
  CommandType,
  RejectionStatus,
} from "../state-machine/index.js";
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import { TypedEvents } from "../util/typed-events.js";

/** How a proposal ended: the state machine's status, or the error code it was answered with. */
export type ProposalOutcome = "ok" | RejectionStatus | ErrorCode;

/** Every event, by name, with its payload. Times in ms; `monotonic` durations. */
export interface NodeEventMap {
  /** Role or known leader changed (Raft soft state). Candidate/PreCandidate = an election attempt. */
  role: { readonly role: Role; readonly leaderId: NodeId | null; readonly term: Term };
  /** The durable term changed. */
  term: { readonly term: Term };
  /** Commit or applied index moved (once per Ready). */
  indexes: { readonly commitIndex: LogIndex; readonly appliedIndex: LogIndex };
  /** A client or internal proposal was answered, with how long it took from `propose()`. */
  proposal: {
    readonly commandType: CommandType;
    readonly outcome: ProposalOutcome;
    readonly latencyMs: number;
  };
  /**
   * One synced write of a Ready (group commit): how long the fsync took, how many entries and
   * how many new proposals it carried.
   */
  persist: {
    readonly durationMs: number;
    readonly entries: number;
    readonly proposals: number;
    readonly bytes: number;
    /**
     * The index of the last entry written (the entries are `lastIndex - entries + 1` up to it),
     * null when only the hard state or a snapshot was: lets tracing tie an entry to its fsync.
     */
    readonly lastIndex: LogIndex | null;
  };
  /** A Raft message left for, or arrived from, a peer. */
  message: {
    readonly direction: "sent" | "received";
    readonly type: MessageType;
    readonly peer: NodeId;
  };
  /**
   * A snapshot was taken locally (`encodeMs`: the loop stall; `saveMs`: until durable) or
   * installed from the leader (`restoreMs`).
   */
  snapshot: {
    readonly origin: "local" | "leader";
    readonly index: LogIndex;
    readonly bytes: number;
    readonly encodeMs: number;
    readonly saveMs: number;
    readonly restoreMs: number;
  };
  /** This node, as leader, proposed LeaderChanged for `term`. */
  leaderChangedProposed: { readonly term: Term; readonly graceMs: number };
  /** This node, as leader, proposed ExpireLeases because a lease was due at `dueAtMs`. */
  leaseExpiryProposed: { readonly nowMs: number; readonly dueAtMs: number };
  /** A command was applied (every node, every Normal entry) with its result. */
  applied: {
    readonly index: LogIndex;
    readonly term: Term;
    /** Null when the entry could not be decoded (then `result` is an invalid_request). */
    readonly envelope: CommandEnvelope<unknown> | null;
    readonly result: ApplyResult;
  };
  /** A report was refused for a stale fencing token (a fenced zombie worker). */
  fenced: { readonly index: LogIndex; readonly commandType: string };
  /**
   * The configuration in force on this node changed: a `Config` entry appended, committed or
   * rolled back, or a snapshot installed (docs/MEMBERSHIP.md).
   */
  membership: {
    readonly voters: readonly NodeId[];
    readonly learners: readonly NodeId[];
    readonly configIndex: LogIndex;
    readonly changeInFlight: boolean;
  };
  /** This node's own removal committed: it stops, and its id is never a member again. */
  removed: { readonly configIndex: LogIndex };
  /** The node stopped on an error it cannot continue after (storage, invariant). */
  fatal: { readonly error: Error };
}

/** The node's typed event emitter (src/util/typed-events.ts). */
export class NodeEvents extends TypedEvents<NodeEventMap> {}
