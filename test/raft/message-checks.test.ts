// Proves the peer-input check accepts every well-formed message and rejects malformed numbers,
// non-contiguous or out-of-term entries, inconsistent snapshot chunks and unknown types.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import { isWellFormedMessage } from "../../src/raft/message-checks.js";
import type { AppendEntries, InstallSnapshot, Message } from "../../src/raft/messages.js";
import { entriesOf } from "./harness.js";

const envelope = { from: asNodeId("1"), to: asNodeId("2"), term: 3 };
const append: AppendEntries = {
  ...envelope,
  type: "AppendEntries",
  prevLogIndex: 4,
  prevLogTerm: 2,
  entries: entriesOf([5, 2], [6, 3]),
  leaderCommit: 4,
};
const chunk: InstallSnapshot = {
  ...envelope,
  type: "InstallSnapshot",
  lastIncludedIndex: 9,
  lastIncludedTerm: 2,
  confState: { voters: [asNodeId("1")], learners: [] },
  offset: 10,
  totalBytes: 15,
  data: new Uint8Array(5),
  done: true,
};

describe("isWellFormedMessage", () => {
  it("accepts well-formed messages of every type", () => {
    const messages: Message[] = [
      append,
      {
        ...envelope,
        type: "AppendEntriesResponse",
        success: false,
        matchIndex: 4,
        conflictIndex: 2,
        conflictTerm: 1,
      },
      { ...envelope, type: "Heartbeat", leaderCommit: 3, readRound: 0 },
      { ...envelope, type: "HeartbeatResponse", readRound: 7 },
      {
        ...envelope,
        type: "RequestVote",
        lastLogIndex: 5,
        lastLogTerm: 2,
        leadershipTransfer: true,
      },
      { ...envelope, type: "RequestVoteResponse", voteGranted: false },
      { ...envelope, type: "PreVote", lastLogIndex: 0, lastLogTerm: 0 },
      { ...envelope, type: "PreVoteResponse", voteGranted: true },
      chunk,
      {
        ...envelope,
        type: "InstallSnapshotResponse",
        lastIncludedIndex: 9,
        nextOffset: 0,
        done: false,
        rejected: true,
      },
      { ...envelope, type: "TimeoutNow" },
      { ...envelope, type: "ReadIndex", requestId: "r" },
      { ...envelope, type: "ReadIndexResponse", requestId: "r", index: null },
    ];
    for (const m of messages) expect(isWellFormedMessage(m), m.type).toBe(true);
  });

  it("rejects bad numbers anywhere", () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, Number.MAX_SAFE_INTEGER]) {
      expect(isWellFormedMessage({ ...append, term: bad })).toBe(false);
      expect(isWellFormedMessage({ ...append, prevLogIndex: bad })).toBe(false);
      expect(isWellFormedMessage({ ...envelope, type: "HeartbeatResponse", readRound: bad })).toBe(
        false,
      );
    }
  });

  it("rejects entries that do not continue prevLogIndex in order and within the term", () => {
    expect(isWellFormedMessage({ ...append, entries: entriesOf([6, 2]) })).toBe(false); // gap
    expect(isWellFormedMessage({ ...append, entries: entriesOf([5, 3], [6, 2]) })).toBe(false); // terms fall
    expect(isWellFormedMessage({ ...append, entries: entriesOf([5, 4]) })).toBe(false); // after m.term
    expect(isWellFormedMessage({ ...append, entries: entriesOf([5, 1]) })).toBe(false); // before prevLogTerm
    expect(isWellFormedMessage({ ...append, prevLogTerm: 4 })).toBe(false);
  });

  it("rejects snapshot chunks whose offset, size and done flag disagree", () => {
    expect(isWellFormedMessage({ ...chunk, done: false })).toBe(false);
    expect(isWellFormedMessage({ ...chunk, totalBytes: 12 })).toBe(false);
    expect(isWellFormedMessage({ ...chunk, lastIncludedTerm: 4 })).toBe(false);
    expect(isWellFormedMessage({ ...chunk, lastIncludedIndex: 0 })).toBe(false);
  });

  it("rejects unknown types and non-string ids without throwing", () => {
    expect(isWellFormedMessage({ ...envelope, type: "Gossip" } as unknown as Message)).toBe(false);
    expect(isWellFormedMessage({ ...append, from: 7 } as unknown as Message)).toBe(false);
    expect(isWellFormedMessage(null as unknown as Message)).toBe(false);
  });
});
