/**
 * A caller waiting for the Ready loop: a promise with a deadline that settles exactly once. Both
 * proposals and linearizable reads are answered through one.
 */
import type { CoordinatorError } from "../errors.js";
import type { NodeTimers, TimerHandle } from "./ports.js";

/** What a {@link Pending} ended with: its value, or the error it was rejected with. */
export type Settlement<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

/** A promise settled once: by the loop, or by its deadline with `onTimeout()`. */
export class Pending<T> {
  readonly promise: Promise<T>;
  private readonly resolveFn: (value: T) => void;
  private readonly rejectFn: (error: Error) => void;
  private readonly timer: TimerHandle;
  private done = false;

  /**
   * @param timers where the deadline is armed (the node's timers port)
   * @param timeoutMs after this long the promise rejects with `onTimeout()`
   * @param onSettled called once, with the outcome, when the promise settles
   */
  constructor(
    private readonly timers: NodeTimers,
    timeoutMs: number,
    onTimeout: () => CoordinatorError,
    private readonly onSettled: (settlement: Settlement<T>) => void = () => undefined,
  ) {
    let resolveFn: (value: T) => void = () => undefined;
    let rejectFn: (error: Error) => void = () => undefined;
    this.promise = new Promise<T>((resolve, reject) => {
      resolveFn = resolve;
      rejectFn = reject;
    });
    this.resolveFn = resolveFn;
    this.rejectFn = rejectFn;
    this.timer = timers.setTimeout(() => this.reject(onTimeout()), timeoutMs);
  }

  /** Whether the promise has settled (then further calls do nothing). */
  get settled(): boolean {
    return this.done;
  }

  resolve(value: T): void {
    if (this.finish()) {
      this.resolveFn(value);
      this.onSettled({ ok: true, value });
    }
  }

  reject(error: Error): void {
    if (this.finish()) {
      this.rejectFn(error);
      this.onSettled({ ok: false, error });
    }
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    this.timers.clearTimeout(this.timer);
    return true;
  }
}
