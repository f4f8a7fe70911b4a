// Proves the simulated application is deterministic, detects out-of-order apply, and survives a snapshot round trip.
import { describe, expect, it } from "vitest";
import type { Entry } from "../../src/raft/types.js";
import { KvApp, decodeCommand, encodeCommand } from "./kv-app.js";

const normal = (index: number, key: string, value: string): Entry => ({
  index,
  term: 1,
  type: "Normal",
  data: encodeCommand(key, value),
});
const noop = (index: number): Entry => ({ index, term: 1, type: "NoOp", data: new Uint8Array(0) });

describe("KvApp", () => {
  it("same commands, same order ⇒ same hash; another order ⇒ another hash", () => {
    const a = new KvApp();
    const b = new KvApp();
    const c = new KvApp();
    [noop(1), normal(2, "x", "1"), normal(3, "y", "2")].forEach((e) => a.apply(e));
    [noop(1), normal(2, "x", "1"), normal(3, "y", "2")].forEach((e) => b.apply(e));
    [noop(1), normal(2, "y", "2"), normal(3, "x", "1")].forEach((e) => c.apply(e));
    expect(a.stateHash()).toBe(b.stateHash());
    expect(a.stateHash()).not.toBe(c.stateHash());
    expect(a.get("x")).toBe("1");
    expect(a.appliedIndex).toBe(3);
  });

  it("refuses gaps and garbage", () => {
    const app = new KvApp();
    expect(() => app.apply(normal(2, "x", "1"))).toThrow(/in order/);
    expect(() =>
      app.apply({ index: 1, term: 1, type: "Normal", data: new Uint8Array([1, 2]) }),
    ).toThrow(/not a command/);
  });

  it("restores from a snapshot to the same state and hash", () => {
    const app = new KvApp();
    [normal(1, "x", "1"), noop(2), normal(3, "x", "3")].forEach((e) => app.apply(e));
    const copy = KvApp.restore(app.snapshot(), 3);
    expect(copy.stateHash()).toBe(app.stateHash());
    expect(copy.get("x")).toBe("3");
    app.apply(normal(4, "z", "4"));
    copy.apply(normal(4, "z", "4"));
    expect(copy.stateHash()).toBe(app.stateHash());
    expect(() => KvApp.restore(app.snapshot(), 9)).toThrow(/metadata says 9/);
    expect(KvApp.restore(new Uint8Array(0), 0).appliedIndex).toBe(0);
  });

  it("round-trips commands", () => {
    expect(decodeCommand(encodeCommand("k3", "a=b"))).toEqual({ key: "k3", value: "a=b" });
  });
});
