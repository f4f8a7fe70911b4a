// Proves CompletePartitions completes each item exactly as a CompletePartition with the same
// fields would (fencing per item, a rejected item changing nothing and not stopping the others),
// acquires afterwards with acquireMax (complete-and-acquire-next), refuses malformed batches,
// and leaves a state whose hash equals the one the single commands would leave.
import { describe, expect, it } from "vitest";
import { workerLeaseTtlMs } from "../../src/constants.js";
import { getPartition, getPlan, stateHash } from "../../src/state-machine/index.js";
import type { CompletionItemResult } from "../../src/state-machine/index.js";
import { setup } from "./driver.js";

/** A driver where w1 holds partitions 0..held-1 of a plan of `count`; and their grants. */
function holding(count: number, held: number) {
  const driver = setup(count, ["w1", "w2"], 8);
  const { granted } = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: held });
  const items = granted.map(({ planId, partitionId, fencingToken }) => ({
    planId,
    partitionId,
    fencingToken,
  }));
  return { driver, items };
}

const statuses = (results: readonly CompletionItemResult[]) => results.map((r) => r.status);

describe("CompletePartitions", () => {
  it("completes every item, with its final count; no acquire part without acquireMax", () => {
    const { driver, items } = holding(4, 3);
    const result = driver.ok({
      type: "CompletePartitions",
      workerId: "w1",
      items: items.map((item, k) => ({ ...item, processedCount: 10 + k })),
    });
    expect(statuses(result.results)).toEqual(["ok", "ok", "ok"]);
    expect(result.acquire).toBeNull();
    for (const [k, item] of items.entries()) {
      expect(getPartition(driver.state, "plan", item.partitionId)).toMatchObject({
        status: "completed",
        processedCount: 10 + k,
      });
    }
    expect(getPlan(driver.state, "plan")?.status).toBe("active");
  });

  it("rejects items one by one, in the precedence of CompletePartition, and keeps the rest", () => {
    const { driver, items } = holding(4, 2);
    const [first, second] = items;
    const result = driver.ok({
      type: "CompletePartitions",
      workerId: "w1",
      items: [
        { ...first!, fencingToken: first!.fencingToken + 1 },
        { planId: "plan", partitionId: 3, fencingToken: 1 },
        { planId: "ghost", partitionId: 0, fencingToken: 1 },
        second!,
        second!,
        { ...second!, partitionId: 0, processedCount: 0 },
      ],
    });
    expect(statuses(result.results)).toEqual([
      "stale_fencing_token",
      "not_holder",
      "not_found",
      "ok",
      "not_holder",
      "ok",
    ]);
    expect(result.results[0]).toMatchObject({ planId: "plan", partitionId: first!.partitionId });
    expect(result.results[0]).toHaveProperty("detail");
    expect(getPartition(driver.state, "plan", 0)?.status).toBe("completed");
  });

  it("answers lease_expired per item once the worker's lease ran out, and changes nothing", () => {
    const { driver, items } = holding(2, 2);
    driver.advance(workerLeaseTtlMs);
    const before = getPartition(driver.state, "plan", 0);
    const result = driver.ok({ type: "CompletePartitions", workerId: "w1", items });
    expect(statuses(result.results)).toEqual(["lease_expired", "lease_expired"]);
    expect(getPartition(driver.state, "plan", 0)).toEqual(before);
  });

  it("acquires after completing (the window freed by the batch), under the batch's index", () => {
    const driver = setup(6, ["w1"], 2);
    const { granted } = driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 2 });
    const items = granted.map(({ planId, partitionId, fencingToken }) => ({
      planId,
      partitionId,
      fencingToken,
    }));
    const result = driver.ok({ type: "CompletePartitions", workerId: "w1", items, acquireMax: 5 });
    expect(statuses(result.results)).toEqual(["ok", "ok"]);
    expect(result.acquire?.status).toBe("ok");
    const next = result.acquire?.status === "ok" ? result.acquire.granted : [];
    expect(next.map((g) => g.partitionId)).toEqual([2, 3]);
    expect(next.every((g) => g.fencingToken === driver.index)).toBe(true);
  });

  it("carries the acquire part's rejection, keeping the completions", () => {
    const { driver, items } = holding(3, 1);
    driver.ok({ type: "Heartbeat", workerId: "w1", draining: true });
    const result = driver.ok({ type: "CompletePartitions", workerId: "w1", items, acquireMax: 1 });
    expect(statuses(result.results)).toEqual(["ok"]);
    expect(result.acquire).toMatchObject({ status: "invalid_state" });
  });

  it("with no items and acquireMax, is an acquire", () => {
    const driver = setup(3, ["w1"]);
    const result = driver.ok({
      type: "CompletePartitions",
      workerId: "w1",
      items: [],
      acquireMax: 2,
    });
    expect(result.acquire?.status === "ok" ? result.acquire.granted.length : -1).toBe(2);
  });

  it("completes the plan with its last partition", () => {
    const { driver, items } = holding(2, 2);
    const result = driver.ok({ type: "CompletePartitions", workerId: "w1", items });
    expect(result.results.at(-1)).toMatchObject({ status: "ok", planStatus: "completed" });
  });

  it("leaves the state the single CompletePartition commands leave", () => {
    const batch = holding(5, 4);
    const singles = holding(5, 4);
    const extra = { planId: "plan", partitionId: 4, fencingToken: 1 };
    // The batch lands at the index of the last single, so the last-applied index agrees too.
    batch.driver.index += singles.items.length - 1;
    batch.driver.ok({ type: "CompletePartitions", workerId: "w1", items: [...batch.items, extra] });
    for (const item of singles.items) {
      singles.driver.ok({ type: "CompletePartition", workerId: "w1", ...item });
    }
    expect(stateHash(singles.driver.state)).toBe(stateHash(batch.driver.state));
  });

  it("refuses malformed batches as invalid_request", () => {
    const { driver, items } = holding(2, 1);
    const base = { type: "CompletePartitions", workerId: "w1" };
    driver.rejects({ ...base, items: [] }, "invalid_request");
    driver.rejects({ ...base }, "invalid_request");
    driver.rejects({ ...base, items: [{ ...items[0], workerId: "w1" }] }, "invalid_request");
    driver.rejects({ ...base, items: [{ planId: "plan", partitionId: 0 }] }, "invalid_request");
    driver.rejects({ ...base, items, acquireMax: 0 }, "invalid_request");
    driver.rejects({ ...base, items: Array(1_001).fill(items[0]) }, "invalid_request");
  });
});
