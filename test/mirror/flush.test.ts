// Proves that a flush — dirty marks read off applied commands, the resolver's links, chunked
// rendering into staging hashes, one guarded commit — leaves exactly the mirror of the applied
// state: on random command sequences (fast-check, the state machine's command generator), with
// commands applied while chunks are being staged, under each completed-partition policy, through
// resyncs, a Redis that lost its data (a gap) and stray keys under the prefix.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Command } from "../../src/state-machine/index.js";
import type { CompletedPolicy } from "../../src/mirror/config.js";
import { FlushAborted } from "../../src/mirror/flush.js";
import { envelopesOf, stepsArb, type Step } from "../state-machine/command-generator.js";
import { PREFIX, Rig, SESSIONS } from "./rig.js";

const RUNS = Number(process.env["MIRROR_MODEL_RUNS"] ?? 40);

async function runSequence(steps: readonly Step[], policy: CompletedPolicy, chunk: number) {
  const rig = new Rig(envelopesOf(steps, SESSIONS), policy, chunk);
  let base = 0;
  let k = 0;
  while (!rig.finished) {
    const step = steps[k++ % steps.length]!;
    rig.applyNext(1 + (step.a % 6));
    rig.store.onStage = () => rig.applyNext(step.b % 4);
    if (step.flag && step.c % 7 === 0) {
      // Redis restarted empty, and someone left keys under our prefix.
      rig.store.hashes.clear();
      rig.store.strings.clear();
      rig.store.hashes.set(`${PREFIX}default:plan:zz:partitions`, new Map([["0", "{}"]]));
    }
    const result = await rig.flush().run(base, 1);
    if (result.outcome.kind === "ok") {
      base = result.index;
      rig.expectMirrorsState();
    } else {
      expect(result.outcome.kind).toBe("gap");
      rig.dirty.markResync();
    }
  }
  rig.store.onStage = () => undefined;
  const last = await rig.flush().run(base, 1);
  expect(last.outcome.kind).toBe("ok");
  rig.expectMirrorsState();
}

const POLICIES: readonly CompletedPolicy[] = [
  { kind: "keep" },
  { kind: "expire", ttlSeconds: 30 },
  { kind: "skip" },
];

describe("a flush on random command sequences", () => {
  for (const policy of POLICIES) {
    it(`leaves the mirror of the applied state (completed: ${policy.kind})`, async () => {
      await fc.assert(
        fc.asyncProperty(stepsArb(120), fc.integer({ min: 1, max: 6 }), (steps, chunk) =>
          runSequence(steps, policy, chunk),
        ),
        { numRuns: RUNS },
      );
    }, 60_000);
  }
});

describe("a flush", () => {
  /** A rig holding one plan of `partitions` partitions, and a count of staging writes. */
  function onePlan(partitions: number, chunk: number) {
    const create: Command = {
      type: "CreatePlan",
      planId: "a",
      minId: 0,
      maxId: partitions - 1,
      partitionSize: 1,
    };
    const rig = new Rig([{ proposedAtMs: 1, command: create }], { kind: "keep" }, chunk);
    rig.applyNext();
    const staged = { count: 0 };
    rig.store.onStage = () => void staged.count++;
    return { rig, staged };
  }

  it("writes a small round inline, with no staging and in one round", async () => {
    const { rig, staged } = onePlan(10, 100);
    const result = await rig.flush().run(0, 1);
    expect(result).toMatchObject({ outcome: { kind: "ok" }, index: 1, resync: true, rounds: 1 });
    expect(staged.count).toBe(0);
    rig.expectMirrorsState();
  });

  it("stages a large plan in chunks and commits it in a later round", async () => {
    const { rig, staged } = onePlan(100, 10);
    const result = await rig.flush().run(0, 1);
    expect(result).toMatchObject({ outcome: { kind: "ok" }, rounds: 2 });
    expect(staged.count).toBeGreaterThanOrEqual(10);
    rig.expectMirrorsState();
  });

  it("gives up with FlushAborted once the node no longer leads", async () => {
    const rig = new Rig([], { kind: "keep" }, 10);
    await expect(rig.flush(() => false).run(0, 1)).rejects.toBeInstanceOf(FlushAborted);
  });

  it("is refused as stale below a newer mirror, changing nothing", async () => {
    const rig = new Rig([], { kind: "keep" }, 10);
    rig.store.strings.set(rig.keys.appliedIndex, "7");
    rig.store.strings.set(rig.keys.term, "3");
    const result = await rig.flush().run(0, 2);
    expect(result.outcome).toEqual({ kind: "stale", mirrorIndex: 7, mirrorTerm: 3 });
    expect(rig.store.strings.get(rig.keys.appliedIndex)).toBe("7");
  });
});
