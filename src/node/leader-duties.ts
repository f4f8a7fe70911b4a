/**
 * What a leader proposes on its own (docs/ARCHITECTURE.md §5):
 * - once its first entry (the NoOp) commits — it can serve from then on — `LeaderChanged{term,
 *   nowMs, graceMs}`, which extends every live lease so that a leader change never expires
 *   healthy work (etcd's lease lesson);
 * - `ExpireLeases{nowMs}` when the applied state says the earliest worker lease is due. ONE
 *   timer is armed for that moment and re-armed when the moment changes; while an ExpireLeases
 *   is in flight no other is proposed, and two are never proposed within one tick interval, so a
 *   lease that will not go away cannot cause a storm. Only after the leader's own LeaderChanged
 *   has applied (the state's leader term is its term) — before that the leases are not yet
 *   extended.
 */
import { nextLeaseExpiryAtMs, stateClock } from "../state-machine/index.js";
import type { ApplyResult, Command, CoordinatorState } from "../state-machine/index.js";
import type { Term } from "../util/ids.js";
import type { NodeEvents } from "./events.js";
import type { NodeFaults } from "./faults.js";
import type { NodeClock, NodeLogger, NodeTimers, TimerHandle } from "./ports.js";

/** What the duties read from and do through the node. */
export interface LeaderDutiesHost {
  readonly clock: NodeClock;
  readonly timers: NodeTimers;
  readonly events: NodeEvents;
  readonly logger: NodeLogger;
  readonly leaderChangeLeaseGraceMs: number;
  readonly tickIntervalMs: number;
  /** Deliberate bugs, TEST ONLY (./faults.ts); none when absent. */
  readonly faults?: NodeFaults;
  /** The current term if this node leads (and accepts work), else null. */
  leadingTerm(): Term | null;
  state(): CoordinatorState;
  /** Proposes a command of the node's own (through the loop's inbox). */
  propose(command: Command): Promise<ApplyResult>;
}

/** The leader's own proposals: LeaderChanged after election, ExpireLeases when due. */
export class LeaderDuties {
  private announcedTerm: Term = 0;
  /** The last term this node led in (only the `deposedLeaderExpiresLeases` fault reads it). */
  private ledTerm: Term = 0;
  private timer: TimerHandle | null = null;
  private armedDueAtMs: number | null = null;
  private expiryInFlight = false;
  private lastExpiryAtMs = -Infinity;
  private stopped = false;

  constructor(private readonly host: LeaderDutiesHost) {}

  /** A NoOp of `term` was applied: if this node leads in `term`, it announces itself. */
  onNoOpApplied(term: Term): void {
    if (this.stopped || this.host.leadingTerm() !== term || this.announcedTerm >= term) return;
    this.announcedTerm = term;
    const { leaderChangeLeaseGraceMs: graceMs, clock } = this.host;
    this.host.events.emit("leaderChangedProposed", { term, graceMs });
    this.settle(
      "LeaderChanged",
      this.host.propose({ type: "LeaderChanged", term, nowMs: clock.nowMs(), graceMs }),
    );
  }

  /** After every apply (and role change): arms, re-arms or cancels the ExpireLeases timer. */
  rearm(): void {
    const term = this.leadingTerm();
    const state = this.host.state();
    if (this.stopped || term === null || stateClock(state).leaderTerm !== term) {
      this.cancel();
      return;
    }
    if (this.expiryInFlight) return;
    const dueAtMs = nextLeaseExpiryAtMs(state);
    if (dueAtMs === null) {
      this.cancel();
      return;
    }
    if (this.timer !== null && this.armedDueAtMs === dueAtMs) return;
    this.cancel();
    const fireAtMs = Math.max(dueAtMs, this.lastExpiryAtMs + this.host.tickIntervalMs);
    this.armedDueAtMs = dueAtMs;
    this.timer = this.host.timers.setTimeout(
      () => this.fire(dueAtMs),
      Math.max(0, fireAtMs - this.host.clock.nowMs()),
    );
  }

  /** Cancels the timer for good (the node stops). */
  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private fire(dueAtMs: number): void {
    this.timer = null;
    this.armedDueAtMs = null;
    const nowMs = this.host.clock.nowMs();
    if (nowMs < dueAtMs || this.leadingTerm() === null || this.stopped) {
      this.rearm();
      return;
    }
    this.expiryInFlight = true;
    this.lastExpiryAtMs = nowMs;
    this.host.events.emit("leaseExpiryProposed", { nowMs, dueAtMs });
    this.settle("ExpireLeases", this.host.propose({ type: "ExpireLeases", nowMs }), () => {
      this.expiryInFlight = false;
      this.rearm();
    });
  }

  /** The term this node leads in, or null. (A deposed leader's old term under the fault.) */
  private leadingTerm(): Term | null {
    const term = this.host.leadingTerm();
    if (term !== null) this.ledTerm = term;
    const stale = this.host.faults?.deposedLeaderExpiresLeases === true && this.ledTerm > 0;
    return term ?? (stale ? this.ledTerm : null);
  }

  private cancel(): void {
    if (this.timer !== null) this.host.timers.clearTimeout(this.timer);
    this.timer = null;
    this.armedDueAtMs = null;
  }

  /** Logs how an own proposal ended (a lost one is retried by the next leader or timer). */
  private settle(type: string, outcome: Promise<ApplyResult>, then?: () => void): void {
    outcome.then(
      (result) => {
        this.host.logger.debug({ type, status: result.status }, "own proposal applied");
        then?.();
      },
      (error: unknown) => {
        this.host.logger.warn({ type, err: String(error) }, "own proposal failed");
        then?.();
      },
    );
  }
}
