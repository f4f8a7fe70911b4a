/**
 * The task window (the seed's TaskWindow): up to `capacity` tasks run AT THE SAME TIME — each
 * is started as soon as it is added and none waits for another (the seed's window processed its
 * partitions one after the other; ours does not). A task leaves the window when its promise
 * settles, which wakes whoever waits for a free slot or for the window to empty.
 */
import { assert } from "../util/assert.js";
import type { WorkerClock } from "./clock.js";
import { Wakeup } from "./clock.js";

/** A bounded set of concurrently running tasks, keyed; see the module comment. */
export class TaskWindow<T> {
  private readonly running = new Map<string, T>();
  private readonly changed = new Wakeup();
  private emptied = new Wakeup();

  /** @param capacity tasks that may run at once (>= 1) */
  constructor(readonly capacity: number) {
    assert(Number.isSafeInteger(capacity) && capacity >= 1, "a window holds at least one task");
  }

  /** Free slots. */
  free(): number {
    return this.capacity - this.running.size;
  }

  /** Tasks running. */
  get size(): number {
    return this.running.size;
  }

  has(key: string): boolean {
    return this.running.has(key);
  }

  get(key: string): T | undefined {
    return this.running.get(key);
  }

  /** The running tasks' values, in the order they started. */
  values(): T[] {
    return [...this.running.values()];
  }

  /**
   * Starts `task` at once in a free slot and removes it when it settles. `task` must not reject
   * (it reports its own failures); a rejection is a bug and crashes.
   * @throws AssertionError when the window is full or `key` already runs
   */
  run(key: string, value: T, task: () => Promise<void>): void {
    assert(this.free() > 0, "a task was started in a full window");
    assert(!this.running.has(key), `task ${key} already runs`);
    this.running.set(key, value);
    void task()
      .catch((error: unknown) => {
        queueMicrotask(() => {
          throw error;
        });
      })
      .finally(() => {
        this.running.delete(key);
        this.changed.notify();
        if (this.running.size === 0) this.emptied.notify();
      });
  }

  /** Resolves when a task leaves the window (or did since the last wait), on `signal`, or after `timeoutMs`. */
  whenChanged(clock: WorkerClock, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.changed.wait(clock, timeoutMs, signal);
  }

  /** Wakes {@link whenChanged} waiters without a task leaving (e.g. the breaker closed). */
  poke(): void {
    this.changed.notify();
  }

  /**
   * Resolves true when no task runs, false if `timeoutMs` passes first.
   */
  async whenEmpty(clock: WorkerClock, timeoutMs: number): Promise<boolean> {
    const deadlineMs = clock.now() + timeoutMs;
    this.emptied = new Wakeup();
    while (this.running.size > 0) {
      const leftMs = deadlineMs - clock.now();
      if (leftMs <= 0) return false;
      await this.emptied.wait(clock, leftMs);
    }
    return true;
  }
}
