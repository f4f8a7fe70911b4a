/**
 * The node's typed events: what happened in the Ready loop, for metrics (issue 6), the Redis
 * mirror (issue 8), logs and tests to subscribe to. The loop only emits; it never imports a
 * metric library (STYLE.md §12, after undici's diagnostics channels: observability off the hot
 * core). Emitting to nobody costs one map lookup, so hot-path payloads are built only when
 * {@link NodeEvents.has} says someone listens.
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
  /** The node stopped on an error it cannot continue after (storage, invariant). */
  fatal: { readonly error: Error };
}

/** The name of an event. */
export type NodeEventName = keyof NodeEventMap;

type Listener<K extends NodeEventName> = (event: NodeEventMap[K]) => void;

/** Where listener failures are reported (a listener never breaks the loop). */
export type ListenerErrorReporter = (name: NodeEventName, error: unknown) => void;

/** A small typed event emitter (STYLE.md §12). */
export class NodeEvents {
  private readonly listeners = new Map<NodeEventName, Set<Listener<never>>>();

  constructor(private readonly onListenerError: ListenerErrorReporter) {}

  /** Subscribes `listener` to `name`; returns the function that unsubscribes it. */
  on<K extends NodeEventName>(name: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Whether anyone listens to `name` (to skip building costly payloads). */
  has(name: NodeEventName): boolean {
    return (this.listeners.get(name)?.size ?? 0) > 0;
  }

  /** Calls every listener of `name`; a throwing listener is reported and the others still run. */
  emit<K extends NodeEventName>(name: K, event: NodeEventMap[K]): void {
    const set = this.listeners.get(name);
    if (set === undefined) return;
    for (const listener of set) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        this.onListenerError(name, error);
      }
    }
  }
}
