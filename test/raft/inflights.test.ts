// Proves the inflight window: it fills by message count or by bytes, frees acknowledged messages
// in order, and can free one stuck message.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InvariantViolation } from "../../src/util/assert.js";
import { Inflights } from "../../src/raft/inflights.js";

describe("Inflights", () => {
  it("is full at messagesMax messages", () => {
    const w = new Inflights(3, 1_000);
    w.add(1, 10);
    w.add(2, 10);
    expect(w.full()).toBe(false);
    w.add(5, 10);
    expect([w.full(), w.count, w.bytes]).toEqual([true, 3, 30]);
    expect(() => w.add(6, 1)).toThrow(InvariantViolation);
  });

  it("is full once bytesMax bytes are in flight (one message may overshoot)", () => {
    const w = new Inflights(100, 50);
    w.add(1, 40);
    expect(w.full()).toBe(false);
    w.add(2, 40);
    expect([w.full(), w.bytes]).toEqual([true, 80]);
  });

  it("freeLE frees every message up to an acknowledged index, wrapping around the ring", () => {
    const w = new Inflights(3, 1_000);
    w.add(1, 1);
    w.add(2, 2);
    w.add(3, 4);
    w.freeLE(2);
    expect([w.count, w.bytes]).toEqual([1, 4]);
    w.add(4, 8);
    w.add(5, 16); // wraps
    w.freeLE(4);
    expect([w.count, w.bytes]).toEqual([1, 16]);
    w.freeLE(100);
    expect([w.count, w.bytes]).toEqual([0, 0]);
  });

  it("freeFirstOne frees the oldest; reset forgets all; indexes must increase", () => {
    const w = new Inflights(4, 1_000);
    w.add(3, 1);
    w.add(7, 1);
    w.freeFirstOne();
    expect(w.count).toBe(1);
    expect(() => w.add(7, 1)).toThrow(InvariantViolation);
    w.reset();
    expect([w.count, w.bytes, w.full()]).toEqual([0, 0, false]);
  });

  it("matches a plain array model under random adds and frees", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.nat(20).map((n) => ({ add: n })),
            fc.nat(200).map((n) => ({ free: n })),
          ),
        ),
        (ops) => {
          const w = new Inflights(5, 100);
          let model: { index: number; bytes: number }[] = [];
          let next = 1;
          for (const op of ops) {
            if ("add" in op) {
              if (w.full()) continue;
              w.add(next, op.add);
              model.push({ index: next, bytes: op.add });
              next += 1 + (op.add % 3);
            } else {
              w.freeLE(op.free);
              model = model.filter((m) => m.index > op.free);
            }
            const bytes = model.reduce((sum, m) => sum + m.bytes, 0);
            if (w.count !== model.length || w.bytes !== bytes) return false;
            if (w.full() !== (model.length >= 5 || bytes >= 100)) return false;
          }
          return true;
        },
      ),
    );
  });
});

describe("Inflights preconditions and edges", () => {
  it("refuses a window that could hold no message, by count or by bytes", () => {
    for (const [messages, bytes] of [
      [0, 1],
      [1, 0],
      [0, 0],
    ] as const) {
      expect(() => new Inflights(messages, bytes)).toThrow(/holds at least one message/);
    }
    expect(new Inflights(1, 1).full()).toBe(false);
  });

  it("is full once the bytes in flight reach bytesMax exactly", () => {
    const w = new Inflights(10, 100);
    w.add(1, 99);
    expect(w.full()).toBe(false);
    w.add(2, 1);
    expect(w.full()).toBe(true);
  });

  it("refuses to add to a full window or out of order, saying which", () => {
    const w = new Inflights(2, 1_000);
    w.add(5, 1);
    expect(() => w.add(5, 1)).toThrow(/inflight index 5 does not follow 5/);
    w.add(6, 1);
    expect(() => w.add(7, 1)).toThrow(/cannot add to a full inflight window/);
  });

  it("freeing one message of an empty window changes nothing", () => {
    const w = new Inflights(2, 1_000);
    w.freeFirstOne();
    expect([w.count, w.bytes, w.full()]).toEqual([0, 0, false]);
    w.add(1, 3);
    w.add(2, 4);
    expect([w.count, w.bytes, w.full()]).toEqual([2, 7, true]);
  });
});
