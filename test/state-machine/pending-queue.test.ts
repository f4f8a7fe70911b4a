// Proves the pending queue against a naive scan: it always hands out the lowest-numbered pending
// partition whose backoff has passed, and says truly when the next one is due, with the clock
// only moving forward.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PENDING, PartitionTable } from "../../src/state-machine/partition-table.js";
import { PendingQueue } from "../../src/state-machine/pending-queue.js";

describe("PendingQueue", () => {
  it("takes the lowest grantable partition id, like a scan of the table", () => {
    const step = fc.record({
      take: fc.boolean(),
      pick: fc.nat(),
      delayMs: fc.constantFrom(0, 0, 5, 20),
      dtMs: fc.nat(10),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(step, { maxLength: 100 }),
        (count, steps) => {
          const table = new PartitionTable(
            { minId: 0, maxId: count - 1, partitionSize: 1 },
            count,
            0,
          );
          const queue = new PendingQueue(table);
          const taken: number[] = [];
          let nowMs = 0;
          for (const { take, pick, delayMs, dtMs } of steps) {
            nowMs += dtMs;
            const pending = [...Array(count).keys()].filter((i) => table.status[i] === PENDING);
            const due = queue.dueAtMs();
            expect(due === null).toBe(pending.length === 0);
            const grantableNow = pending.some((i) => (table.notBeforeMs[i] ?? 0) <= nowMs);
            expect(due !== null && due <= nowMs).toBe(grantableNow);
            if (due !== null && due > nowMs) {
              expect(due).toBe(Math.min(...pending.map((i) => table.notBeforeMs[i] ?? 0)));
            }
            if (take || taken.length === 0) {
              const expected = [...Array(count).keys()].find(
                (i) => table.status[i] === PENDING && (table.notBeforeMs[i] ?? 0) <= nowMs,
              );
              const got = queue.take(nowMs);
              expect(got).toBe(expected);
              if (got !== undefined) {
                table.status[got] = 1;
                table.notBeforeMs[got] = 0;
                taken.push(got);
              }
            } else {
              const [back] = taken.splice(pick % taken.length, 1);
              table.status[back!] = PENDING;
              table.notBeforeMs[back!] = delayMs === 0 ? 0 : nowMs + delayMs;
              queue.add(back!, nowMs);
            }
          }
        },
      ),
    );
  });
});
