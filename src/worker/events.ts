/**
 * The typed events of a worker, for metrics, logs and tests: the worker
 * emits, subscribers observe; no logic hangs on them (after undici's diagnostics
 * channels). A listener that throws is reported to the worker's logger and does not disturb the
 * worker or the other listeners.
 */
import type { BreakerState } from "./circuit-breaker.js";

/** Names a partition in events. */
export interface PartitionRef {
  readonly planId: string;
  readonly partitionId: number;
  readonly fencingToken: number;
}

/** Why a worker stopped working on a partition it was running. */
export type LeaseLossReason =
  /** No renewal was acknowledged within the lease TTL minus the safety margin. */
  | "lease-unproven"
  /** A heartbeat answered that the worker no longer holds it (or under another token). */
  | "not-held"
  /** The cluster refused a report: stale token, not the holder, or the worker's lease ended. */
  | "refused"
  /** The cluster no longer knows the worker as live (expired or removed); it registers again. */
  | "worker-expired";

/** Every event a worker emits, by name, with its payload. */
export interface WorkerEvents {
  /** Registered (at start, and again after the cluster expired the worker). */
  registered: { readonly workerId: string; readonly leaseExpiresAtMs: number };
  /** A heartbeat was acknowledged. */
  heartbeat: { readonly leaseExpiresAtMs: number; readonly heldCount: number };
  /**
   * A partition was granted and handed to the processor; `processedCount` is what earlier
   * holders had already processed (the processor resumes after it).
   */
  acquired: PartitionRef & {
    readonly minId: number;
    readonly maxId: number;
    readonly processedCount: number;
  };
  /** A checkpoint was accepted by the cluster. */
  progress: PartitionRef & { readonly checkpointId: number; readonly processedCount: number };
  /** A partition was completed and the cluster accepted it. */
  completed: PartitionRef & { readonly processedCount: number; readonly durationMs: number };
  /** The processor failed a partition (reported to the cluster unless the lease was lost). */
  failed: PartitionRef & {
    readonly error: string;
    readonly retryable: boolean;
    readonly durationMs: number;
  };
  /** A held partition was handed back uncharged (drain, breaker, or one the worker does not run). */
  released: PartitionRef & { readonly reason: "drain" | "breaker" | "not-running" };
  /** The worker stopped working on a partition: its signal is aborted, nothing more is reported. */
  "lease-lost": PartitionRef & { readonly reason: LeaseLossReason };
  /** The circuit breaker changed state. */
  "breaker-state": { readonly state: BreakerState; readonly previous: BreakerState };
  /** A planner appended partitions to an open-ended plan (or closed it). */
  planned: {
    readonly planId: string;
    readonly appendedCount: number;
    readonly nextId: number;
    readonly closed: boolean;
  };
  /** A call to the cluster failed; the loop that made it backs off and tries again. */
  "call-failed": { readonly operation: string; readonly code: string; readonly message: string };
  /** The drain began (stop() or a signal). */
  draining: { readonly runningCount: number };
  /** The worker deregistered and stopped. */
  stopped: { readonly completedCount: number; readonly failedCount: number };
}

/** A worker event's name. */
export type WorkerEventName = keyof WorkerEvents;

/** Receives an event's payload. */
export type WorkerListener<E extends WorkerEventName> = (payload: WorkerEvents[E]) => void;

/** Subscribing, as a worker exposes it. */
export interface WorkerEventSource {
  /** Calls `listener` on every `event` until the returned function is called. */
  on<E extends WorkerEventName>(event: E, listener: WorkerListener<E>): () => void;
}

/** The emitting side, kept inside the worker. */
export class WorkerEventBus implements WorkerEventSource {
  private readonly listeners = new Map<WorkerEventName, Set<(payload: never) => void>>();

  /** @param onListenerError told about a listener that threw */
  constructor(private readonly onListenerError: (event: string, error: unknown) => void) {}

  on<E extends WorkerEventName>(event: E, listener: WorkerListener<E>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const added = listener as (payload: never) => void;
    set.add(added);
    return () => {
      set.delete(added);
    };
  }

  /** Calls every listener of `event` with `payload`. */
  emit<E extends WorkerEventName>(event: E, payload: WorkerEvents[E]): void {
    const set = this.listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as WorkerListener<E>)(payload);
      } catch (error) {
        this.onListenerError(event, error);
      }
    }
  }
}
