/**
 * The follower's rules (Raft §5.3 receiver side, §7 InstallSnapshot, thesis §3.10 TimeoutNow,
 * §6.4 ReadIndex): accept the leader's log, learn its commit index, answer its heartbeats,
 * assemble its snapshots. Messages reach here from the current term only (src/raft/raft.ts).
 */
import type { AppendEntries, Heartbeat, InstallSnapshot, Message } from "./messages.js";
import { onLogAppended } from "./membership.js";
import type { RaftCore as Raft } from "./raft-core.js";

/** A follower's step function. */
export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case "AppendEntries":
    case "Heartbeat":
    case "InstallSnapshot":
      // One leader per term: a second sender claiming leadership is nonsense, ignore it.
      if (r.leaderId !== null && r.leaderId !== m.from) return;
      r.leaderId = m.from;
      r.electionElapsed = 0;
      stepFromLeader(r, m);
      return;
    case "TimeoutNow":
      // Leadership transfer (thesis §3.10): campaign at once, even against a live leader.
      r.campaign("Transfer");
      return;
    case "ReadIndex":
      r.send({ type: "ReadIndexResponse", to: m.from, requestId: m.requestId, index: null });
      return;
    case "ReadIndexResponse":
      acceptReadIndexResponse(r, m.requestId, m.index);
      return;
    default:
      return;
  }
}

/** AppendEntries, Heartbeat and InstallSnapshot from the leader of the current term. */
export function stepFromLeader(r: Raft, m: AppendEntries | Heartbeat | InstallSnapshot): void {
  if (m.type === "AppendEntries") handleAppendEntries(r, m);
  else if (m.type === "Heartbeat") handleHeartbeat(r, m);
  else handleInstallSnapshot(r, m);
}

/**
 * AppendEntries receiver rules (Raft §5.3): reject when our log lacks (`prevLogIndex`,
 * `prevLogTerm`), with a conflict hint for fast backtracking; otherwise drop a conflicting
 * suffix, append what is new (a configuration in it takes effect now, one in the dropped suffix
 * is rolled back: thesis §4.1), and commit up to what the leader says is committed among the
 * entries we now know match.
 */
function handleAppendEntries(r: Raft, m: AppendEntries): void {
  const reply = (success: boolean, matchIndex: number, conflictIndex = 0, conflictTerm = 0) =>
    r.send({
      type: "AppendEntriesResponse",
      to: m.from,
      success,
      matchIndex,
      conflictIndex,
      conflictTerm,
    });
  if (m.prevLogIndex < r.log.committed) {
    // Everything up to our commit index matches every leader's log; say how far that goes.
    reply(true, r.log.committed);
    return;
  }
  const outcome = r.log.maybeAppend(m.prevLogIndex, m.prevLogTerm, m.entries);
  switch (outcome.kind) {
    case "appended":
      onLogAppended(r, outcome.fresh);
      r.log.commitTo(Math.min(m.leaderCommit, outcome.lastNewIndex));
      reply(true, outcome.lastNewIndex);
      return;
    case "mismatch": {
      const hint = r.log.conflictHint(m.prevLogIndex);
      reply(false, m.prevLogIndex, hint.conflictIndex, hint.conflictTerm);
      return;
    }
    case "contradicts-commit":
      return;
  }
}

/**
 * A heartbeat: the leader is alive. Its `leaderCommit` is clamped by the leader to what it knows
 * we hold, so we may commit up to it (and never past our own last index).
 */
function handleHeartbeat(r: Raft, m: Heartbeat): void {
  r.log.commitTo(Math.min(m.leaderCommit, r.log.lastIndex()));
  r.send({ type: "HeartbeatResponse", to: m.from, readRound: m.readRound });
}

/**
 * One InstallSnapshot chunk (Raft §7). A snapshot whose last entry we already hold is
 * acknowledged at once (its entries are committed, so we commit them too); otherwise chunks are
 * assembled in order and the whole snapshot replaces our log, to be persisted from the next Ready.
 */
function handleInstallSnapshot(r: Raft, m: InstallSnapshot): void {
  const reply = (nextOffset: number, done: boolean, rejected: boolean) =>
    r.send({
      type: "InstallSnapshotResponse",
      to: m.from,
      lastIncludedIndex: m.lastIncludedIndex,
      nextOffset,
      done,
      rejected,
    });
  if (holdsSnapshotPrefix(r, m.lastIncludedIndex, m.lastIncludedTerm)) {
    r.snapshotAssembly.reset();
    reply(m.totalBytes, true, false);
    return;
  }
  const outcome = r.snapshotAssembly.accept(m);
  switch (outcome.kind) {
    case "rejected":
      reply(0, false, true);
      return;
    case "progress":
      reply(outcome.nextOffset, false, false);
      return;
    case "complete":
      // Our log may have caught up while the chunks arrived; then there is nothing to replace.
      if (!holdsSnapshotPrefix(r, m.lastIncludedIndex, m.lastIncludedTerm)) {
        r.restore(outcome.snapshot);
      }
      reply(m.totalBytes, true, false);
      return;
  }
}

/** Whether our log already holds the snapshot's last entry; if so, it is committed now. */
function holdsSnapshotPrefix(r: Raft, index: number, term: number): boolean {
  if (index <= r.log.committed) return true;
  if (!r.log.matchTerm(index, term)) return false;
  r.log.commitTo(index);
  return true;
}

/** The leader's answer to a read we forwarded (thesis §6.4). */
export function acceptReadIndexResponse(r: Raft, requestId: string, index: number | null): void {
  if (index === null) r.readIndexFailures.push({ requestId, reason: "not_ready" });
  else r.readStates.push({ requestId, index });
}
