// Test helper (not a test): random command sequences for the property tests. fast-check
// generates abstract steps (numbers and flags, so it shrinks well); `concretize` turns a step
// into a command using the reference model's current state, so most commands aim at something
// real (a held partition with its token, the plan's planner) and some are deliberately wrong
// (stale tokens, other workers, unknown ids, malformed fields).
import fc from "fast-check";
import type { CommandEnvelope } from "../../src/state-machine/index.js";
import { ReferenceModel } from "./reference-model.js";

const KINDS = [
  ["CreatePlan", 3],
  ["AppendPartitions", 4],
  ["PausePlan", 2],
  ["ResumePlan", 2],
  ["CancelPlan", 1],
  ["RetryFailed", 2],
  ["RegisterWorker", 5],
  ["Heartbeat", 6],
  ["AcquirePartitions", 9],
  ["ReportProgress", 5],
  ["CompletePartition", 8],
  ["CompletePartitions", 2],
  ["FailPartition", 3],
  ["ReleasePartition", 1],
  ["DeregisterWorker", 1],
  ["ExpireLeases", 3],
  ["LeaderChanged", 1],
  ["PreemptPartition", 3],
  ["Malformed", 1],
] as const;

type Kind = (typeof KINDS)[number][0];

/** One abstract step. */
export interface Step {
  readonly kind: Kind;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly flag: boolean;
  /** Milliseconds the leader's clock moves before this step. */
  readonly dtMs: number;
  /** Propose with a clock behind the applied one (the state's clock must not go back). */
  readonly lagging: boolean;
  /** 0–12: no session; 13–15: client c1–c3. */
  readonly session: number;
  /** For sessions: 0 next seq, 1 repeat the last seq, 2 an older seq. */
  readonly seqMode: number;
}

const kindArb: fc.Arbitrary<Kind> = fc.oneof(
  ...KINDS.map(([kind, weight]) => ({ arbitrary: fc.constant(kind), weight })),
);

export const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: kindArb,
  a: fc.nat(1_000),
  b: fc.nat(1_000),
  c: fc.nat(1_000),
  flag: fc.boolean(),
  dtMs: fc.oneof(
    { arbitrary: fc.constantFrom(0, 10, 50, 100), weight: 12 },
    { arbitrary: fc.constantFrom(400, 1_500), weight: 3 },
    { arbitrary: fc.constantFrom(4_000, 12_000), weight: 1 },
  ),
  lagging: fc.nat(9).map((n) => n === 0),
  session: fc.nat(15),
  seqMode: fc.constantFrom(0, 0, 0, 0, 1, 2),
});

/** Sequences of steps. */
export const stepsArb = (maxLength: number) =>
  fc.array(stepArb, { minLength: Math.ceil(maxLength / 2), maxLength });

const PLAN_IDS = ["a", "b", "c"];
const WORKERS = ["w1", "w2", "w3", "w4"];
const NAMESPACES = ["default", "default", "ns2"];

const pick = <T>(items: readonly T[], n: number): T => items[n % items.length]!;

/**
 * Envelopes for `steps`, built against a reference model (remembering `sessionCapacity` client
 * sessions) that applies them as it goes.
 */
export function envelopesOf(
  steps: readonly Step[],
  sessionCapacity: number,
): CommandEnvelope<unknown>[] {
  const model = new ReferenceModel(sessionCapacity);
  const concretizer = new Concretizer();
  return steps.map((step, k) => {
    const envelope = concretizer.envelope(step, model);
    model.apply(envelope, k + 1);
    return envelope;
  });
}

/** Turns steps into envelopes, tracking the leader clock and client sequence numbers. */
export class Concretizer {
  nowMs = 1_000;
  private readonly seqs = new Map<string, number>();

  envelope(step: Step, model: ReferenceModel): CommandEnvelope<unknown> {
    this.nowMs += step.dtMs;
    const proposedAtMs = step.lagging ? Math.max(0, this.nowMs - 5_000) : this.nowMs;
    const command = concretize(step, model, this.nowMs);
    if (step.session < 13) return { proposedAtMs, command };
    const clientId = `c${step.session - 12}`;
    const last = this.seqs.get(clientId) ?? 0;
    const seq = step.seqMode === 0 ? last + 1 : step.seqMode === 1 ? last : Math.max(0, last - 1);
    if (seq > last) this.seqs.set(clientId, seq);
    return { proposedAtMs, clientId, seq, command };
  }
}

function heldTargets(model: ReferenceModel) {
  return model.plans.flatMap((plan) =>
    plan.partitions.flatMap((p, i) =>
      (p.status === "claimed" || p.status === "running") && p.workerId !== null
        ? [{ plan, i, p, workerId: p.workerId }]
        : [],
    ),
  );
}

function planId(model: ReferenceModel, n: number): string {
  return pick([...model.plans.map((p) => p.planId), "a", "zz"], n);
}

function concretize(step: Step, model: ReferenceModel, nowMs: number): unknown {
  const { a, b, c, flag } = step;
  switch (step.kind) {
    case "CreatePlan":
      return createPlan(step);
    case "AppendPartitions":
      return append(step, model);
    case "PausePlan":
    case "CancelPlan":
      return { type: step.kind, planId: planId(model, a) };
    case "ResumePlan": {
      const paused = model.plans.filter((p) => p.status === "paused");
      return {
        type: step.kind,
        planId: paused.length > 0 && flag ? pick(paused, b).planId : planId(model, a),
      };
    }
    case "RetryFailed": {
      const id = planId(model, a);
      const failed = model
        .plan(id)
        ?.partitions.flatMap((p, i) => (p.status === "failed" ? [i] : []));
      if (flag || failed === undefined || failed.length === 0)
        return { type: "RetryFailed", planId: id };
      return {
        type: "RetryFailed",
        planId: id,
        partitionIds: b % 4 === 0 ? [b % 9] : failed.slice(0, 1 + (b % failed.length)),
      };
    }
    case "RegisterWorker":
      return {
        type: "RegisterWorker",
        workerId: pick(WORKERS, a),
        namespace: pick(NAMESPACES, b),
        windowSize: 1 + (c % 3),
        leaseTtlMs: pick([1_000, 3_000, 10_000], c >> 2),
        ...(flag ? { meta: { host: "h", pid: a } } : {}),
      };
    case "Heartbeat":
      return {
        type: "Heartbeat",
        workerId: pick(WORKERS, a),
        ...(b % 9 === 0 ? { draining: true } : {}),
      };
    case "AcquirePartitions":
      return {
        type: "AcquirePartitions",
        workerId: pick(WORKERS, a),
        max: 1 + (b % 3),
        ...(c % 10 === 0 ? { namespace: pick(NAMESPACES, c) } : {}),
      };
    case "ReportProgress":
    case "CompletePartition":
    case "FailPartition":
    case "ReleasePartition":
      return report(step, model);
    case "CompletePartitions":
      return completeBatch(step, model);
    case "DeregisterWorker":
      return { type: "DeregisterWorker", workerId: pick(WORKERS, a) };
    case "ExpireLeases":
      return { type: "ExpireLeases", nowMs: nowMs + (flag ? b * 20 : 0) };
    case "LeaderChanged":
      return {
        type: "LeaderChanged",
        term: Math.max(0, model.leaderTerm + (a % 3) - 1),
        nowMs,
        graceMs: pick([0, 500, 2_000], b),
      };
    case "PreemptPartition": {
      const held = heldTargets(model);
      const stale = held.filter(({ p, workerId }) => {
        const holder = model.worker(workerId);
        return p.deadlineAtMs <= nowMs || holder === undefined || holder.leaseExpiresAtMs <= nowMs;
      });
      const pool = stale.length > 0 && flag ? stale : held;
      const target = pool.length > 0 && b % 5 !== 0 ? pick(pool, a) : undefined;
      const rivals = model.workers.filter(
        (w) =>
          w.status !== "expired" &&
          w.workerId !== target?.workerId &&
          w.namespace === target?.plan.namespace,
      );
      const byWorkerId =
        rivals.length > 0 && c % 3 !== 0 ? pick(rivals, c).workerId : pick(WORKERS, c);
      return {
        type: "PreemptPartition",
        planId: target?.plan.planId ?? planId(model, a),
        partitionId: target?.i ?? b % 9,
        byWorkerId,
      };
    }
    case "Malformed":
      return pick(MALFORMED, a);
  }
}

function createPlan({ a, b, c, flag }: Step): unknown {
  const partitionSize = 1 + (b % 5);
  const base = {
    type: "CreatePlan",
    ...(a % 4 === 3 ? {} : { planId: pick(PLAN_IDS, a) }),
    namespace: pick(NAMESPACES, c),
    minId: b % 7,
    partitionSize,
    priority: (c % 3) - 1,
    maxAttempts: 1 + (a % 3),
    partitionLeaseTtlMs: pick([1_000, 2_500, 6_000], b >> 3),
    ...(c % 5 === 0 ? { options: { k: b % 2 } } : {}),
  };
  if (flag && a % 3 === 0) return { ...base, openEnded: true };
  return { ...base, maxId: (b % 7) + partitionSize * (1 + (c % 8)) - 1 - (a % 2) };
}

function append({ a, b, c, flag }: Step, model: ReferenceModel): unknown {
  const plan =
    model.plans.filter((p) => p.maxId === null).at(a % 4) ?? model.plan(planId(model, a));
  const id = plan?.planId ?? "zz";
  const nextId = (plan?.nextId ?? 0) + (c % 11 === 0 ? 1 : 0);
  const workerId =
    plan?.planner !== null && plan?.planner !== undefined && b % 3 !== 0
      ? plan.planner.workerId
      : pick(WORKERS, b);
  const token = plan?.planner?.fencingToken;
  const fencing =
    token === undefined || c % 3 === 0 ? {} : { fencingToken: c % 7 === 0 ? token + 1 : token };
  const final = c % 6 === 0 ? { final: true } : {};
  const size = plan?.partitionSize ?? 1;
  if (flag)
    return {
      type: "AppendPartitions",
      planId: id,
      workerId,
      ...fencing,
      ...final,
      upToId: nextId + size * (1 + (b % 3)) - 1,
    };
  const first = { minId: nextId, maxId: nextId + (b % 4) };
  const ranges =
    b % 2 === 0 ? [first] : [first, { minId: first.maxId + 1, maxId: first.maxId + 1 + (a % 3) }];
  return { type: "AppendPartitions", planId: id, workerId, ...fencing, ...final, ranges };
}

function report(step: Step, model: ReferenceModel): unknown {
  const { kind, a, b, c, flag } = step;
  const held = heldTargets(model);
  const target = held.length > 0 && (flag || b % 4 !== 0) ? pick(held, a) : undefined;
  const base = target
    ? {
        planId: target.plan.planId,
        partitionId: target.i,
        workerId: c % 9 === 0 ? pick(WORKERS, c) : target.workerId,
        fencingToken: c % 8 === 0 ? Math.max(1, target.p.fencingToken - 1) : target.p.fencingToken,
      }
    : {
        planId: planId(model, a),
        partitionId: b % 9,
        workerId: pick(WORKERS, c),
        fencingToken: 1 + (c % 40),
      };
  const p = target?.p;
  switch (kind) {
    case "ReportProgress":
      return {
        type: kind,
        ...base,
        checkpointId: (p?.minId ?? 0) + (b % ((p ? p.maxId - p.minId : 3) + 3)) - 1,
        processedCount: Math.max(0, (p?.processedCount ?? 0) + (b % 4) - 1),
      };
    case "CompletePartition":
      return {
        type: kind,
        ...base,
        ...(flag ? { processedCount: (p?.processedCount ?? 0) + (c % 3) } : {}),
      };
    case "FailPartition":
      return { type: kind, ...base, error: `e${a % 3}`, retryable: b % 3 !== 0 };
    default:
      return { type: "ReleasePartition", ...base };
  }
}

/**
 * A batch by one worker: mostly its own held partitions with their tokens, sometimes a stale
 * token, a partition it does not hold, an item twice, or none at all; acquireMax half the time.
 */
function completeBatch({ a, b, c, flag }: Step, model: ReferenceModel): unknown {
  const held = heldTargets(model);
  const workerId = held.length > 0 && b % 5 !== 0 ? pick(held, a).workerId : pick(WORKERS, a);
  const own = held.filter((t) => t.workerId === workerId).slice(0, 1 + (c % 3));
  const items = own.map((t, k) => ({
    planId: t.plan.planId,
    partitionId: t.i,
    fencingToken: (c + k) % 7 === 0 ? Math.max(1, t.p.fencingToken - 1) : t.p.fencingToken,
    ...(flag ? { processedCount: t.p.processedCount + (k % 2) } : {}),
  }));
  const other = held.find((t) => t.workerId !== workerId);
  if (other !== undefined && b % 4 === 0) {
    items.push({
      planId: other.plan.planId,
      partitionId: other.i,
      fencingToken: other.p.fencingToken,
    });
  }
  if (items[0] !== undefined && c % 6 === 0) items.push(items[0]);
  const acquireMax = a % 2 === 0 || items.length === 0 ? { acquireMax: 1 + (b % 3) } : {};
  return { type: "CompletePartitions", workerId, items, ...acquireMax };
}

/** Commands every checker must refuse. */
export const MALFORMED: readonly unknown[] = [
  null,
  42,
  "CreatePlan",
  [],
  {},
  { type: "Nope" },
  { type: "CreatePlan", minId: -1, maxId: 10, partitionSize: 1 },
  { type: "CreatePlan", minId: 5, maxId: 4, partitionSize: 1 },
  { type: "CreatePlan", minId: 0, maxId: 10, partitionSize: 1.5 },
  { type: "CreatePlan", minId: 0, maxId: 1e9, partitionSize: 1 },
  { type: "CreatePlan", minId: 0, maxId: 10, partitionSize: 1, extra: true },
  { type: "Heartbeat", workerId: "" },
  { type: "Heartbeat", workerId: "bad id" },
  { type: "AcquirePartitions", workerId: "w1", max: 0 },
  { type: "CompletePartition", planId: "a", partitionId: -1, workerId: "w1", fencingToken: 1 },
  { type: "CompletePartitions", workerId: "w1", items: [] },
  { type: "CompletePartitions", workerId: "w1", items: [{ planId: "a", partitionId: 0 }] },
  {
    type: "ReportProgress",
    planId: "a",
    partitionId: 0,
    workerId: "w1",
    fencingToken: 1,
    checkpointId: "5",
    processedCount: 1,
  },
];
