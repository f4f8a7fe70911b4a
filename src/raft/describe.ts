/**
 * Readable one-line printers for Raft messages, entries and Ready (after the transcripts of
 * etcd-io/raft's `rafttest`), used by scenario tests, the simulator's traces and
 * logs. Positions print as `index/term`.
 *
 * Examples:
 *   `1->2 AppendEntries term=2 prev=5/1 entries=[6/2] commit=5`
 *   `2->1 AppendEntriesResponse term=2 reject prev=9 hint=7/1`
 *   `6/2 Normal 12B`
 *   `7/2 Config voters=[1 2 3] learners=[4]`
 */
import { unreachable } from "../util/assert.js";
import type { Message } from "./messages.js";
import type { RaftStatus, Ready } from "./ready.js";
import type { ConfState, Entry, HardState, Snapshot } from "./types.js";

/** Entry lists longer than this print as a range with a count. */
const ENTRIES_LISTED_MAX = 3;

/** `6/2 Normal 12B`: index/term, type, data size; a `Config` entry prints its members. */
export function describeEntry(e: Entry): string {
  if (e.type === "Config") return `${e.index}/${e.term} Config ${describeConfState(e.config)}`;
  return `${e.index}/${e.term} ${e.type} ${e.data.byteLength}B`;
}

/** `voters=[1 2 3] learners=[4] removed=[0]`; empty learners and removed are left out. */
export function describeConfState(c: ConfState): string {
  const removed = c.removed ?? [];
  return (
    `voters=[${c.voters.join(" ")}]` +
    (c.learners.length > 0 ? ` learners=[${c.learners.join(" ")}]` : "") +
    (removed.length > 0 ? ` removed=[${removed.join(" ")}]` : "")
  );
}

function describeEntryPositions(entries: readonly Entry[]): string {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (first === undefined || last === undefined) return "[]";
  if (entries.length <= ENTRIES_LISTED_MAX) {
    return `[${entries.map((e) => `${e.index}/${e.term}`).join(" ")}]`;
  }
  return `[${first.index}/${first.term}..${last.index}/${last.term} (${entries.length})]`;
}

/** The fields of `m` after its envelope. */
function describeBody(m: Message): string {
  switch (m.type) {
    case "AppendEntries":
      return (
        `prev=${m.prevLogIndex}/${m.prevLogTerm} ` +
        `entries=${describeEntryPositions(m.entries)} commit=${m.leaderCommit}`
      );
    case "AppendEntriesResponse":
      return m.success
        ? `ok match=${m.matchIndex}`
        : `reject prev=${m.matchIndex} hint=${m.conflictIndex}/${m.conflictTerm}`;
    case "Heartbeat":
      return `commit=${m.leaderCommit} round=${m.readRound}`;
    case "HeartbeatResponse":
      return `round=${m.readRound}`;
    case "RequestVote":
      return `last=${m.lastLogIndex}/${m.lastLogTerm}${m.leadershipTransfer ? " transfer" : ""}`;
    case "PreVote":
      return `last=${m.lastLogIndex}/${m.lastLogTerm}`;
    case "RequestVoteResponse":
    case "PreVoteResponse":
      return m.voteGranted ? "granted" : "rejected";
    case "InstallSnapshot":
      return (
        `snap=${m.lastIncludedIndex}/${m.lastIncludedTerm} ` +
        `chunk=[${m.offset},${m.offset + m.data.byteLength})/${m.totalBytes}${m.done ? " done" : ""}`
      );
    case "InstallSnapshotResponse": {
      const outcome = m.rejected ? " rejected" : m.done ? " done" : "";
      return `snap=${m.lastIncludedIndex} next=${m.nextOffset}${outcome}`;
    }
    case "TimeoutNow":
      return "";
    case "ReadIndex":
      return `req=${m.requestId}`;
    case "ReadIndexResponse":
      return `req=${m.requestId} index=${m.index ?? "none"}`;
    default:
      return unreachable(m, "message type");
  }
}

/** `1->2 AppendEntries term=2 prev=5/1 entries=[6/2] commit=5`. */
export function describeMessage(m: Message): string {
  const body = describeBody(m);
  return `${m.from}->${m.to} ${m.type} term=${m.term}${body === "" ? "" : ` ${body}`}`;
}

function describeHardState(h: HardState): string {
  return `term=${h.term} vote=${h.vote ?? "none"} commit=${h.commit}`;
}

function describeSnapshot(s: Snapshot): string {
  const { index, term, confState } = s.metadata;
  return `${index}/${term} ${s.data.byteLength}B ${describeConfState(confState)}`;
}

/** A multi-line description of a Ready; empty sections are left out. */
export function describeReady(r: Ready): string {
  const lines: string[] = [];
  if (r.softState !== undefined) {
    lines.push(`softState: ${r.softState.role} leader=${r.softState.leaderId ?? "none"}`);
  }
  if (r.hardState !== undefined) lines.push(`hardState: ${describeHardState(r.hardState)}`);
  if (r.entries.length > 0) lines.push(`entries: ${r.entries.map(describeEntry).join(", ")}`);
  if (r.snapshot !== undefined) lines.push(`snapshot: ${describeSnapshot(r.snapshot)}`);
  if (r.messages.length > 0) {
    lines.push("messages:", ...r.messages.map((m) => `  ${describeMessage(m)}`));
  }
  if (r.committedEntries.length > 0) {
    lines.push(`committed: ${r.committedEntries.map(describeEntry).join(", ")}`);
  }
  if (r.readStates.length > 0) {
    lines.push(`readStates: ${r.readStates.map((s) => `${s.requestId}@${s.index}`).join(" ")}`);
  }
  if (r.readIndexFailures.length > 0) {
    const failures = r.readIndexFailures.map((f) => `${f.requestId}(${f.reason})`);
    lines.push(`readIndexFailures: ${failures.join(" ")}`);
  }
  if (r.mustSync) lines.push("mustSync");
  return lines.join("\n");
}

/** One line: `1 Leader term=3 leader=1 commit=7 applied=7 last=7 snap=0`. */
export function describeStatus(s: RaftStatus): string {
  return (
    `${s.id} ${s.role} term=${s.term} leader=${s.leaderId ?? "none"} commit=${s.commitIndex} ` +
    `applied=${s.lastApplied} last=${s.lastLogIndex} snap=${s.snapshotIndex}`
  );
}
