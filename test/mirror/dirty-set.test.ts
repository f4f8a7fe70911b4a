// Proves the dirty set: rejections, duplicates and undecodable entries mark nothing; each command
// marks what it names (partitions, lease or view marks of workers, whole plans); past its bound
// the set drops the detail for a resync; `take` hands the marks over and starts afresh.
import { describe, expect, it } from "vitest";
import { DirtySet } from "../../src/mirror/dirty-set.js";
import type { ApplyResult, Command, CommandEnvelope } from "../../src/state-machine/index.js";
import { Driver } from "../state-machine/driver.js";

function envelope(command: Command): CommandEnvelope<unknown> {
  return { proposedAtMs: 1_000, command };
}

/** Applies `commands` on a fresh state, marking each result; returns the set. */
function marksOf(commands: Command[], entriesMax = 1_000): DirtySet {
  const driver = new Driver();
  const dirty = new DirtySet(entriesMax);
  for (const command of commands) dirty.markApplied(envelope(command), driver.run(command));
  return dirty;
}

const plan: Command = { type: "CreatePlan", planId: "a", minId: 0, maxId: 99, partitionSize: 10 };
const worker: Command = { type: "RegisterWorker", workerId: "w1" };

describe("DirtySet", () => {
  it("marks nothing for a rejection, a duplicate or an undecodable entry", () => {
    const dirty = new DirtySet(10);
    const rejection: ApplyResult = { status: "not_found", detail: "no", duplicate: false };
    dirty.markApplied(envelope({ type: "Heartbeat", workerId: "w" }), rejection);
    dirty.markApplied(null, { status: "invalid_request", detail: "bad", duplicate: false });
    const ok: ApplyResult = {
      status: "ok",
      type: "Heartbeat",
      duplicate: true,
      workerId: "w" as never,
      workerStatus: "active",
      leaseExpiresAtMs: 1,
      held: [],
    };
    dirty.markApplied(envelope({ type: "Heartbeat", workerId: "w" }), ok);
    expect(dirty.isEmpty).toBe(true);
  });

  it("marks a created plan whole, lease marks for heartbeats, grants and view marks for reports", () => {
    const dirty = marksOf([plan, worker, { type: "AcquirePartitions", workerId: "w1", max: 2 }]);
    const marks = dirty.take();
    expect(marks.resync).toBe(false);
    expect(marks.plans.get("a")).toEqual({ whole: true, partitions: new Set() });
    expect([...marks.workers]).toEqual(["w1"]);
    expect(marks.workerSet).toBe(true);
    expect(dirty.isEmpty).toBe(true);

    const driver = new Driver();
    for (const command of [plan, worker]) driver.run(command);
    const grant = driver.run({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    const token =
      grant.status === "ok" && grant.type === "AcquirePartitions"
        ? grant.granted[0]!.fencingToken
        : 0;
    const report = { planId: "a", partitionId: 0, workerId: "w1", fencingToken: token };
    const next = new DirtySet(100);
    const complete: Command = { type: "CompletePartition", ...report };
    next.markApplied(envelope(complete), driver.run(complete));
    const after = next.take();
    expect([...after.plans.get("a")!.partitions]).toEqual([0]);
    expect([...after.workerViews]).toEqual(["w1"]);
    expect([...after.workers]).toEqual([]);
  });

  it("marks every worker on LeaderChanged", () => {
    const marks = marksOf([
      worker,
      { type: "LeaderChanged", term: 2, nowMs: 1_000, graceMs: 0 },
    ]).take();
    expect(marks.allWorkers).toBe(true);
  });

  it("drops the detail for a resync past its bound, and ignores marks until taken", () => {
    const dirty = marksOf([plan, worker, { type: "AcquirePartitions", workerId: "w1", max: 3 }], 1);
    expect(dirty.size).toBe(0);
    expect(dirty.isEmpty).toBe(false);
    const marks = dirty.take();
    expect(marks).toMatchObject({ resync: true, allWorkers: false });
    expect(marks.plans.size + marks.workers.size).toBe(0);
    expect(dirty.take().resync).toBe(false);
  });
});
