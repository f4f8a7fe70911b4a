/**
 * The rate and ETA of GET /v1/plans/:planId. The replicated state knows how far a plan got, not
 * how fast, so each node samples what it serves: every read of a plan records (local time,
 * completed partitions, processed items), at most one sample per `spacingMs`, and the rate is
 * the change from the oldest sample of the last `windowMs` (the one at or just before the
 * window's start, so the span covers the window) to now. A plan younger than the window, or one
 * this node has not watched yet, is measured from its creation (`createdAtMs`, 0 completed): an
 * average since the start.
 * Memory is bounded: about windowMs/spacingMs samples per plan, at most `plansMax` plans (the
 * least recently read is forgotten). Rates are per node: two nodes answer slightly different
 * figures for the same plan.
 */
import {
  progressRateWindowMs,
  progressSampleSpacingMs,
  progressSampledPlansMax,
} from "../constants.js";
import type { PlanView } from "../state-machine/index.js";

/** How far a plan was at `atMs` (ms since the epoch). */
export interface ProgressPoint {
  readonly atMs: number;
  readonly completed: number;
  readonly processed: number;
}

/** A plan's rate over the last `windowSeconds`. */
export interface PlanRate {
  readonly partitionsPerSecond: number;
  readonly itemsPerSecond: number;
  readonly windowSeconds: number;
}

/** Bounds of a {@link ProgressSampler}. */
export interface SamplerOptions {
  readonly windowMs: number;
  readonly spacingMs: number;
  readonly plansMax: number;
}

const DEFAULTS: SamplerOptions = {
  windowMs: progressRateWindowMs,
  spacingMs: progressSampleSpacingMs,
  plansMax: progressSampledPlansMax,
};

/** Per-node progress samples of the plans it is asked about. */
export class ProgressSampler {
  /** Samples by plan id, oldest first; the Map's order is the read order (LRU). */
  private readonly plans = new Map<string, ProgressPoint[]>();

  constructor(private readonly options: SamplerOptions = DEFAULTS) {}

  /**
   * Records `point` for `planId` and answers the rate up to it, measured from the oldest sample
   * of the window, or from `origin` (the plan's start) when there is none or the origin lies in
   * the window too; null while that base is less than `spacingMs` old (too short to tell).
   */
  observe(planId: string, point: ProgressPoint, origin: ProgressPoint): PlanRate | null {
    const samples = this.plans.get(planId) ?? [];
    this.plans.delete(planId);
    this.plans.set(planId, samples);
    if (this.plans.size > this.options.plansMax) {
      const [oldest] = this.plans.keys();
      if (oldest !== undefined) this.plans.delete(oldest);
    }
    const windowStartMs = point.atMs - this.options.windowMs;
    while (samples.length >= 2 && (samples[1]?.atMs ?? Infinity) <= windowStartMs) samples.shift();
    const oldest = samples[0];
    const base =
      oldest === undefined || (origin.atMs < oldest.atMs && origin.atMs >= windowStartMs)
        ? origin
        : oldest;
    const last = samples[samples.length - 1];
    if (last === undefined || point.atMs - last.atMs >= this.options.spacingMs) samples.push(point);
    return rateBetween(base, point, this.options.spacingMs);
  }

  /** Plans sampled now (for tests of the bound). */
  get plansSampled(): number {
    return this.plans.size;
  }
}

function rateBetween(
  base: ProgressPoint,
  point: ProgressPoint,
  spanMsMin: number,
): PlanRate | null {
  const spanMs = point.atMs - base.atMs;
  if (spanMs < spanMsMin) return null;
  return {
    partitionsPerSecond: (Math.max(0, point.completed - base.completed) * 1000) / spanMs,
    itemsPerSecond: (Math.max(0, point.processed - base.processed) * 1000) / spanMs,
    windowSeconds: spanMs / 1000,
  };
}

/**
 * Seconds until `plan` is done at `rate`: 0 once completed; null when it cannot be told — the
 * plan is paused or cancelled, still open (a planner may add more), or nothing completes.
 * Remaining work is the partitions neither completed nor failed.
 */
export function etaSeconds(plan: PlanView, rate: PlanRate | null): number | null {
  if (plan.status === "completed") return 0;
  if (plan.status !== "active" || !plan.closed) return null;
  if (rate === null || rate.partitionsPerSecond <= 0) return null;
  const remaining = plan.partitionCount - plan.counts.completed - plan.counts.failed;
  return Math.ceil(remaining / rate.partitionsPerSecond);
}
