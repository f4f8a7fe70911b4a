// Proves the worker's completion batcher: completions within the coalescing window go in one
// CompletePartitions call (a full batch at once), each item's answer settles that item's promise
// alone (a refusal rejects with the item's own code), one batch is in flight at a time, and a
// failed call is retried with the same session while the lease is proven.
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { CompletionBatcher } from "../../src/worker/completion-batcher.js";
import type { CompletionItem } from "../../src/worker/completion-batcher.js";
import type { ClientSession } from "../../src/worker/sequencer.js";
import { FakeClock, settle } from "./fake-clock.js";

type Call = { items: readonly CompletionItem[]; session: ClientSession };

function harness(answer: (call: Call) => Promise<unknown>, leaseProven = () => true) {
  const clock = new FakeClock();
  const calls: Call[] = [];
  let seq = 0;
  const batcher = new CompletionBatcher({
    client: {
      completePartitions: async (_workerId, body, options) => {
        const call = { items: body.items, session: options!.session! };
        calls.push(call);
        return (await answer(call)) as never;
      },
    },
    workerId: "w1",
    clock,
    nextSession: () => ({ clientId: "w1/done", seq: ++seq }),
    leaseProven,
    backoff: async () => {},
    coalesceMs: 2,
    batchMax: 3,
  });
  return { clock, calls, batcher };
}

const item = (partitionId: number): CompletionItem => ({
  planId: "p",
  partitionId,
  fencingToken: 7,
});

const allOk = async ({ items }: Call) => ({
  workerId: "w1",
  results: items.map((i) => ({ status: "ok", ...i, planStatus: "active" })),
  acquire: null,
  duplicate: false,
});

describe("CompletionBatcher", () => {
  it("sends completions of one window in one call, and a full batch at once", async () => {
    const { clock, calls, batcher } = harness(allOk);
    const first = [batcher.complete(item(0)), batcher.complete(item(1))];
    await settle();
    expect(calls).toHaveLength(0);
    await clock.advance(2);
    await Promise.all(first);
    expect(calls.map((c) => c.items.map((i) => i.partitionId))).toEqual([[0, 1]]);
    const full = [0, 1, 2].map((n) => batcher.complete(item(10 + n)));
    await Promise.all(full);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.items).toHaveLength(3);
  });

  it("settles each item with its own answer", async () => {
    const { clock, batcher } = harness(async ({ items }) => ({
      workerId: "w1",
      results: items.map((i) =>
        i.partitionId === 1
          ? { status: "stale_fencing_token", ...i, detail: "newer token" }
          : { status: "ok", ...i, planStatus: "active" },
      ),
      acquire: null,
      duplicate: false,
    }));
    const outcomes = [0, 1, 2].map((n) =>
      batcher.complete(item(n)).then(
        () => "ok",
        (e) => e,
      ),
    );
    await clock.advance(2);
    const [a, b, c] = await Promise.all(outcomes);
    expect(a).toBe("ok");
    expect(c).toBe("ok");
    expect(b).toBeInstanceOf(CoordinatorError);
    expect((b as CoordinatorError).code).toBe("stale_fencing_token");
  });

  it("keeps one batch in flight; what arrives meanwhile forms the next", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { clock, calls, batcher } = harness(async (call) => (await gate, allOk(call)));
    const first = batcher.complete(item(0));
    await clock.advance(2);
    await settle();
    const later = [batcher.complete(item(1)), batcher.complete(item(2))];
    await clock.advance(5);
    await settle();
    expect(calls).toHaveLength(1);
    release();
    await Promise.all([first, ...later]);
    expect(calls.map((c) => c.items.map((i) => i.partitionId))).toEqual([[0], [1, 2]]);
  });

  it("retries a failed call with the same session, and gives up without a proven lease", async () => {
    let failures = 1;
    const { clock, calls, batcher } = harness(async (call) => {
      if (failures-- > 0) throw new CoordinatorError("not_leader", "elsewhere");
      return allOk(call);
    });
    const done = batcher.complete(item(0));
    await clock.advance(2);
    await done;
    expect(calls).toHaveLength(2);
    expect(calls[1]!.session).toEqual(calls[0]!.session);

    let proven = true;
    const lost = harness(
      async () => {
        proven = false;
        throw new CoordinatorError("not_leader", "elsewhere");
      },
      () => proven,
    );
    const dropped = lost.batcher.complete(item(0)).catch((e: CoordinatorError) => e.code);
    await lost.clock.advance(2);
    expect(await dropped).toBe("not_leader");
    expect(lost.calls).toHaveLength(1);
  });
});
