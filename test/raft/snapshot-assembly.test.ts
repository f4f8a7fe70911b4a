// Proves in-order snapshot chunk assembly: chunks in order complete the snapshot byte for byte,
// duplicates are acknowledged again, and gaps or chunks of another transfer reject it.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import type { InstallSnapshot } from "../../src/raft/messages.js";
import { SnapshotAssembly } from "../../src/raft/snapshot-assembly.js";

const data = Uint8Array.from({ length: 25 }, (_, i) => i);

function chunk(
  offset: number,
  length: number,
  overrides: Partial<InstallSnapshot> = {},
): InstallSnapshot {
  const end = Math.min(offset + length, data.byteLength);
  return {
    type: "InstallSnapshot",
    from: asNodeId("1"),
    to: asNodeId("2"),
    term: 3,
    lastIncludedIndex: 40,
    lastIncludedTerm: 2,
    confState: { voters: [asNodeId("1"), asNodeId("2")], learners: [] },
    offset,
    totalBytes: data.byteLength,
    data: data.subarray(offset, end),
    done: end === data.byteLength,
    ...overrides,
  };
}

describe("SnapshotAssembly", () => {
  it("assembles chunks sent in order into the whole snapshot", () => {
    const s = new SnapshotAssembly();
    expect(s.accept(chunk(0, 10))).toEqual({ kind: "progress", nextOffset: 10 });
    expect(s.accept(chunk(10, 10))).toEqual({ kind: "progress", nextOffset: 20 });
    const last = s.accept(chunk(20, 10));
    expect(last.kind).toBe("complete");
    if (last.kind !== "complete") return;
    expect(last.snapshot.data).toEqual(data);
    expect(last.snapshot.metadata).toEqual({
      index: 40,
      term: 2,
      confState: { voters: ["1", "2"], learners: [] },
    });
    expect(s.receivedBytes()).toBe(0);
  });

  it("acknowledges a duplicate chunk again without losing progress", () => {
    const s = new SnapshotAssembly();
    s.accept(chunk(0, 10));
    s.accept(chunk(10, 10));
    expect(s.accept(chunk(0, 10))).toEqual({ kind: "progress", nextOffset: 20 });
    expect(s.accept(chunk(10, 10))).toEqual({ kind: "progress", nextOffset: 20 });
    expect(s.accept(chunk(20, 10)).kind).toBe("complete");
  });

  it("rejects a gap and a chunk of another transfer, dropping what it held", () => {
    const s = new SnapshotAssembly();
    s.accept(chunk(0, 10));
    expect(s.accept(chunk(20, 10))).toEqual({ kind: "rejected" });
    expect(s.receivedBytes()).toBe(0);
    s.accept(chunk(0, 10));
    expect(s.accept(chunk(10, 10, { term: 4 }))).toEqual({ kind: "rejected" });
    expect(s.accept(chunk(10, 10))).toEqual({ kind: "rejected" }); // nothing held any more
  });

  it("a new first chunk restarts the transfer; an empty snapshot completes at once", () => {
    const s = new SnapshotAssembly();
    s.accept(chunk(0, 10, { lastIncludedIndex: 30 }));
    expect(s.accept(chunk(0, 10))).toEqual({ kind: "progress", nextOffset: 10 });
    const empty = s.accept(chunk(0, 0, { totalBytes: 0, data: new Uint8Array(), done: true }));
    expect(empty.kind === "complete" && empty.snapshot.data.byteLength).toBe(0);
  });
});
