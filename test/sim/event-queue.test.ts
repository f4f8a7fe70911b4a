// Proves the event queue pops events in (time, scheduling order) order, so a run is deterministic.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue.js";

describe("EventQueue", () => {
  it("pops by time and breaks ties by insertion order", () => {
    const queue = new EventQueue<string>();
    queue.push(5, "c");
    queue.push(1, "a");
    queue.push(5, "d");
    queue.push(3, "b");
    queue.push(1, "a2");
    const order: string[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) order.push(e.event);
    expect(order).toEqual(["a", "a2", "b", "c", "d"]);
    expect(queue.size).toBe(0);
  });

  it("matches a stable sort of any schedule", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((t, i) => queue.push(t, i));
        const popped: number[] = [];
        for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e.event);
        const expected = times
          .map((t, i) => ({ t, i }))
          .sort((a, b) => a.t - b.t || a.i - b.i)
          .map((x) => x.i);
        expect(popped).toEqual(expected);
      }),
    );
  });

  it("reports the next due time and refuses a negative time", () => {
    const queue = new EventQueue<number>();
    expect(queue.peekTimeMs()).toBeUndefined();
    queue.push(7, 1);
    queue.push(2, 2);
    expect(queue.peekTimeMs()).toBe(2);
    expect(() => queue.push(-1, 3)).toThrow(/≥ 0/);
  });
});
