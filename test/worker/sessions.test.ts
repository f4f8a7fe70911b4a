// Proves a worker's channels get their own client ids and that seqs never repeat — not even
// for a partition channel opened twice within one millisecond of a clock that stands still.
import { describe, expect, it } from "vitest";
import { WorkerSessions } from "../../src/worker/sessions.js";

describe("WorkerSessions", () => {
  it("names channels after the worker and keeps each one increasing", () => {
    const sessions = new WorkerSessions("w1", () => 1_000);
    const a = sessions.next("hb");
    const b = sessions.next("hb");
    expect(a.clientId).toBe("w1/hb");
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(sessions.next("acq").clientId).toBe("w1/acq");
  });

  it("a partition channel opened again never reuses a seq", () => {
    const sessions = new WorkerSessions("w1", () => 1_000);
    const first = sessions.forPartition("plan", 3);
    const used = [first.next().seq, first.next().seq];
    const again = sessions.forPartition("plan", 3);
    expect(again.clientId).toBe("w1/p/plan/3");
    expect(again.next().seq).toBeGreaterThan(Math.max(...used));
  });
});
