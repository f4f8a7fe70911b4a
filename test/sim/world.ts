/**
 * Virtual time for the simulator (docs/SIMULATION.md §1): ONE queue of events ordered by
 * (virtual ms, insertion), and the clock and timers ports (src/node/ports.ts) of each simulated
 * process on top of it. A process's clock runs at its own rate (clock drift) from its own
 * offset; its timers fire on virtual time scaled by that rate; while it is paused nothing of it
 * runs (its callbacks wait and run, in order, when it resumes); when it crashes everything it
 * armed is forgotten (each life has its own incarnation number).
 *
 * The production node is asynchronous (promises); the simulator runs one event, then lets every
 * promise continuation run (see {@link World.settle}) before the next event, so an event and all
 * it causes happen at one virtual instant, in an order fixed by the seed.
 */
import type { NodeClock, NodeTimers, TimerHandle } from "../../src/node/ports.js";
import { EventQueue } from "./event-queue.js";

/** Event kinds, numbered for the run's hash. */
export const EVENT_KINDS = {
  timer: 1,
  deliver: 2,
  disk: 3,
  restart: 4,
  resume: 5,
  nemesis: 6,
  client: 7,
  immediate: 8,
  control: 9,
  member: 10,
} as const;

/** The kind of a {@link WorldEvent}. */
export type EventKind = keyof typeof EVENT_KINDS;

/** One scheduled event: what it is (for the hash and the transcript) and what it does. */
export interface WorldEvent {
  readonly kind: EventKind;
  /** The process it concerns, or -1. */
  readonly node: number;
  /** Whether it still does anything (a cleared timer does not: it is skipped unseen). */
  readonly live: () => boolean;
  readonly run: () => void;
}

const always = () => true;

/** The run's one queue and its virtual clock. */
export class World {
  private readonly queue = new EventQueue<WorldEvent>();
  private immediates: (() => void)[] = [];
  private virtualMs = 0;

  /** Virtual time, ms since the run began. */
  get nowMs(): number {
    return this.virtualMs;
  }

  /** Schedules `run` at virtual time `atMs` (not before now). */
  at(atMs: number, kind: EventKind, node: number, run: () => void, live = always): void {
    this.queue.push(Math.max(this.virtualMs, atMs), { kind, node, run, live });
  }

  /** The next live event (time advanced to it), or undefined when none is left. */
  next(): WorldEvent | undefined {
    for (;;) {
      const item = this.queue.pop();
      if (item === undefined) return undefined;
      if (!item.event.live()) continue;
      this.virtualMs = item.atMs;
      return item.event;
    }
  }

  /** Runs `run` right after the current event and what it set off (a `setImmediate`). */
  immediate(run: () => void): void {
    this.immediates.push(run);
  }

  /**
   * Lets every promise continuation queued by the last event run (Node drains the microtask
   * queue before an immediate callback; nothing else in the process uses real timers), then
   * the immediates it armed, and theirs, in order: all at the same virtual instant.
   */
  async settle(): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      const due = this.immediates;
      if (due.length === 0) return;
      this.immediates = [];
      for (const run of due) run();
    }
  }
}

/** A cancellable timer of a simulated process. */
interface SimTimer {
  cancelled: boolean;
}

/**
 * One simulated process's life cycle as far as time goes: whether it is up, paused, and which
 * incarnation is current; its clock and timers ports.
 */
export class SimProcessTime {
  private incarnationNumber = 0;
  private up = false;
  private isPaused = false;
  private deferred: (() => void)[] = [];

  /**
   * @param rate how fast this process's clock runs against virtual time (drift), e.g. 0.98
   * @param offsetMs this process's wall clock at virtual time 0
   */
  constructor(
    private readonly world: World,
    readonly index: number,
    private readonly rate: number,
    private readonly offsetMs: number,
  ) {}

  get incarnation(): number {
    return this.incarnationNumber;
  }

  get isUp(): boolean {
    return this.up;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** A new life begins (start or restart). */
  begin(): void {
    this.incarnationNumber++;
    this.up = true;
    this.isPaused = false;
    this.deferred = [];
  }

  /** The life ends: everything it armed or deferred is forgotten. */
  end(): void {
    this.incarnationNumber++;
    this.up = false;
    this.isPaused = false;
    this.deferred = [];
  }

  pause(): void {
    this.isPaused = true;
  }

  /** Continues: what fell due meanwhile runs now, in order. */
  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    const due = this.deferred;
    this.deferred = [];
    for (const run of due) run();
  }

  /**
   * Runs `fn` for the life `incarnation` if it is still current: now, or on resume if paused.
   * @returns a function of the same shape, for scheduling
   */
  inLife(incarnation: number, fn: () => void): () => void {
    return () => {
      if (incarnation !== this.incarnationNumber || !this.up) return;
      if (this.isPaused) this.deferred.push(fn);
      else fn();
    };
  }

  /** Virtual ms until this process's clock has moved by `localMs`. */
  private virtualDelay(localMs: number): number {
    return Math.max(0, Math.ceil(localMs / this.rate));
  }

  /** The clock port of this process (wall = offset + rate · virtual). */
  readonly clock: NodeClock = {
    nowMs: () => this.offsetMs + this.rate * this.world.nowMs,
    monotonicMs: () => this.rate * this.world.nowMs,
  };

  /** The timers port of the current life. */
  timers(): NodeTimers {
    const incarnation = this.incarnationNumber;
    const arm = (callback: () => void, delayMs: number, repeat: boolean): SimTimer => {
      const timer: SimTimer = { cancelled: false };
      const fire = (): void => {
        if (timer.cancelled) return;
        if (repeat) schedule();
        else timer.cancelled = true;
        callback();
      };
      const schedule = (): void =>
        this.world.at(
          this.world.nowMs + Math.max(1, this.virtualDelay(delayMs)),
          "timer",
          this.index,
          this.inLife(incarnation, fire),
          () => !timer.cancelled && incarnation === this.incarnationNumber,
        );
      schedule();
      return timer;
    };
    const cancel = (handle: TimerHandle) => void ((handle as SimTimer).cancelled = true);
    return {
      setTimeout: (callback, delayMs) => arm(callback, delayMs, false),
      clearTimeout: cancel,
      setInterval: (callback, intervalMs) => arm(callback, intervalMs, true),
      clearInterval: cancel,
      setImmediate: (callback) => this.world.immediate(this.inLife(incarnation, callback)),
    };
  }
}
