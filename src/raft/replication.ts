/**
 * How a leader sends its log (Raft §5.3, §7; after etcd-io/raft's `maybeSendAppend` and
 * `sendHeartbeat`): AppendEntries batches limited by `appendBytesMax`, paced by each follower's
 * {@link Progress} state; snapshot chunks for a follower behind the compacted log; heartbeats
 * carrying a clamped commit index and the current ReadIndex round.
 */
import { assert } from "../util/assert.js";
import { entrySizeBytes } from "./storage.js";
import type { Progress } from "./progress.js";
import type { RaftCore as Raft } from "./raft-core.js";

/**
 * Sends `pr` the entries after its nextIndex unless its state pauses it; with `sendIfEmpty` an
 * AppendEntries goes out even with no entries (to carry the commit index or probe). A follower
 * whose nextIndex is compacted away gets a snapshot instead.
 * @returns whether a message was sent
 */
export function maybeSendAppend(r: Raft, pr: Progress, sendIfEmpty: boolean): boolean {
  if (pr.isPaused()) return false;
  const lastIndex = r.log.lastIndex();
  assert(pr.nextIndex <= lastIndex + 1, () => `next ${pr.nextIndex} of ${pr.id} beyond the log`);
  const prevLogIndex = pr.nextIndex - 1;
  const prevLogTerm = r.log.term(prevLogIndex);
  if (prevLogTerm === undefined || pr.nextIndex < r.log.firstIndex()) {
    startSnapshot(r, pr);
    return true;
  }
  const entries =
    pr.nextIndex <= lastIndex
      ? r.log.entries(pr.nextIndex, lastIndex + 1, r.config.appendBytesMax)
      : [];
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: "AppendEntries",
    to: pr.id,
    prevLogIndex,
    prevLogTerm,
    entries,
    leaderCommit: r.log.committed,
  });
  const bytes = entries.reduce((sum, e) => sum + entrySizeBytes(e), 0);
  pr.sentEntries(entries[entries.length - 1]?.index, bytes);
  return true;
}

/** Switches `pr` to the Snapshot state with the latest stored snapshot and sends its first chunk. */
function startSnapshot(r: Raft, pr: Progress): void {
  const snapshot = r.log.storage.snapshot();
  assert(
    snapshot.metadata.index >= r.log.firstIndex() - 1,
    "storage keeps a snapshot covering every compacted entry",
  );
  pr.becomeSnapshot(snapshot);
  sendSnapshotChunk(r, pr);
}

/** Sends the chunk of the snapshot under transfer that starts at the acknowledged offset. */
export function sendSnapshotChunk(r: Raft, pr: Progress): void {
  const transfer = pr.snapshotTransfer;
  assert(transfer !== undefined, () => `no snapshot transfer to ${pr.id}`);
  const { metadata, data } = transfer.snapshot;
  const offset = transfer.ackedBytes;
  const end = Math.min(offset + r.config.snapshotChunkBytesMax, data.byteLength);
  r.send({
    type: "InstallSnapshot",
    to: pr.id,
    lastIncludedIndex: metadata.index,
    lastIncludedTerm: metadata.term,
    confState: metadata.confState,
    offset,
    totalBytes: data.byteLength,
    data: data.subarray(offset, end),
    done: end === data.byteLength,
  });
  transfer.chunkAgeTicks = 0;
}

/**
 * Sends every follower what it lacks, filling its inflight window in Replicate (or an empty
 * AppendEntries carrying the commit index when it lacks nothing).
 */
export function broadcastAppend(r: Raft): void {
  for (const pr of r.tracker.peers(r.id)) {
    if (maybeSendAppend(r, pr, true)) while (maybeSendAppend(r, pr, false));
  }
}

/**
 * Sends every follower a heartbeat with the current ReadIndex round. The commit index is
 * clamped to the follower's matchIndex: beyond it the follower's log may still diverge.
 */
export function broadcastHeartbeat(r: Raft): void {
  const readRound = r.readOnly.currentRound();
  for (const pr of r.tracker.peers(r.id)) {
    const leaderCommit = Math.min(pr.matchIndex, r.log.committed);
    r.send({ type: "Heartbeat", to: pr.id, leaderCommit, readRound });
  }
}
