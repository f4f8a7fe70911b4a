// Proves a Pending settles exactly once — by the loop or by its deadline — and reports how.
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Pending, type Settlement } from "../../src/node/pending.js";

describe("Pending", () => {
  it("settles once with the first answer and reports it", async () => {
    const seen: Settlement<number>[] = [];
    const pending = new Pending<number>(
      REAL_TIMERS,
      5_000,
      () => new CoordinatorError("proposal_timeout"),
      (s) => seen.push(s),
    );
    pending.resolve(1);
    pending.resolve(2);
    pending.reject(new Error("late"));
    expect(await pending.promise).toBe(1);
    expect(pending.settled).toBe(true);
    expect(seen).toEqual([{ ok: true, value: 1 }]);
  });

  it("rejects with the timeout error at its deadline", async () => {
    const seen: Settlement<number>[] = [];
    const pending = new Pending<number>(
      REAL_TIMERS,
      5,
      () => new CoordinatorError("proposal_timeout", "too slow"),
      (s) => seen.push(s),
    );
    await expect(pending.promise).rejects.toThrow("too slow");
    pending.resolve(3);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.ok).toBe(false);
  });
});
