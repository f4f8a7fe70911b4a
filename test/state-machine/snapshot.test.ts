// Proves the snapshot is canonical and complete: restore gives a state with the same stateHash
// that answers every query and every later command the same way (client sessions included);
// states with the same facts reached in a different order encode to the same bytes; corrupt,
// truncated or foreign bytes are refused with SnapshotFormatError.
import { describe, expect, it } from "vitest";
import { hash64 } from "../../src/state-machine/hash.js";
import {
  SnapshotFormatError,
  encodeSnapshot,
  getWorker,
  nextLeaseExpiryAtMs,
  restoreSnapshot,
  stateHash,
} from "../../src/state-machine/index.js";
import type { CoordinatorState } from "../../src/state-machine/index.js";
import type { Driver } from "./driver.js";
import { setup } from "./driver.js";
import { observe } from "./invariants.js";

/** A state with a bit of everything: open and static plans, holders, failures, sessions. */
function busy(): Driver {
  const driver = setup(6, ["w1", "w2"], 3);
  driver.ok({
    type: "CreatePlan",
    planId: "log",
    minId: 0,
    openEnded: true,
    partitionSize: 4,
    options: { z: 1, a: [true, null] },
  });
  driver.ok({ type: "AppendPartitions", planId: "log", workerId: "w2", upToId: 11 });
  const grants = driver.ok(
    { type: "AcquirePartitions", workerId: "w1", max: 3 },
    { clientId: "c1", seq: 1 },
  ).granted;
  const report = (k: number) => ({
    planId: grants[k]!.planId,
    partitionId: grants[k]!.partitionId,
    workerId: "w1",
    fencingToken: grants[k]!.fencingToken,
  });
  driver.ok({ type: "ReportProgress", ...report(0), checkpointId: 3, processedCount: 4 });
  driver.ok({ type: "FailPartition", ...report(1), error: "ünïcode ⚠", retryable: true });
  driver.ok({ type: "CompletePartition", ...report(2) });
  driver.ok({ type: "RegisterWorker", workerId: "w3", meta: { host: "h", pid: 9, up: true } });
  driver.advance(60_000);
  driver.ok({ type: "ExpireLeases", nowMs: driver.nowMs });
  driver.ok({ type: "RegisterWorker", workerId: "w4" });
  driver.ok({ type: "AcquirePartitions", workerId: "w4", max: 2 });
  driver.ok({ type: "LeaderChanged", term: 2, nowMs: driver.nowMs, graceMs: 100 });
  return driver;
}

describe("encodeSnapshot / restoreSnapshot", () => {
  it("restores a state with the same hash, views and lease clock", () => {
    const { state } = busy();
    const restored = restoreSnapshot(encodeSnapshot(state));
    expect(stateHash(restored)).toBe(stateHash(state));
    expect(observe(restored)).toEqual(observe(state));
    expect(nextLeaseExpiryAtMs(restored)).toBe(nextLeaseExpiryAtMs(state));
    expect(getWorker(restored, "w3")?.meta).toEqual({ host: "h", pid: 9, up: true });
  });

  it("the restored state answers later commands exactly as the original", () => {
    const original = busy();
    const copy = busy();
    const restored = restoreSnapshot(encodeSnapshot(copy.state));
    Object.assign(copy, { state: restored });
    const script = [
      { type: "AcquirePartitions", workerId: "w4", max: 3 },
      { type: "RetryFailed", planId: "plan" },
      { type: "RegisterWorker", workerId: "w1" },
      { type: "AcquirePartitions", workerId: "w1", max: 3 },
      { type: "AppendPartitions", planId: "log", workerId: "w4", upToId: 20 },
      { type: "ExpireLeases", nowMs: original.nowMs + 20_000 },
    ];
    for (const command of script) expect(copy.run(command)).toEqual(original.run(command));
    expect(copy.run({}, { clientId: "c1", seq: 1 })).toEqual(
      original.run({}, { clientId: "c1", seq: 1 }),
    );
    expect(stateHash(copy.state)).toBe(stateHash(original.state));
  });

  it("is canonical: the same facts reached in another order encode to the same bytes", () => {
    const build = (order: readonly string[]) => {
      const driver = setup(4, []);
      for (const workerId of order) driver.ok({ type: "RegisterWorker", workerId });
      // Acquiring in reverse registration order gives w3 the lowest partition either way,
      // while the worker map and the slot numbers follow the registration order.
      for (const workerId of ["w3", "w2", "w1"]) {
        driver.ok({ type: "AcquirePartitions", workerId, max: 1 });
      }
      return driver.state;
    };
    const one: CoordinatorState = build(["w1", "w2", "w3"]);
    const other: CoordinatorState = build(["w3", "w1", "w2"]);
    expect(encodeSnapshot(other)).toEqual(encodeSnapshot(one));
  });

  it("differs when any fact differs", () => {
    const a = setup(2, ["w1"]);
    const b = setup(2, ["w1"]);
    expect(stateHash(b.state)).toBe(stateHash(a.state));
    b.ok({ type: "Heartbeat", workerId: "w1" }, { at: b.nowMs + 1 });
    a.ok({ type: "Heartbeat", workerId: "w1" });
    expect(stateHash(b.state)).not.toBe(stateHash(a.state));
  });
});

describe("refusing bad snapshots", () => {
  const bytes = encodeSnapshot(busy().state);

  /** `bytes` with `edit` applied to the body and the checksum recomputed. */
  function resealed(edit: (body: Uint8Array) => Uint8Array): Uint8Array {
    const body = edit(bytes.slice(0, bytes.length - 16));
    const out = new Uint8Array(body.length + 16);
    out.set(body);
    out.set(new TextEncoder().encode(hash64(body)), body.length);
    return out;
  }

  it.each([
    ["a flipped bit", () => bytes.map((b, i) => (i === 200 ? b ^ 1 : b))],
    ["truncation", () => bytes.slice(0, bytes.length - 40)],
    ["emptiness", () => new Uint8Array(0)],
    ["a foreign magic", () => resealed((body) => body.map((b, i) => (i === 0 ? 0 : b)))],
    ["an unknown version", () => resealed((body) => body.map((b, i) => (i === 4 ? 9 : b)))],
    ["trailing bytes", () => resealed((body) => Uint8Array.from([...body, 0]))],
  ])("refuses %s with SnapshotFormatError", (_, make) => {
    expect(() => restoreSnapshot(make())).toThrow(SnapshotFormatError);
  });

  it("reads its own resealed bytes (the corruption cases above are not vacuous)", () => {
    expect(stateHash(restoreSnapshot(resealed((body) => body)))).toBe(hash64(bytes));
  });
});
