// Proves the describe* printers print messages, entries, Ready and status in the agreed one-line
// shapes that transcripts and logs rely on.
import { describe, expect, it } from "vitest";
import { asNodeId } from "../../src/util/ids.js";
import {
  describeEntry,
  describeMessage,
  describeReady,
  describeStatus,
} from "../../src/raft/describe.js";
import type { Ready } from "../../src/raft/ready.js";
import { entriesOf } from "./harness.js";

const envelope = { from: asNodeId("1"), to: asNodeId("2"), term: 2 };

describe("describe*", () => {
  it("prints an entry as index/term type size, a Config entry with its members", () => {
    expect(describeEntry({ index: 6, term: 2, type: "Normal", data: new Uint8Array(12) })).toBe(
      "6/2 Normal 12B",
    );
    const config = {
      voters: ["1", "2"].map(asNodeId),
      learners: [asNodeId("4")],
      removed: [asNodeId("3")],
    };
    expect(
      describeEntry({ index: 7, term: 2, type: "Config", data: new Uint8Array(0), config }),
    ).toBe("7/2 Config voters=[1 2] learners=[4] removed=[3]");
  });

  it("prints messages the way a person reads them", () => {
    const append = {
      ...envelope,
      type: "AppendEntries" as const,
      prevLogIndex: 5,
      prevLogTerm: 1,
      leaderCommit: 5,
    };
    expect(describeMessage({ ...append, entries: entriesOf([6, 2]) })).toBe(
      "1->2 AppendEntries term=2 prev=5/1 entries=[6/2] commit=5",
    );
    expect(describeMessage({ ...append, entries: entriesOf([6, 2], [7, 2], [8, 2], [9, 2]) })).toBe(
      "1->2 AppendEntries term=2 prev=5/1 entries=[6/2..9/2 (4)] commit=5",
    );
    expect(
      describeMessage({
        ...envelope,
        type: "AppendEntriesResponse",
        success: false,
        matchIndex: 9,
        conflictIndex: 7,
        conflictTerm: 1,
      }),
    ).toBe("1->2 AppendEntriesResponse term=2 reject prev=9 hint=7/1");
    expect(
      describeMessage({
        ...envelope,
        type: "InstallSnapshot",
        lastIncludedIndex: 9,
        lastIncludedTerm: 2,
        confState: { voters: [], learners: [] },
        offset: 0,
        totalBytes: 4,
        data: new Uint8Array(4),
        done: true,
      }),
    ).toBe("1->2 InstallSnapshot term=2 snap=9/2 chunk=[0,4)/4 done");
    expect(describeMessage({ ...envelope, type: "TimeoutNow" })).toBe("1->2 TimeoutNow term=2");
    expect(
      describeMessage({ ...envelope, type: "ReadIndexResponse", requestId: "q", index: null }),
    ).toBe("1->2 ReadIndexResponse term=2 req=q index=none");
  });

  it("prints a Ready section by section, leaving empty ones out", () => {
    const ready: Ready = {
      softState: { role: "Leader", leaderId: asNodeId("1") },
      hardState: { term: 2, vote: asNodeId("1"), commit: 5 },
      entries: entriesOf([6, 2]),
      messages: [{ ...envelope, type: "Heartbeat", leaderCommit: 5, readRound: 1 }],
      committedEntries: [],
      readStates: [{ requestId: "r", index: 5 }],
      readIndexFailures: [{ requestId: "s", reason: "no_leader" }],
      mustSync: true,
    };
    expect(describeReady(ready).split("\n")).toEqual([
      "softState: Leader leader=1",
      "hardState: term=2 vote=1 commit=5",
      "entries: 6/2 Normal 1B",
      "messages:",
      "  1->2 Heartbeat term=2 commit=5 round=1",
      "readStates: r@5",
      "readIndexFailures: s(no_leader)",
      "mustSync",
    ]);
  });

  it("prints a status on one line", () => {
    expect(
      describeStatus({
        id: asNodeId("1"),
        role: "Leader",
        term: 3,
        vote: asNodeId("1"),
        leaderId: asNodeId("1"),
        commitIndex: 7,
        lastApplied: 6,
        lastLogIndex: 8,
        snapshotIndex: 0,
        leadTransferee: null,
        progress: [],
      }),
    ).toBe("1 Leader term=3 leader=1 commit=7 applied=6 last=8 snap=0");
  });
});
