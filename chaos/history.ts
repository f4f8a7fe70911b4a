/**
 * The API history of a chaos run: every call the harness makes (plan submissions, the probe's
 * partition operations), with call and return times on ONE monotonic clock (this process's
 * `performance.now()`, relative to the run's start) and its outcome — including calls whose
 * outcome is unknown (a timeout, a lost forward), which stay "unknown" forever.
 */
import { CoordinatorError, type ErrorCode } from "../src/errors.js";

/** How a call ended. */
export type Outcome<T> =
  /** It took effect and answered this. */
  | { readonly kind: "ok"; readonly value: T }
  /** It was applied and refused by a business rule (e.g. stale_fencing_token). */
  | { readonly kind: "rejected"; readonly code: ErrorCode }
  /** It provably never took effect (never reached a leader, refused before proposing). */
  | { readonly kind: "failed"; readonly code: string }
  /** Nobody knows: it may have taken effect, now or later. */
  | { readonly kind: "unknown"; readonly reason: string };

/** One recorded call. */
export interface HistoryEntry {
  readonly clientId: string;
  readonly op: string;
  /** What the call was about (e.g. `planId/partitionId`), for grouping. */
  readonly key: string;
  readonly args: unknown;
  readonly callAtMs: number;
  readonly returnAtMs: number | null;
  readonly outcome: Outcome<unknown>;
}

/** Codes the state machine answers after applying a command it refuses. */
const REJECTIONS: ReadonlySet<string> = new Set([
  "not_found",
  "conflict",
  "not_holder",
  "stale_fencing_token",
  "lease_expired",
  "plan_not_active",
  "invalid_state",
]);

/**
 * Codes that prove the call had no effect. `unreachable` qualifies only because the harness
 * makes single attempts (`retryDeadlineMs: 0`): a connection that never opened sent nothing.
 */
const NO_EFFECT: ReadonlySet<string> = new Set([
  "invalid_request",
  "unauthorized",
  "route_not_found",
  "payload_too_large",
  "unsupported_media_type",
  "not_leader",
  "no_leader",
  "leadership_transfer_in_progress",
  "uncommitted_tail_full",
  "back_pressure",
  "not_ready",
  "unreachable",
]);

/** Classifies what a single-attempt call threw. */
export function outcomeOfError(error: unknown): Outcome<never> {
  if (error instanceof CoordinatorError) {
    if (REJECTIONS.has(error.code)) return { kind: "rejected", code: error.code };
    if (NO_EFFECT.has(error.code)) return { kind: "failed", code: error.code };
    return { kind: "unknown", reason: `${error.code}: ${error.message}` };
  }
  return { kind: "unknown", reason: error instanceof Error ? error.message : String(error) };
}

/** Records calls; `nowMs` is the run's monotonic clock. */
export class History {
  readonly entries: HistoryEntry[] = [];

  constructor(private readonly nowMs: () => number) {}

  /** Runs `call` once, records it, and returns its outcome (it never throws). */
  async record<T>(
    clientId: string,
    op: string,
    key: string,
    args: unknown,
    call: () => Promise<T>,
  ): Promise<Outcome<T>> {
    const callAtMs = this.nowMs();
    let outcome: Outcome<T>;
    try {
      outcome = { kind: "ok", value: await call() };
    } catch (error) {
      outcome = outcomeOfError(error);
    }
    const returnAtMs = outcome.kind === "unknown" ? null : this.nowMs();
    this.entries.push({ clientId, op, key, args, callAtMs, returnAtMs, outcome });
    return outcome;
  }
}
