// Proves the nemesis schedule is a function of the seed and the run's shape: the same seed gives
// the same faults, another seed others; every fault ends before the run does; pauses of a worker
// outlast its lease; a netsplit never names a node outside the cluster; node replacements stay
// within their bound per run, even when they are the only fault drawn.
import { describe, expect, it } from "vitest";
import {
  describeEvent,
  FAULT_WEIGHTS,
  planNemeses,
  REPLACEMENTS_MAX,
  type NemesisShape,
} from "./nemesis-plan.js";

const shape: NemesisShape = {
  seed: 42,
  durationMs: 600_000,
  nodes: 5,
  workers: 4,
  workerLeaseTtlMs: 3_000,
};

describe("planNemeses", () => {
  it("replays the same schedule for the same seed and differs for another", () => {
    const a = planNemeses(shape).map(describeEvent);
    expect(planNemeses(shape).map(describeEvent)).toEqual(a);
    expect(planNemeses({ ...shape, seed: 43 }).map(describeEvent)).not.toEqual(a);
  });

  it("keeps every fault inside the run, one after another, and draws every kind over a long run", () => {
    const events = planNemeses(shape);
    let end = 0;
    for (const event of events) {
      expect(event.atMs).toBeGreaterThanOrEqual(end);
      end = event.atMs + event.durationMs;
    }
    expect(end).toBeLessThanOrEqual(shape.durationMs);
    const kinds = new Set(events.map((e) => e.fault.kind));
    expect(kinds.size).toBe(FAULT_WEIGHTS.length);
  });

  it("replaces at most REPLACEMENTS_MAX nodes a run, and then draws nothing more of that kind", () => {
    const all = planNemeses(shape).filter((e) => e.fault.kind === "replace-node");
    expect(all).toHaveLength(REPLACEMENTS_MAX);
    const only = planNemeses({ ...shape, kinds: ["replace-node"] });
    expect(only).toHaveLength(REPLACEMENTS_MAX);
    const short = planNemeses({ ...shape, durationMs: 30_000, kinds: ["replace-node"] });
    expect(short.map((e) => e.fault.kind)).toEqual(["replace-node"]);
  });

  it("pauses workers past their lease and names only real nodes and workers", () => {
    for (const event of planNemeses(shape)) {
      const { fault } = event;
      if (fault.kind === "pause-worker")
        expect(event.durationMs).toBeGreaterThan(shape.workerLeaseTtlMs);
      if (fault.kind === "pause-worker" || fault.kind === "kill-worker")
        expect(fault.slot).toBeLessThan(4);
      if (fault.kind === "split-minority") {
        expect(fault.minority.length).toBeGreaterThan(0);
        expect(fault.minority.length).toBeLessThanOrEqual(2);
      }
      const named = describeEvent(event).match(/n\d+/g) ?? [];
      for (const id of named) expect(Number(id.slice(1))).toBeLessThanOrEqual(5);
    }
  });
});
