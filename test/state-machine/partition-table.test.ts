// Proves the columnar partition table: static ranges are computed exactly (the last partition
// takes the remainder), open-ended tables grow while keeping their columns, and the partition
// containing an id is found for both kinds.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PartitionTable } from "../../src/state-machine/partition-table.js";

describe("PartitionTable", () => {
  it("computes static ranges that tile minId..maxId", () => {
    fc.assert(
      fc.property(
        fc.nat(1_000),
        fc.nat(500),
        fc.integer({ min: 1, max: 40 }),
        (minId, span, size) => {
          const maxId = minId + span;
          const count = Math.floor(span / size) + 1;
          const table = new PartitionTable({ minId, maxId, partitionSize: size }, count, 0);
          let next = minId;
          for (let i = 0; i < count; i++) {
            expect(table.minIdOf(i)).toBe(next);
            expect(table.indexContaining(table.minIdOf(i))).toBe(i);
            expect(table.indexContaining(table.maxIdOf(i))).toBe(i);
            next = table.maxIdOf(i) + 1;
          }
          expect(next).toBe(maxId + 1);
          expect(table.indexContaining(maxId + 1)).toBe(-1);
          expect(table.indexContaining(minId - 1)).toBe(-1);
        },
      ),
    );
  });

  it("grows an open-ended table, keeping what its columns held", () => {
    const table = new PartitionTable(null, 0, 5);
    const ranges = Array.from({ length: 40 }, (_, k) => ({ minId: k * 3, maxId: k * 3 + 2 }));
    table.append(ranges.slice(0, 10), 7);
    table.fencingToken[3] = 42;
    table.holder[4] = 1;
    table.append(ranges.slice(10), 8);
    expect(table.count).toBe(40);
    expect(table.fencingToken[3]).toBe(42);
    expect(table.holder[4]).toBe(1);
    expect(table.holder[39]).toBe(-1);
    expect(table.checkpointId[39]).toBe(-1);
    expect([table.updatedAtMs[0], table.updatedAtMs[39]]).toEqual([7, 8]);
    expect([table.minIdOf(39), table.maxIdOf(39)]).toEqual([117, 119]);
    expect(table.indexContaining(61)).toBe(20);
    expect(table.indexContaining(120)).toBe(-1);
  });
});
