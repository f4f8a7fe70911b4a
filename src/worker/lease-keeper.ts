/**
 * The lease keeper of one worker: it heartbeats (renewing the worker's lease and with it the
 * leases of every partition it holds, docs/state-machine.md), and it knows until when the lease is
 * PROVEN live. A renewal whose request started at local time `t` and was acknowledged proves
 * the lease until `t + leaseTtlMs - safetyMarginMs`: the leader stamped the renewal no earlier
 * than `t`, and the margin covers clock skew and pauses. When that moment passes without a newer
 * acknowledged renewal, the keeper calls `onUnproven` once: the worker must abort everything it
 * runs, because the cluster may already have granted it to someone else (the processor's writes
 * stay safe anyway through the fencing token; this keeps them from even being attempted).
 */
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import type { WorkerClock, TimerHandle } from "./clock.js";
import { Wakeup } from "./clock.js";
import type { WorkerSessions } from "./sessions.js";
import type { WorkerClient } from "./worker-client.js";

/** Where the worker stood when a heartbeat was sent. */
export interface SendMark {
  /** Grants received so far. */
  readonly grants: number;
  /** Successful registrations so far. */
  readonly registrations: number;
}

/** A heartbeat's answer, when its request started (local clock) and the worker's mark then. */
export interface HeartbeatAnswer {
  readonly answer: ResponseOf<(typeof ROUTES)["heartbeat"]>;
  readonly sentAtMs: number;
  /** What `mark()` returned just before the request was sent. */
  readonly mark: SendMark;
}

/** What a lease keeper works with. */
export interface LeaseKeeperDeps {
  readonly client: WorkerClient;
  readonly workerId: string;
  readonly sessions: WorkerSessions;
  readonly clock: WorkerClock;
  readonly leaseTtlMs: number;
  readonly safetyMarginMs: number;
  readonly heartbeatIntervalMs: number;
  /** Read just before each heartbeat is sent, handed back with its answer. */
  readonly mark: () => SendMark;
  /** Whether heartbeats should say `draining: true`. */
  readonly draining: () => boolean;
  /** A heartbeat was acknowledged. */
  readonly onHeartbeat: (answer: HeartbeatAnswer) => void;
  /** A heartbeat failed; `error` decides whether the worker is gone (then it registers again). */
  readonly onHeartbeatFailed: (error: unknown, mark: SendMark) => Promise<void>;
  /** The lease can no longer be proven (called once per lapse). */
  readonly onUnproven: () => void;
}

/** See the module comment. */
export class LeaseKeeper {
  private provenUntilMs = Number.NEGATIVE_INFINITY;
  private deadline: TimerHandle | null = null;
  private readonly wakeup = new Wakeup();

  constructor(private readonly deps: LeaseKeeperDeps) {}

  /** Whether the lease is proven live now. */
  proven(): boolean {
    return this.deps.clock.now() < this.provenUntilMs;
  }

  /** Until when (local clock) the lease is proven live. */
  provenUntil(): number {
    return this.provenUntilMs;
  }

  /** A renewal that started at `sentAtMs` was acknowledged (heartbeat, acquire, registration). */
  renewed(sentAtMs: number): void {
    const until = sentAtMs + this.deps.leaseTtlMs - this.deps.safetyMarginMs;
    if (until <= this.provenUntilMs) return;
    this.provenUntilMs = until;
    this.armDeadline();
  }

  /** Sends the next heartbeat now rather than at its interval. */
  beatNow(): void {
    this.wakeup.notify();
  }

  /** Heartbeats every interval until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, heartbeatIntervalMs } = this.deps;
    while (!signal.aborted) {
      await this.beat(signal);
      await this.wakeup.wait(clock, heartbeatIntervalMs, signal);
    }
  }

  /** Stops the deadline timer (the heartbeat loop stops with its signal). */
  stop(): void {
    if (this.deadline !== null) this.deps.clock.clearTimeout(this.deadline);
    this.deadline = null;
    this.provenUntilMs = Number.NEGATIVE_INFINITY;
  }

  private async beat(signal: AbortSignal): Promise<void> {
    const { client, workerId, sessions, clock } = this.deps;
    const sentAtMs = clock.now();
    const mark = this.deps.mark();
    try {
      const answer = await client.heartbeat(
        workerId,
        this.deps.draining() ? { draining: true } : {},
        {
          session: sessions.next("hb"),
          signal,
          retryDeadlineMs: this.deps.leaseTtlMs - this.deps.safetyMarginMs,
        },
      );
      this.renewed(sentAtMs);
      this.deps.onHeartbeat({ answer, sentAtMs, mark });
    } catch (error) {
      if (!signal.aborted) await this.deps.onHeartbeatFailed(error, mark);
    }
  }

  private armDeadline(): void {
    const { clock } = this.deps;
    if (this.deadline !== null) clock.clearTimeout(this.deadline);
    this.deadline = clock.setTimeout(
      () => {
        this.deadline = null;
        if (this.proven()) this.armDeadline();
        else this.deps.onUnproven();
      },
      Math.max(0, this.provenUntilMs - clock.now()),
    );
  }
}
