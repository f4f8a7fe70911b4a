/**
 * The worker's circuit breaker, with the seed's semantics (src/constants.ts): it trips after
 * `consecutiveFailuresMax` failed partitions in a row OR `windowFailuresMax` failed partitions
 * within `windowMs`; it stays open for `openMs` (no new partition starts); then it is half-open
 * and admits at most `halfOpenProbesMax` probe partitions: a probe that succeeds closes it, a
 * probe that fails opens it again.
 *
 * The trip rules are cockatiel `IBreaker`s (its `ConsecutiveBreaker`, and a windowed count of
 * our own on the injected clock) composed with "any". The state machine around them is ours
 * rather than cockatiel's `CircuitBreakerPolicy`, because that policy wraps one call in
 * `execute()`, reads `Date.now()` and admits a single half-open test at a time, while a worker
 * must decide BEFORE it acquires partitions how many it may start (none while open, a bounded
 * number of probes while half-open) and must run on an injected clock.
 */
import { ConsecutiveBreaker } from "cockatiel";
import type { IBreaker } from "cockatiel";
import {
  breakerConsecutiveFailuresMax,
  breakerHalfOpenProbesMax,
  breakerOpenMs,
  breakerWindowFailuresMax,
  breakerWindowMs,
} from "../constants.js";
import { CoordinatorError } from "../errors.js";
import type { WorkerClock } from "./clock.js";

/** The breaker's state, as events and metrics report it. */
export type BreakerState = "closed" | "open" | "half-open";

/** When the breaker trips and how it recovers; defaults from src/constants.ts. */
export interface CircuitBreakerOptions {
  /** Trips after this many failed partitions in a row (seed: ConsecutiveFailureThreshold). */
  readonly consecutiveFailuresMax: number;
  /** Trips after this many failed partitions within `windowMs` (seed: TotalFailureThreshold). */
  readonly windowFailuresMax: number;
  /** The sliding window of the failure count (seed: FailureTimeWindow). */
  readonly windowMs: number;
  /** How long it stays open before probing (seed: OpenTimeout). */
  readonly openMs: number;
  /** Probe partitions admitted while half-open (seed: MaxHalfOpenRequests). */
  readonly halfOpenProbesMax: number;
}

/** Defaults (src/constants.ts): 3 consecutive / 5 in 5 min, open 30 s, 2 half-open probes. */
export const DEFAULT_BREAKER_OPTIONS: CircuitBreakerOptions = Object.freeze({
  consecutiveFailuresMax: breakerConsecutiveFailuresMax,
  windowFailuresMax: breakerWindowFailuresMax,
  windowMs: breakerWindowMs,
  openMs: breakerOpenMs,
  halfOpenProbesMax: breakerHalfOpenProbesMax,
});

/** A started partition, as the breaker counts it: whether it is one of the half-open probes. */
export interface BreakerTicket {
  readonly probe: boolean;
}

/**
 * A cockatiel `IBreaker` that opens when `max` failures fall within the last `windowMs` of
 * `clock` (successes do not forgive them; only time does).
 */
export class WindowedFailureBreaker implements IBreaker {
  /** Times of the failures still in the window, oldest first. */
  state: number[] = [];

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: WorkerClock,
  ) {}

  success(): void {}

  failure(): boolean {
    const nowMs = this.clock.now();
    this.state = this.state.filter((atMs) => atMs > nowMs - this.windowMs);
    this.state.push(nowMs);
    return this.state.length >= this.max;
  }
}

/**
 * The circuit breaker of one worker; see the module comment.
 * @throws CoordinatorError invalid_request when an option is not a positive safe integer
 */
export class PartitionCircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  private readonly consecutive: ConsecutiveBreaker;
  private readonly windowed: WindowedFailureBreaker;
  private current: BreakerState = "closed";
  private openedAtMs = 0;
  private probesStarted = 0;

  constructor(
    options: Partial<CircuitBreakerOptions>,
    private readonly clock: WorkerClock,
    private readonly onStateChange: (state: BreakerState, previous: BreakerState) => void,
  ) {
    this.options = { ...DEFAULT_BREAKER_OPTIONS, ...options };
    for (const [name, value] of Object.entries(this.options)) {
      if (!Number.isSafeInteger(value) || value < 1) {
        throw new CoordinatorError("invalid_request", `circuitBreaker.${name} must be >= 1`);
      }
    }
    this.consecutive = new ConsecutiveBreaker(this.options.consecutiveFailuresMax);
    this.windowed = new WindowedFailureBreaker(
      this.options.windowFailuresMax,
      this.options.windowMs,
      clock,
    );
  }

  /** The state now (an open breaker whose time is up reads as half-open). */
  state(): BreakerState {
    if (this.current === "open" && this.clock.now() >= this.openedAtMs + this.options.openMs) {
      this.probesStarted = 0;
      this.moveTo("half-open");
    }
    return this.current;
  }

  /** How many more partitions may start now: unbounded when closed, none when open, the probes left when half-open. */
  admits(): number {
    const state = this.state();
    if (state === "closed") return Number.POSITIVE_INFINITY;
    if (state === "open") return 0;
    return this.options.halfOpenProbesMax - this.probesStarted;
  }

  /** When an open breaker turns half-open (local clock), or null when it is not open. */
  reopensAtMs(): number | null {
    return this.state() === "open" ? this.openedAtMs + this.options.openMs : null;
  }

  /** A partition starts; call {@link succeeded} or {@link failed} with the ticket when it ends. */
  started(): BreakerTicket {
    const probe = this.state() === "half-open";
    if (probe) this.probesStarted++;
    return { probe };
  }

  /** The partition of `ticket` succeeded (completed by the processor). */
  succeeded(ticket: BreakerTicket): void {
    const state = this.state();
    if (state === "closed") this.consecutive.success();
    else if (ticket.probe && state === "half-open") this.close();
  }

  /** The partition of `ticket` failed (its processor threw). */
  failed(ticket: BreakerTicket): void {
    const state = this.state();
    if (state === "closed") {
      // Both rules must see every failure, so neither is short-circuited.
      const tripped = [this.consecutive.failure(), this.windowed.failure()].some(Boolean);
      if (tripped) this.open();
    } else if (ticket.probe && state === "half-open") {
      this.open();
    }
  }

  private open(): void {
    this.openedAtMs = this.clock.now();
    this.moveTo("open");
  }

  private close(): void {
    this.consecutive.success();
    this.windowed.state = [];
    this.moveTo("closed");
  }

  private moveTo(state: BreakerState): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    this.onStateChange(state, previous);
  }
}
