// Proves the resolver re-renders what a command changed without naming it — a planner role
// that moved to another worker or ended with its cancelled plan, an expired worker forgotten
// beyond the bound when another one registers, partitions taken back from an expired holder —
// so the mirror still equals the applied state (flush.test.ts's random runs rarely get there).
import { describe, expect, it } from "vitest";
import { expiredWorkersMax } from "../../src/constants.js";
import type { Command, CommandEnvelope } from "../../src/state-machine/index.js";
import { Rig } from "./rig.js";

const at = (proposedAtMs: number, command: Command): CommandEnvelope<unknown> => ({
  proposedAtMs,
  command,
});

function rig(): Rig {
  return new Rig([], { kind: "keep" }, 50);
}

describe("the resolver", () => {
  it("re-renders a planner whose role another worker took after its lease ran out", async () => {
    const r = rig().push(
      at(1_000, { type: "CreatePlan", planId: "o", minId: 0, openEnded: true, partitionSize: 10 }),
      at(1_000, { type: "RegisterWorker", workerId: "w1", leaseTtlMs: 1_000 }),
      at(1_000, { type: "RegisterWorker", workerId: "w2", leaseTtlMs: 5_000 }),
      at(1_000, { type: "AppendPartitions", planId: "o", workerId: "w1", upToId: 9 }),
    );
    await r.settle();
    expect(r.store.hashes.get("t:default:workers")?.get("w1")).toContain('"plannerOf":["o"]');
    r.push(at(3_000, { type: "AppendPartitions", planId: "o", workerId: "w2", upToId: 19 }));
    await r.settle();
    expect(r.store.hashes.get("t:default:workers")?.get("w1")).toContain('"plannerOf":[]');
  });

  it("re-renders a planner whose role ended when its plan was cancelled", async () => {
    const r = rig().push(
      at(1_000, { type: "CreatePlan", planId: "o", minId: 0, openEnded: true, partitionSize: 10 }),
      at(1_000, { type: "RegisterWorker", workerId: "w1" }),
      at(1_000, { type: "AppendPartitions", planId: "o", workerId: "w1", upToId: 9 }),
    );
    await r.settle();
    r.push(at(1_100, { type: "CancelPlan", planId: "o" }));
    await r.settle();
    expect(r.store.hashes.get("t:default:plans")?.get("o")).toContain('"status":"cancelled"');
    expect(r.store.hashes.get("t:default:workers")?.get("w1")).toContain('"plannerOf":[]');
  });

  it("deletes an expired worker forgotten when another one expires on registering", async () => {
    const registrations = Array.from({ length: expiredWorkersMax }, (_, k) =>
      at(1_000, { type: "RegisterWorker", workerId: `w${k}`, leaseTtlMs: 1_000 }),
    );
    const r = rig().push(
      ...registrations,
      at(3_000, { type: "ExpireLeases", nowMs: 3_000 }),
      at(3_000, { type: "RegisterWorker", workerId: "x", leaseTtlMs: 1_000 }),
    );
    await r.settle();
    expect(r.store.hashes.get("t:default:workers")?.has("w0")).toBe(true);
    // x's lease ran out: registering again expires it first, one expired worker too many.
    r.push(at(6_000, { type: "RegisterWorker", workerId: "x", leaseTtlMs: 1_000 }));
    await r.settle();
    expect(r.store.hashes.get("t:default:workers")?.has("w0")).toBe(false);
  });

  it("re-renders the partitions an expired holder lost, with no lease left on them", async () => {
    const r = rig().push(
      at(1_000, { type: "CreatePlan", planId: "a", minId: 0, maxId: 29, partitionSize: 10 }),
      at(1_000, { type: "RegisterWorker", workerId: "w1", leaseTtlMs: 1_000 }),
      at(1_000, { type: "AcquirePartitions", workerId: "w1", max: 2 }),
    );
    await r.settle();
    r.push(at(2_500, { type: "ExpireLeases", nowMs: 2_500 }));
    await r.settle();
    const partition = JSON.parse(r.store.hashes.get("t:default:plan:a:partitions")!.get("0")!);
    expect(partition).toMatchObject({ status: "pending", workerId: null, leaseExpiresAtMs: null });
  });
});
