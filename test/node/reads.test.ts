// Proves linearizable reads are batched into one ReadIndex request per loop turn, served only
// once the state machine has applied their read index (thesis §6.4), failed with no_leader when
// the core refuses them, and that a throwing query answers only its own caller.
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Pending } from "../../src/node/pending.js";
import { ReadBatcher, pendingRead } from "../../src/node/reads.js";
import { createState, type CoordinatorState } from "../../src/state-machine/index.js";

function read<T>(query: (s: CoordinatorState) => T, timeoutMs = 10_000) {
  const pending = new Pending<T>(
    REAL_TIMERS,
    timeoutMs,
    () => new CoordinatorError("proposal_timeout"),
  );
  return { pending, read: pendingRead(query, pending) };
}

const state = createState();

describe("ReadBatcher", () => {
  it("asks one ReadIndex for every read queued since the last turn", () => {
    const batcher = new ReadBatcher("n1.x");
    expect(batcher.takeBatch()).toBeNull();
    batcher.enqueue(read(() => 1).read);
    batcher.enqueue(read(() => 2).read);
    expect(batcher.hasQueued()).toBe(true);
    expect(batcher.takeBatch()).toBe("n1.x.0");
    expect(batcher.hasQueued()).toBe(false);
    batcher.enqueue(read(() => 3).read);
    expect(batcher.takeBatch()).toBe("n1.x.1");
    expect(batcher.size).toBe(3);
  });

  it("serves a batch only once the applied index reaches its read index", async () => {
    const batcher = new ReadBatcher("n1");
    const a = read(() => "a");
    const b = read(() => "b");
    batcher.enqueue(a.read);
    batcher.enqueue(b.read);
    const requestId = batcher.takeBatch()!;
    batcher.onReadStates([{ requestId, index: 7 }], 5, state);
    batcher.onApplied(6, state);
    expect(a.pending.settled).toBe(false);
    batcher.onApplied(7, state);
    expect(await Promise.all([a.pending.promise, b.pending.promise])).toEqual(["a", "b"]);
    expect(batcher.size).toBe(0);
  });

  it("serves at once when the read index is already applied; ignores unknown answers", async () => {
    const batcher = new ReadBatcher("n1");
    const a = read((s) => s === state);
    batcher.enqueue(a.read);
    const requestId = batcher.takeBatch()!;
    batcher.onReadStates([{ requestId: "other", index: 1 }], 3, state);
    expect(a.pending.settled).toBe(false);
    batcher.onReadStates([{ requestId, index: 3 }], 3, state);
    expect(await a.pending.promise).toBe(true);
  });

  it("fails a refused batch with no_leader and says why", async () => {
    const batcher = new ReadBatcher("n1");
    const a = read(() => 1);
    batcher.enqueue(a.read);
    const requestId = batcher.takeBatch()!;
    batcher.onFailures([{ requestId, reason: "stepped_down" }]);
    const error = (await a.pending.promise.catch((e: unknown) => e)) as CoordinatorError;
    expect(error.code).toBe("no_leader");
    expect(error.details).toEqual({ reason: "stepped_down" });
  });

  it("a query that throws rejects its own read only", async () => {
    const batcher = new ReadBatcher("n1");
    const bad = read(() => {
      throw new TypeError("bad query");
    });
    const good = read(() => "fine");
    batcher.enqueue(bad.read);
    batcher.enqueue(good.read);
    batcher.onReadStates([{ requestId: batcher.takeBatch()!, index: 0 }], 0, state);
    await expect(bad.pending.promise).rejects.toThrow("bad query");
    expect(await good.pending.promise).toBe("fine");
  });

  it("ignores the late answer of a request whose reads all timed out", async () => {
    const batcher = new ReadBatcher("n1");
    const a = read(() => 1, 1);
    batcher.enqueue(a.read);
    const lost = batcher.takeBatch()!;
    const error = (await a.pending.promise.catch((e: unknown) => e)) as CoordinatorError;
    expect(error.code).toBe("proposal_timeout");
    expect(batcher.size).toBe(0);
    const b = read(() => 2);
    batcher.enqueue(b.read);
    batcher.takeBatch();
    batcher.onReadStates([{ requestId: lost, index: 0 }], 0, state);
    expect(b.pending.settled).toBe(false);
    expect(batcher.size).toBe(1);
  });

  it("failAll answers queued, asked and waiting reads", async () => {
    const batcher = new ReadBatcher("n1");
    const waiting = read(() => 1);
    batcher.enqueue(waiting.read);
    batcher.onReadStates([{ requestId: batcher.takeBatch()!, index: 9 }], 0, state);
    const asked = read(() => 2);
    batcher.enqueue(asked.read);
    batcher.takeBatch();
    const queued = read(() => 3);
    batcher.enqueue(queued.read);
    batcher.failAll(new CoordinatorError("node_stopping"));
    const codes = await Promise.all(
      [waiting, asked, queued].map((r) => r.pending.promise.catch((e: CoordinatorError) => e.code)),
    );
    expect(codes).toEqual(["node_stopping", "node_stopping", "node_stopping"]);
  });
});
