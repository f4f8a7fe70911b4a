// Proves a node survives any peer input: fast-check feeds step() random, garbage-but-well-typed
// messages (bad numbers, strangers, non-contiguous entries, torn snapshot chunks) mixed with
// ticks, proposals, reads and Ready handling; the node never throws (only typed refusals from its
// own API), its term and commit index never decrease, and its log positions stay ordered.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CoordinatorError } from "../../../src/errors.js";
import { asNodeId, type NodeId } from "../../../src/util/ids.js";
import { createPrng } from "../../../src/util/prng.js";
import { defaultRaftConfig } from "../../../src/raft/config.js";
import { MemoryStorage } from "../../../src/raft/memory-storage.js";
import { MESSAGE_TYPES, type Message, type MessageType } from "../../../src/raft/messages.js";
import { RawNode } from "../../../src/raft/raw-node.js";
import type { Entry } from "../../../src/raft/types.js";

const self = asNodeId("1");
const voters = [self, asNodeId("2"), asNodeId("3")];

const weird = fc.constantFrom(-1, 0.5, Number.NaN, Infinity, 2 ** 53, Number.MAX_SAFE_INTEGER);
const small = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 12 }) },
  { weight: 1, arbitrary: weird },
);
const peer = fc.constantFrom("2", "3", "2", "3", "9", "1").map(asNodeId);

interface RawFields {
  type: MessageType;
  from: NodeId;
  to: NodeId;
  term: number;
  a: number;
  b: number;
  c: number;
  flag: boolean;
  flag2: boolean;
  terms: number[];
  contiguous: boolean;
  bytes: number;
  /** Numbers are offsets from the node's own term and last index (plausible input). */
  relative: boolean;
}

const rawFields: fc.Arbitrary<RawFields> = fc.record({
  type: fc.constantFrom(...MESSAGE_TYPES),
  from: peer,
  to: fc.constantFrom(self, self, self, asNodeId("2")),
  term: small,
  a: small,
  b: small,
  c: small,
  flag: fc.boolean(),
  flag2: fc.boolean(),
  terms: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
  contiguous: fc.boolean(),
  bytes: fc.integer({ min: 0, max: 6 }),
  relative: fc.boolean(),
});

/** Turns generated numbers into offsets around the node's term and last index (|offset| ≤ 2). */
function resolve(f: RawFields, node: RawNode): RawFields {
  if (!f.relative) return f;
  const { term, lastLogIndex } = node.status();
  const near = (n: number, base: number) =>
    Number.isInteger(n) ? Math.max(0, base + (n % 5) - 2) : n;
  return {
    ...f,
    term: near(f.term, term),
    a: near(f.a, lastLogIndex),
    b: near(f.b, term),
    c: near(f.c, lastLogIndex),
    terms: f.terms.map((t) => near(t, term)),
  };
}

function entriesFrom(f: RawFields): Entry[] {
  const terms = f.contiguous ? [...f.terms].sort((x, y) => x - y) : f.terms;
  return terms.map((term, i) => ({
    index: f.contiguous ? f.a + 1 + i : f.b + i * 2,
    term,
    type: i % 3 === 2 ? "NoOp" : "Normal",
    data: new Uint8Array(f.bytes),
  }));
}

/** A message of `f.type` whose fields come from the generated numbers. */
function messageFrom(f: RawFields): Message {
  const envelope = { from: f.from, to: f.to, term: f.term };
  switch (f.type) {
    case "AppendEntries":
      return {
        ...envelope,
        type: f.type,
        prevLogIndex: f.a,
        prevLogTerm: f.b,
        entries: entriesFrom(f),
        leaderCommit: f.c,
      };
    case "AppendEntriesResponse":
      return {
        ...envelope,
        type: f.type,
        success: f.flag,
        matchIndex: f.a,
        conflictIndex: f.b,
        conflictTerm: f.c,
      };
    case "Heartbeat":
      return { ...envelope, type: f.type, leaderCommit: f.a, readRound: f.b };
    case "HeartbeatResponse":
      return { ...envelope, type: f.type, readRound: f.a };
    case "RequestVote":
      return {
        ...envelope,
        type: f.type,
        lastLogIndex: f.a,
        lastLogTerm: f.b,
        leadershipTransfer: f.flag,
      };
    case "PreVote":
      return { ...envelope, type: f.type, lastLogIndex: f.a, lastLogTerm: f.b };
    case "RequestVoteResponse":
    case "PreVoteResponse":
      return { ...envelope, type: f.type, voteGranted: f.flag };
    case "InstallSnapshot": {
      const data = new Uint8Array(f.bytes);
      const offset = f.contiguous ? 0 : f.c;
      return {
        ...envelope,
        type: f.type,
        lastIncludedIndex: f.a,
        lastIncludedTerm: f.b,
        confState: f.flag2
          ? { voters, learners: [] }
          : { voters: [asNodeId("2")], learners: [self] },
        offset,
        totalBytes: f.flag ? offset + f.bytes : f.bytes * 2,
        data,
        done: f.flag,
      };
    }
    case "InstallSnapshotResponse":
      return {
        ...envelope,
        type: f.type,
        lastIncludedIndex: f.a,
        nextOffset: f.b,
        done: f.flag,
        rejected: f.flag2,
      };
    case "TimeoutNow":
      return { ...envelope, type: f.type };
    case "ReadIndex":
      return { ...envelope, type: f.type, requestId: `r${f.a}` };
    case "ReadIndexResponse":
      return { ...envelope, type: f.type, requestId: `r${f.a}`, index: f.flag ? null : f.b };
  }
}

type Op =
  | { kind: "step"; fields: RawFields }
  | { kind: "tick" | "propose" | "read" | "campaign" | "transfer" | "ready" | "grant" | "ack" };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: rawFields.map((f): Op => ({ kind: "step", fields: f })) },
  { weight: 3, arbitrary: fc.constant<Op>({ kind: "tick" }) },
  { weight: 4, arbitrary: fc.constant<Op>({ kind: "ready" }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<Op>(
      { kind: "propose" },
      { kind: "read" },
      { kind: "campaign" },
      { kind: "transfer" },
    ),
  },
  { weight: 3, arbitrary: fc.constantFrom<Op>({ kind: "grant" }, { kind: "ack" }) },
);

/** What a correct peer would answer now: a granted (pre-)vote, or an acknowledgement of the log. */
function cooperativeAnswer(node: RawNode, kind: "grant" | "ack"): Message {
  const { role, term, lastLogIndex } = node.status();
  const envelope = { from: asNodeId("2"), to: self, term };
  if (kind === "ack") {
    const ack = { success: true, matchIndex: lastLogIndex, conflictIndex: 0, conflictTerm: 0 };
    return { ...envelope, type: "AppendEntriesResponse", ...ack };
  }
  return role === "PreCandidate"
    ? { ...envelope, term: term + 1, type: "PreVoteResponse", voteGranted: true }
    : { ...envelope, type: "RequestVoteResponse", voteGranted: true };
}

/** Handles every Ready the way the application loop does, writing through MemoryStorage. */
function drain(node: RawNode, storage: MemoryStorage): void {
  while (node.hasReady()) {
    const ready = node.ready();
    if (ready.snapshot !== undefined) storage.applySnapshot(ready.snapshot);
    storage.append(ready.entries);
    if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
    node.advance();
  }
}

function apply(node: RawNode, storage: MemoryStorage, o: Op): void {
  switch (o.kind) {
    case "step":
      return node.step(messageFrom(resolve(o.fields, node)));
    case "tick":
      return node.tick();
    case "ready":
      return drain(node, storage);
    case "propose":
      return void node.propose(new Uint8Array([1, 2, 3]));
    case "read":
      return node.readIndex("local");
    case "campaign":
      return node.campaign();
    case "transfer":
      return node.transferLeadership(asNodeId("2"));
    case "grant":
    case "ack":
      return node.step(cooperativeAnswer(node, o.kind));
  }
}

describe("RawNode under arbitrary peer input", () => {
  it("never throws on peer input, and term and commit never decrease", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 120 }), fc.integer(), (ops, seed) => {
        const storage = new MemoryStorage({ confState: { voters, learners: [] } });
        const node = new RawNode({
          ...defaultRaftConfig(self, storage, createPrng(seed)),
          electionTimeoutTicks: 3,
          heartbeatIntervalTicks: 1,
        });
        let { term, commitIndex } = node.status();
        for (const o of ops) {
          try {
            apply(node, storage, o);
          } catch (error) {
            // Only the node's own API may refuse, and only with a typed catalogue error.
            if (!(error instanceof CoordinatorError) || o.kind === "step") throw error;
          }
          const status = node.status();
          expect(status.term).toBeGreaterThanOrEqual(term);
          expect(status.commitIndex).toBeGreaterThanOrEqual(commitIndex);
          expect(status.lastApplied).toBeLessThanOrEqual(status.commitIndex);
          expect(status.commitIndex).toBeLessThanOrEqual(status.lastLogIndex);
          ({ term, commitIndex } = status);
        }
        drain(node, storage);
      }),
      // RAFT_FUZZ_RUNS lowers it where each run is repeated many times (mutation testing).
      { numRuns: Number(process.env["RAFT_FUZZ_RUNS"] ?? 300) },
    );
  });
});
