// Test helper (not a test): a WorkerClock whose time moves only when a test advances it. Timers
// fire in time order (ties in scheduling order); between two timers every pending promise
// continuation runs, so async code driven by the clock behaves as it would in real time.
import type { TimerHandle, WorkerClock } from "../../src/worker/clock.js";

interface Timer {
  readonly id: number;
  readonly atMs: number;
  readonly callback: () => void;
}

/** Lets every queued promise continuation and I/O callback run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements WorkerClock {
  private nowMs: number;
  private nextId = 1;
  private timers: Timer[] = [];

  constructor(startMs = 1_760_000_000_000) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.nextId++, atMs: this.nowMs + Math.max(0, delayMs), callback };
    this.timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id: number }).id;
    this.timers = this.timers.filter((timer) => timer.id !== id);
  }

  /** Timers waiting to fire. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing every timer due on the way. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    await settle();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.atMs > targetMs) break;
      this.timers = this.timers.filter((timer) => timer !== next);
      this.nowMs = Math.max(this.nowMs, next.atMs);
      next.callback();
      await settle();
    }
    this.nowMs = targetMs;
    await settle();
  }

  /** Advances in `stepMs` steps until `done()` holds; fails after `maxMs`. */
  async until(done: () => boolean, maxMs = 120_000, stepMs = 100): Promise<void> {
    for (let waitedMs = 0; !done(); waitedMs += stepMs) {
      if (waitedMs >= maxMs) throw new Error(`condition not met within ${maxMs} ms of fake time`);
      await this.advance(stepMs);
    }
  }

  private earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers) {
      if (best === undefined || timer.atMs < best.atMs) best = timer;
    }
    return best;
  }
}
