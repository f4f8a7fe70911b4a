/**
 * Time as an input of the worker SDK: every timer and every "now" of a worker goes
 * through a {@link WorkerClock}, so unit tests drive leases, backoff, breaker timeouts and drain
 * deadlines on a fake clock while production uses the system clock.
 */

/** An opaque handle of a scheduled callback. */
export type TimerHandle = object | number;

/** Where a worker reads the time and schedules callbacks. */
export interface WorkerClock {
  /** Milliseconds since the Unix epoch (or any fixed origin, for a fake clock). */
  now(): number;
  /** Runs `callback` once, `delayMs` from now. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a callback not yet run (a handle already run or cancelled is ignored). */
  clearTimeout(handle: TimerHandle): void;
}

/** The process's clock: `Date.now` and the global timers. */
export const systemClock: WorkerClock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Resolves after `delayMs` on `clock`, or as soon as `signal` aborts (never rejects).
 * @returns true when the whole delay passed, false when cut short by `signal`
 */
export function pause(clock: WorkerClock, delayMs: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clock.clearTimeout(timer);
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, delayMs);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * A level-triggered wake-up for loops that wait for "something changed" (a window slot freed, a
 * breaker closing, a drain): {@link Wakeup.wait} resolves on the next {@link Wakeup.notify}, or
 * at once if one happened since the last wait returned.
 */
export class Wakeup {
  private pending = false;
  private waiters: (() => void)[] = [];

  /** Wakes the current waiters (or the next one, if none waits). */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (waiters.length === 0) this.pending = true;
    for (const wake of waiters) wake();
  }

  /** Resolves on the next notify (or a past, unconsumed one), when `signal` aborts, or after `timeoutMs` on `clock`. */
  wait(clock: WorkerClock, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.pending || signal?.aborted === true) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clock.clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve();
      };
      const timer = clock.setTimeout(done, timeoutMs);
      signal?.addEventListener("abort", done, { once: true });
      this.waiters.push(done);
    });
  }
}

/**
 * The delay before retry number `attempt` (1-based) of a worker loop: uniform in
 * [min/2, min(max, min · 2^(attempt-1))), "Exponential Backoff And Jitter" (AWS, 2015) with a
 * floor so a storm of failures never spins.
 */
export function backoffMs(
  attempt: number,
  minMs: number,
  maxMs: number,
  random: () => number,
): number {
  const ceilingMs = Math.min(maxMs, minMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(minMs / 2 + random() * (ceilingMs - minMs / 2));
}
