/**
 * Waiting for the node to reach a condition (applied past an index, a new leader known, nothing
 * left in flight) without polling: the Ready loop calls {@link ConditionWaiters.check} after every
 * Ready it handled, and each waiter re-evaluates its predicate then. Deadlines and abort signals
 * resolve a waiter with false.
 */
import type { NodeTimers } from "./ports.js";

interface Waiter {
  readonly predicate: () => boolean;
  readonly finish: (reached: boolean) => void;
}

/** Callers waiting for predicates over the node's state. */
export class ConditionWaiters {
  private readonly waiters = new Set<Waiter>();

  /** @param timers where deadlines are armed (the node's timers port) */
  constructor(private readonly timers: NodeTimers) {}

  /** Callers waiting right now. */
  get size(): number {
    return this.waiters.size;
  }

  /**
   * Resolves true as soon as `predicate` holds (at once if it already does), or false after
   * `timeoutMs` or when `signal` aborts.
   */
  wait(predicate: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const onAbort = () => waiter.finish(false);
      const timer = this.timers.setTimeout(onAbort, timeoutMs);
      const waiter: Waiter = {
        predicate,
        finish: (reached) => {
          this.timers.clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.waiters.delete(waiter);
          resolve(reached);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Re-evaluates every predicate; those that hold resolve true. */
  check(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate()) waiter.finish(true);
    }
  }

  /** Resolves every waiter with false (the node stops). */
  releaseAll(): void {
    for (const waiter of [...this.waiters]) waiter.finish(false);
  }
}
