// Proves the checker on hand-made end states: a clean run passes; a stale write accepted, an id
// written twice or never under the final token, a gap, a missing plan, a held partition of a
// dead worker, differing state hashes, two leaders in a term and a non-linearizable history are
// each reported as a violation.
import { describe, expect, it } from "vitest";
import { check, type CheckInput, type FinalPartition } from "./checker.js";
import type { ResourceRecord } from "./resource.js";

const plan = { planId: "p1", minId: 1, maxId: 20, partitionSize: 10 };
const partitions: FinalPartition[] = [
  {
    planId: "p1",
    partitionId: 0,
    minId: 1,
    maxId: 10,
    status: "completed",
    fencingToken: 7,
    workerId: "w1",
  },
  {
    planId: "p1",
    partitionId: 1,
    minId: 11,
    maxId: 20,
    status: "completed",
    fencingToken: 9,
    workerId: "w2",
  },
];

function write(
  partitionId: number,
  token: number,
  firstId: number,
  lastId: number,
  accepted = true,
  highestBefore = token,
): Omit<ResourceRecord, "seq"> {
  return {
    planId: "p1",
    partitionId,
    fencingToken: token,
    firstId,
    lastId,
    workerId: "w",
    accepted,
    highestBefore,
  };
}

function input(
  log: Omit<ResourceRecord, "seq">[],
  overrides: Partial<CheckInput> = {},
): CheckInput {
  return {
    plans: [plan],
    planStatus: new Map([["p1", "completed"]]),
    partitions,
    gaps: new Map([["p1", { gapRanges: 0, complete: true }]]),
    resourceLog: log.map((record, seq) => ({ ...record, seq })),
    heldByDeadWorkers: [],
    hashDisagreement: null,
    membershipDisagreement: null,
    leaderViolations: [],
    linearizability: { verdict: { kind: "linearizable", steps: 1 }, key: null },
    unexpectedNodeExits: [],
    ...overrides,
  };
}

const clean = [
  write(0, 3, 1, 5),
  write(0, 7, 1, 5, true, 3),
  write(0, 3, 6, 10, false, 7),
  write(0, 7, 6, 10),
  write(1, 9, 11, 20),
];

describe("check", () => {
  it("passes a clean run: earlier holders' writes and rejected stale writes are fine", () => {
    const result = check(input(clean));
    expect(result.violations).toEqual([]);
    expect(result).toMatchObject({
      acceptedWrites: 4,
      rejectedStaleWrites: 1,
      duplicates: 0,
      lost: 0,
      gaps: 0,
      partitions: 2,
      linearizable: true,
    });
  });

  it("reports a stale write the store accepted", () => {
    const result = check(input([...clean, write(0, 3, 6, 10, true, 7)]));
    expect(result.staleAccepted).toBe(1);
    expect(result.violations.join()).toMatch(/1 stale writes accepted.*token 3 after 7/);
  });

  it("reports ids written twice and ids never written under the final token", () => {
    const twice = check(input([...clean, write(1, 9, 15, 16)]));
    expect(twice.duplicates).toBe(2);
    const lost = check(input(clean.slice(0, 4)));
    expect(lost.lost).toBe(10);
    expect(lost.violations.join()).toMatch(/gap list is empty but the store misses 10 ids/);
  });

  it("reports gaps, a missing or unfinished plan, and partitions that do not tile", () => {
    expect(
      check(input(clean, { gaps: new Map([["p1", { gapRanges: 1, complete: false }]]) })).gaps,
    ).toBe(1);
    expect(check(input(clean, { planStatus: new Map() })).violations.join()).toMatch(
      /does not exist/,
    );
    expect(
      check(input(clean, { planStatus: new Map([["p1", "active"]]) })).violations.join(),
    ).toMatch(/is active/);
    const holey = check(input(clean, { partitions: [partitions[1]!] }));
    expect(holey.violations.join()).toMatch(/starts at 11, expected 1/);
  });

  it("reports held partitions of dead workers, differing hashes and members, two leaders a term, a node crash", () => {
    const result = check(
      input(clean, {
        heldByDeadWorkers: ["p1/0 (w9)"],
        hashDisagreement: "n1@5=a, n2@5=b",
        membershipDisagreement: "n1: voters n1,n2,n3",
        leaderViolations: [{ term: 4, leaders: ["n1", "n2"] }],
        unexpectedNodeExits: ["n2 at 3.0 s"],
      }),
    );
    expect(result.violations).toHaveLength(5);
    expect(result.violations.join()).toMatch(/membership differs: n1: voters n1,n2,n3/);
  });

  it("reports a non-linearizable history, and an undecided one as not linearizable-true", () => {
    const bad = check(
      input(clean, {
        linearizability: {
          verdict: { kind: "not-linearizable", steps: 3, longestPrefix: [] },
          key: "x/0",
        },
      }),
    );
    expect(bad.linearizable).toBe(false);
    expect(bad.violations.join()).toMatch(/x\/0 is not linearizable/);
    const undecided = check(
      input(clean, {
        linearizability: { verdict: { kind: "unknown", steps: 9, reason: "budget" }, key: "x/0" },
      }),
    );
    expect(undecided.linearizable).toBe("unknown");
  });
});
