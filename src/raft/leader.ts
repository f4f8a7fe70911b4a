/**
 * The leader's rules: react to followers' answers (Raft §5.3 with fast backtracking, §7 snapshot
 * chunks), commit only entries of its own term by counting replicas (Raft §5.4.2, Figure 8),
 * step down without a quorum (CheckQuorum, thesis §6.2), serve ReadIndex reads (thesis §6.4)
 * and hand leadership over (thesis §3.10).
 */
import { CoordinatorError } from "../errors.js";
import type { NodeId } from "../util/ids.js";
import type {
  AppendEntriesResponse,
  HeartbeatResponse,
  InstallSnapshotResponse,
  Message,
} from "./messages.js";
import type { Progress } from "./progress.js";
import type { RaftCore as Raft } from "./raft-core.js";
import type { PendingRead } from "./read-only.js";
import {
  broadcastAppend,
  broadcastHeartbeat,
  maybeSendAppend,
  sendSnapshotChunk,
} from "./replication.js";

/** The leader's step function: answers from followers and forwarded reads. */
export function stepLeader(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  pr.ticksSinceContact = 0;
  switch (m.type) {
    case "AppendEntriesResponse":
      handleAppendEntriesResponse(r, pr, m);
      return;
    case "HeartbeatResponse":
      handleHeartbeatResponse(r, pr, m);
      return;
    case "InstallSnapshotResponse":
      handleInstallSnapshotResponse(r, pr, m);
      return;
    case "ReadIndex":
      readIndexAsLeader(r, m.requestId, m.from);
      return;
    default:
      return;
  }
}

/**
 * The leader's tick: heartbeats every `heartbeatIntervalTicks`; every election timeout a
 * CheckQuorum round (step down unless a quorum was heard from) and the end of any leadership
 * transfer that has not completed.
 */
export function tickLeader(r: Raft): void {
  r.heartbeatElapsed += 1;
  r.electionElapsed += 1;
  for (const pr of r.tracker.peers(r.id)) {
    pr.ticksSinceContact += 1;
    if (pr.snapshotTransfer !== undefined) pr.snapshotTransfer.chunkAgeTicks += 1;
  }
  if (r.electionElapsed >= r.config.electionTimeoutTicks) {
    r.electionElapsed = 0;
    if (r.config.checkQuorum) {
      if (!r.tracker.quorumActive(r.id)) {
        r.becomeFollower(r.term, null);
        return;
      }
      for (const pr of r.tracker.peers(r.id)) pr.recentActive = false;
    }
    r.leadTransferee = null;
  }
  if (r.heartbeatElapsed >= r.config.heartbeatIntervalTicks) {
    r.heartbeatElapsed = 0;
    r.heartbeatPending = true;
  }
}

/**
 * Sends the broadcasts queued by proposals, reads, commits and ticks (one per Ready). Once the
 * configuration is committed, members it removed are told and then sent nothing more, and a
 * leader it removed steps down.
 */
export function flushBroadcasts(r: Raft): void {
  if (r.role !== "Leader") return;
  if (r.appendPending) broadcastAppend(r);
  if (r.heartbeatPending) broadcastHeartbeat(r);
  r.appendPending = false;
  r.heartbeatPending = false;
  if (r.configs.latest().index > r.log.committed) return;
  releaseDeparted(r);
  if (!r.tracker.isVoter(r.id)) stepDownRemoved(r);
}

/**
 * The configuration that removed them is committed: each removed member that holds the entry
 * removing it gets a last Heartbeat carrying that commit — so it learns its removal committed and
 * can stop (docs/MEMBERSHIP.md §8) — and is forgotten; one that does not hold it yet keeps
 * receiving the log until it does, or is forgotten once silent for an election timeout.
 */
function releaseDeparted(r: Raft): void {
  const configIndex = r.configs.latest().index;
  for (const pr of r.tracker.departed(r.id)) {
    if (pr.matchIndex >= configIndex) {
      const leaderCommit = Math.min(pr.matchIndex, r.log.committed);
      r.send({ type: "Heartbeat", to: pr.id, leaderCommit, readRound: r.readOnly.currentRound() });
    } else if (pr.ticksSinceContact < r.config.electionTimeoutTicks) {
      continue;
    }
    r.tracker.forget(pr.id);
  }
}

/**
 * The configuration that removed this leader is committed (thesis §4.2.2): until now it led a
 * cluster it no longer belonged to, replicating without counting itself; now it steps down. The
 * broadcast just sent carries the commit; a voter holding the whole log gets TimeoutNow so that
 * the next leader is elected at once instead of after an election timeout.
 */
function stepDownRemoved(r: Raft): void {
  const successor = mostUpToDateVoter(r);
  if (successor !== undefined && successor.matchIndex === r.log.lastIndex()) {
    r.send({ type: "TimeoutNow", to: successor.id });
  }
  r.becomeFollower(r.term, null);
}

/**
 * The voter other than this leader with the highest matchIndex (ties: the lowest id); undefined
 * when there is none.
 */
export function mostUpToDateVoter(r: Raft): Progress | undefined {
  let best: Progress | undefined;
  for (const pr of r.tracker.peers(r.id)) {
    if (pr.isLearner) continue;
    if (best === undefined || pr.matchIndex > best.matchIndex) best = pr;
  }
  return best;
}

/** The leader's own log became durable up to its persisted index: count it towards commit. */
export function leaderPersisted(r: Raft): void {
  const self = r.tracker.progress.get(r.id);
  if (self !== undefined && self.maybeUpdate(r.log.persistedLastIndex())) maybeCommit(r);
}

/**
 * Commits the largest index a majority of voters hold, but only when that entry is of the
 * current term (Raft §5.4.2, Figure 8); earlier entries then commit with it. A new commit is
 * broadcast (followers learn it with the next AppendEntries), and the first commit of the term
 * releases the reads waiting for it.
 * @returns whether the commit index moved
 */
export function maybeCommit(r: Raft): boolean {
  const index = r.tracker.majorityMatchIndex();
  if (index <= r.log.committed) return false;
  const countingOldTerms = r.config.faults?.commitPreviousTermByCounting === true; // TEST ONLY
  if (r.log.term(index) !== r.term && !countingOldTerms) return false;
  const hadCommittedInTerm = committedInCurrentTerm(r);
  r.log.commitTo(index);
  r.uncommittedTail.commitTo(index);
  r.appendPending = true;
  if (!hadCommittedInTerm && committedInCurrentTerm(r)) releaseDeferredReads(r);
  return true;
}

function committedInCurrentTerm(r: Raft): boolean {
  return r.log.term(r.log.committed) === r.term;
}

/**
 * A follower's answer to AppendEntries. An answer about an index beyond our log is ignored
 * (peer input never trips an assertion). A rejection moves its nextIndex back using the conflict
 * hint; a success raises its matchIndex, lets Probe turn into Replicate, frees the inflight
 * window, may commit, and sends what else the follower lacks.
 */
function handleAppendEntriesResponse(r: Raft, pr: Progress, m: AppendEntriesResponse): void {
  // We never sent a prevLogIndex or entries beyond our last index: such an answer is garbage.
  if (m.matchIndex > r.log.lastIndex()) return;
  if (!m.success) {
    if (pr.maybeBackOff(m.matchIndex, nextProbeIndex(r, m))) maybeSendAppend(r, pr, true);
    return;
  }
  const confirmsProbe = pr.state === "Probe" && m.matchIndex === pr.matchIndex;
  if (!pr.maybeUpdate(m.matchIndex) && !confirmsProbe) return;
  if (pr.state === "Probe") pr.becomeReplicate();
  else if (pr.state === "Snapshot" && pr.matchIndex + 1 >= r.log.firstIndex()) pr.becomeReplicate();
  else if (pr.state === "Replicate") pr.inflights.freeLE(pr.matchIndex);
  maybeCommit(r);
  while (maybeSendAppend(r, pr, false));
  maybeSendTimeoutNow(r, pr);
}

/**
 * Where to probe next after a rejection of `m.matchIndex` (fast backtracking, Raft §5.3). The
 * follower holds term `conflictTerm` from `conflictIndex` up to the rejected index. If our log
 * has that term, our last entry of it matches theirs, so probe right after it. Otherwise skip
 * their whole divergent term: probe at `conflictIndex` or before our last entry of an earlier term.
 */
function nextProbeIndex(r: Raft, m: AppendEntriesResponse): number {
  if (m.conflictTerm === 0) return m.conflictIndex;
  const ours = r.log.lastIndexWithTermAtMost(m.matchIndex, m.conflictTerm);
  if (ours === undefined) return Math.min(m.conflictIndex, r.log.firstIndex() - 1);
  if (ours.term === m.conflictTerm) return ours.index + 1;
  return Math.min(ours.index + 1, m.conflictIndex);
}

/**
 * A follower answered a heartbeat: it is reachable, so resume a paused probe (or resend a lost
 * snapshot chunk, or free a window stuck on a lost acknowledgement) and count its echo of the
 * ReadIndex round.
 */
function handleHeartbeatResponse(r: Raft, pr: Progress, m: HeartbeatResponse): void {
  pr.probeSent = false;
  if (pr.state === "Replicate" && pr.inflights.full()) pr.inflights.freeFirstOne();
  const transfer = pr.snapshotTransfer;
  if (transfer !== undefined) {
    if (transfer.chunkAgeTicks >= 2 * r.config.heartbeatIntervalTicks) sendSnapshotChunk(r, pr);
  } else if (pr.matchIndex < r.log.lastIndex()) {
    maybeSendAppend(r, pr, true);
  }
  for (const read of r.readOnly.ack(m.from, m.readRound, r.tracker.voters, r.id)) {
    releaseRead(r, read);
  }
}

/**
 * A follower's answer to a snapshot chunk: send the next chunk, restart after a rejection, or,
 * once it holds the snapshot, replicate from just after it.
 */
function handleInstallSnapshotResponse(r: Raft, pr: Progress, m: InstallSnapshotResponse): void {
  const transfer = pr.snapshotTransfer;
  if (transfer === undefined || m.lastIncludedIndex !== transfer.snapshot.metadata.index) return;
  if (m.done) {
    pr.maybeUpdate(m.lastIncludedIndex);
    pr.becomeReplicate();
    maybeCommit(r);
    while (maybeSendAppend(r, pr, false));
    maybeSendTimeoutNow(r, pr);
    return;
  }
  if (m.rejected) {
    transfer.ackedBytes = 0;
    sendSnapshotChunk(r, pr);
  } else if (
    m.nextOffset > transfer.ackedBytes &&
    m.nextOffset < transfer.snapshot.data.byteLength
  ) {
    transfer.ackedBytes = m.nextOffset;
    sendSnapshotChunk(r, pr);
  }
}

/**
 * ReadIndex at the leader (thesis §6.4): wait for the first commit of this term, record the
 * commit index as the read index, and confirm leadership with a heartbeat round.
 */
export function readIndexAsLeader(r: Raft, requestId: string, from: NodeId): void {
  if (!committedInCurrentTerm(r)) {
    r.deferredReads.push({ requestId, from });
    return;
  }
  const round = r.readOnly.add(requestId, from, r.log.committed);
  for (const read of r.readOnly.ack(r.id, round, r.tracker.voters, r.id)) releaseRead(r, read);
  if (r.readOnly.pendingCount() > 0) r.heartbeatPending = true;
}

function releaseDeferredReads(r: Raft): void {
  const deferred = r.deferredReads;
  r.deferredReads = [];
  for (const read of deferred) readIndexAsLeader(r, read.requestId, read.from);
}

function releaseRead(r: Raft, read: PendingRead): void {
  if (read.from === r.id) {
    r.readStates.push({ requestId: read.requestId, index: read.index });
  } else {
    const { requestId, index } = read;
    r.send({ type: "ReadIndexResponse", to: read.from, requestId, index });
  }
}

/**
 * Starts handing leadership to voter `to` (thesis §3.10): proposals are refused from now on; once
 * `to` holds the whole log it gets TimeoutNow; the transfer ends after an election timeout.
 * @throws CoordinatorError "invalid_request" if `to` is not a voter
 */
export function transferLeadership(r: Raft, to: NodeId): void {
  const pr = r.tracker.progress.get(to);
  if (pr === undefined || pr.isLearner) {
    throw new CoordinatorError("invalid_request", `${to} is not a voter`, { transferee: to });
  }
  if (to === r.id) {
    r.leadTransferee = null;
    return;
  }
  if (r.leadTransferee === to) return;
  r.leadTransferee = to;
  r.electionElapsed = 0;
  if (pr.matchIndex === r.log.lastIndex()) maybeSendTimeoutNow(r, pr);
  else maybeSendAppend(r, pr, true);
}

function maybeSendTimeoutNow(r: Raft, pr: Progress): void {
  if (r.leadTransferee === pr.id && pr.matchIndex === r.log.lastIndex()) {
    r.send({ type: "TimeoutNow", to: pr.id });
  }
}
