/**
 * What a worker runs with and reports: its settings with every default filled in, the logger it
 * writes to, its phase and its stats. A module of its own so that the factory (worker.ts) and
 * the runtime it builds (worker-runtime.ts) share these shapes without importing each other.
 */

/** The least a logger must offer (a pino logger does). */
export interface WorkerLogger {
  debug(details: object, message: string): void;
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** created → running (after start) → draining (stop) → stopped. */
export type WorkerPhase = "created" | "running" | "draining" | "stopped";

/** A worker's counters and state. */
export interface WorkerStats {
  readonly workerId: string;
  readonly phase: WorkerPhase;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly breaker: "closed" | "open" | "half-open";
  /** Local time until which the lease is proven live (-Infinity before registering). */
  readonly leaseProvenUntilMs: number;
}

/** The settings of a worker with every default filled in. */
export interface WorkerSettings {
  readonly workerId: string;
  readonly namespace: string;
  readonly meta: Readonly<Record<string, string | number | boolean>>;
  readonly windowSize: number;
  readonly heartbeatIntervalMs: number;
  readonly leaseTtlMs: number;
  readonly leaseSafetyMarginMs: number;
  readonly acquireWaitMs: number;
  readonly drainTimeoutMs: number;
  readonly abortSettleMs: number;
  readonly acquireMax: number;
  readonly backoffMsMin: number;
  readonly backoffMsMax: number;
}
