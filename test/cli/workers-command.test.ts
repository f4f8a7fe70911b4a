// Proves the table `workers` prints: status, held/window, lease end relative to now and the
// worker's meta facts.
import { describe, expect, it } from "vitest";
import { renderWorkerPage } from "../../src/cli/workers-command.js";

describe("renderWorkerPage", () => {
  it("prints one row per worker", () => {
    const text = renderWorkerPage(
      {
        items: [
          {
            workerId: "w1",
            namespace: "default",
            meta: { host: "box", pid: 42 },
            windowSize: 4,
            leaseTtlMs: 10_000,
            registeredAtMs: 0,
            leaseExpiresAtMs: 5_000,
            status: "active",
            held: [{ planId: "p1", partitionId: 0, fencingToken: 9 }],
            plannerOf: [],
          },
        ],
        nextCursor: null,
      },
      8_000,
    );
    const [header, row] = text.split("\n");
    expect(header!.split(/\s{2,}/)).toEqual([
      "WORKER",
      "NAMESPACE",
      "STATUS",
      "HELD",
      "LEASE ENDS",
      "META",
    ]);
    expect(row!.split(/\s{2,}/)).toEqual([
      "w1",
      "default",
      "active",
      "1/4",
      "3 s ago",
      "host=box pid=42",
    ]);
  });

  it("says so when there are none", () => {
    expect(renderWorkerPage({ items: [], nextCursor: null }, 0)).toBe("no workers");
  });
});
