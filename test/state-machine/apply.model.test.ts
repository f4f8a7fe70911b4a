// Proves that apply() behaves like a deliberately naive reference model on random command
// sequences — same result for every command, same observable state after it — that the
// coordinator invariants hold after every command, and that apply is deterministic: the same
// sequence twice, or half of it then snapshot, restore and the rest, give the same stateHash.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  apply,
  createState,
  encodeSnapshot,
  getPlan,
  nextLeaseExpiryAtMs,
  planGaps,
  restoreSnapshot,
  stateClock,
  stateHash,
} from "../../src/state-machine/index.js";
import type {
  ApplyResult,
  CommandEnvelope,
  CoordinatorState,
} from "../../src/state-machine/index.js";
import { Concretizer, envelopesOf as generatedEnvelopes, stepsArb } from "./command-generator.js";
import type { Step } from "./command-generator.js";
import { checkInvariants, observe } from "./invariants.js";
import { ReferenceModel } from "./reference-model.js";

const SESSION_CAPACITY = 2;
// SM_MODEL_RUNS=5000 explores longer (the default keeps the suite fast); timeouts scale with it.
const RUNS = Number(process.env["SM_MODEL_RUNS"] ?? 150);
const TIMEOUT_MS = 30_000 + RUNS * 200;

/** What a result says, without the human-readable `detail` of rejections. */
function comparable(result: ApplyResult): unknown {
  if (result.status !== "ok") return { status: result.status, duplicate: result.duplicate };
  if (result.type !== "CompletePartitions") return result;
  const { acquire } = result;
  return {
    ...result,
    results: result.results.map((item) => ({ ...item, detail: undefined })),
    acquire: acquire === null ? null : { ...acquire, detail: undefined },
  };
}

const envelopesOf = (steps: readonly Step[]) => generatedEnvelopes(steps, SESSION_CAPACITY);

function applyAll(
  state: CoordinatorState,
  envelopes: readonly CommandEnvelope<unknown>[],
  from = 0,
): ApplyResult[] {
  return envelopes.slice(from).map((envelope, k) => apply(state, envelope, from + k + 1));
}

describe("apply against the reference model", () => {
  it(
    "gives the same results and observable state, and keeps the invariants",
    () => {
      fc.assert(
        fc.property(stepsArb(70), (steps) => {
          const state = createState(SESSION_CAPACITY);
          const model = new ReferenceModel(SESSION_CAPACITY);
          const concretizer = new Concretizer();
          let before = observe(state);
          steps.forEach((step, k) => {
            const envelope = concretizer.envelope(step, model);
            const expected = model.apply(envelope, k + 1);
            const actual = apply(state, envelope, k + 1);
            const what = JSON.stringify(envelope);
            expect(comparable(actual), what).toEqual(comparable(expected));
            const after = observe(state);
            expect(after.plans, what).toEqual(model.planViews());
            expect(after.partitions, what).toEqual(model.partitionViews());
            expect(after.workers, what).toEqual(model.workerViews());
            expect(nextLeaseExpiryAtMs(state)).toBe(model.nextLeaseExpiryAtMs());
            expect(stateClock(state)).toEqual({
              nowMs: model.nowMs,
              lastIndex: model.lastIndex,
              leaderTerm: model.leaderTerm,
            });
            for (const plan of model.plans) {
              expect(planGaps(state, plan.planId)?.gaps).toEqual(model.gaps(plan.planId));
            }
            checkInvariants(before, after, envelope.command, actual, k + 1);
            before = after;
          });
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  // It checks the generator, not apply(), and needs the default run count: skipped when a
  // mutation run lowers SM_MODEL_RUNS to keep each mutant affordable (docs/MUTATION.md).
  it.skipIf(RUNS < 150)(
    "reaches every command's ok path and most rejection paths (the generator is not idle)",
    () => {
      const seen = new Set<string>();
      fc.assert(
        fc.property(stepsArb(70), (steps) => {
          const model = new ReferenceModel(SESSION_CAPACITY);
          const concretizer = new Concretizer();
          steps.forEach((step, k) => {
            const envelope = concretizer.envelope(step, model);
            const result = model.apply(envelope, k + 1);
            if (!result.duplicate) seen.add(`${step.kind}:${result.status}`);
          });
        }),
        { numRuns: RUNS, seed: 2 },
      );
      const kinds = [...seen].filter((s) => s.endsWith(":ok")).map((s) => s.split(":")[0]);
      expect(new Set(kinds).size, [...seen].sort().join(" ")).toBe(18);
      const statuses = new Set([...seen].map((s) => s.split(":")[1]));
      // back_pressure needs 1,000 pending partitions: append-partitions.test.ts reaches it.
      expect([...statuses].sort()).toEqual([
        "conflict",
        "invalid_request",
        "invalid_state",
        "lease_expired",
        "not_found",
        "not_holder",
        "ok",
        "plan_not_active",
        "stale_fencing_token",
      ]);
    },
  );
});

describe("determinism", () => {
  it(
    "the same sequence twice gives the same results and stateHash",
    () => {
      fc.assert(
        fc.property(stepsArb(60), (steps) => {
          const envelopes = envelopesOf(steps);
          const first = createState(SESSION_CAPACITY);
          const second = createState(SESSION_CAPACITY);
          expect(applyAll(second, envelopes)).toEqual(applyAll(first, envelopes));
          expect(stateHash(second)).toBe(stateHash(first));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );

  it(
    "half, snapshot, restore, rest gives the same results and stateHash as straight through",
    () => {
      fc.assert(
        fc.property(stepsArb(60), fc.nat(), (steps, cut) => {
          const envelopes = envelopesOf(steps);
          const half = cut % (envelopes.length + 1);
          const straight = createState(SESSION_CAPACITY);
          const straightResults = applyAll(straight, envelopes);
          const first = createState(SESSION_CAPACITY);
          applyAll(first, envelopes.slice(0, half));
          const restored = restoreSnapshot(encodeSnapshot(first), SESSION_CAPACITY);
          expect(stateHash(restored)).toBe(stateHash(first));
          const rest = applyAll(restored, envelopes, half);
          expect(rest).toEqual(straightResults.slice(half));
          expect(stateHash(restored)).toBe(stateHash(straight));
          expect(observe(restored)).toEqual(observe(straight));
          for (const planId of straight.planIds)
            expect(getPlan(restored, planId)).toEqual(getPlan(straight, planId));
        }),
        { numRuns: RUNS },
      );
    },
    TIMEOUT_MS,
  );
});
