// Proves the indexed min-heap against a sorted array: pops come out in order through any mix of
// pushes, pops, re-keyings and removals, and the position listener always tells the truth.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MinHeap } from "../../src/state-machine/min-heap.js";

interface Item {
  readonly id: number;
  key: number;
  position: number;
}

const op = fc.oneof(
  fc.record({ kind: fc.constant("push" as const), key: fc.integer({ min: 0, max: 20 }) }),
  fc.record({ kind: fc.constant("pop" as const) }),
  fc.record({
    kind: fc.constant("rekey" as const),
    pick: fc.nat(),
    key: fc.integer({ min: 0, max: 20 }),
  }),
  fc.record({ kind: fc.constant("remove" as const), pick: fc.nat() }),
);

describe("MinHeap", () => {
  it("agrees with a sorted array, and positions are exact", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const before = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.id < b.id);
        const heap = new MinHeap<Item>(before, (item, position) => (item.position = position));
        let model: Item[] = [];
        let nextId = 0;
        for (const step of ops) {
          if (step.kind === "push") {
            const item = { id: nextId++, key: step.key, position: -1 };
            heap.push(item);
            model.push(item);
          } else if (step.kind === "pop") {
            const expected = [...model].sort((a, b) => (before(a, b) ? -1 : 1))[0];
            expect(heap.pop()).toBe(expected);
            model = model.filter((item) => item !== expected);
            if (expected) expect(expected.position).toBe(-1);
          } else if (model.length > 0) {
            const item = model[step.pick % model.length]!;
            if (step.kind === "rekey") {
              item.key = step.key;
              heap.update(item.position);
            } else {
              heap.removeAt(item.position);
              expect(item.position).toBe(-1);
              model = model.filter((other) => other !== item);
            }
          }
          expect(heap.size).toBe(model.length);
          for (const item of model) expect(item.position).toBeGreaterThanOrEqual(0);
          expect(heap.peek()).toBe([...model].sort((a, b) => (before(a, b) ? -1 : 1))[0]);
        }
      }),
    );
  });
});
