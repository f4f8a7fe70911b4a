/**
 * The leader's view of one follower's log (after etcd-io/raft's `tracker/progress.go`), and the
 * state that decides how the leader sends to it:
 * - `Probe`: the leader does not know where the logs match; it sends one AppendEntries at a time
 *   and waits for the answer (or a heartbeat round) before the next.
 * - `Replicate`: the logs match up to `matchIndex`; the leader streams AppendEntries optimistically
 *   (pipelining), bounded by the inflight window.
 * - `Snapshot`: the follower needs entries the leader has compacted; the leader sends a snapshot
 *   in chunks, one at a time, and resumes probing once the follower holds it.
 *
 * Invariant: `0 ≤ matchIndex < nextIndex` (Raft Figure 2).
 */
import { assert } from "../util/assert.js";
import type { LogIndex, NodeId } from "../util/ids.js";
import { Inflights } from "./inflights.js";
import type { PeerProgress, ProgressState } from "./ready.js";
import type { Snapshot } from "./types.js";

/** A snapshot being sent in chunks (thesis §5.3 / Raft Figure 13). */
export interface SnapshotTransfer {
  readonly snapshot: Snapshot;
  /** Bytes of `snapshot.data` the follower has acknowledged. */
  ackedBytes: number;
  /** Leader ticks since the last chunk went out (to resend a lost one). */
  chunkAgeTicks: number;
}

/** One follower as the leader tracks it: matchIndex, nextIndex, state and inflight window. */
export class Progress {
  matchIndex: LogIndex = 0;
  nextIndex: LogIndex;
  state: ProgressState = "Probe";
  /** In Probe: an AppendEntries is out and unanswered, so sending pauses. */
  probeSent = false;
  /** In Snapshot: the transfer under way. */
  snapshotTransfer: SnapshotTransfer | undefined;
  /** Whether the leader heard from this peer since the last CheckQuorum round. */
  recentActive = false;
  /** Leader ticks since it last heard from this peer. */
  ticksSinceContact = 0;
  readonly inflights: Inflights;

  /**
   * @param id the peer
   * @param nextIndex the first index to offer (the leader's last index + 1 on election)
   * @param isLearner whether the peer is a non-voting member (cleared when it is promoted)
   */
  constructor(
    readonly id: NodeId,
    nextIndex: LogIndex,
    public isLearner: boolean,
    inflightMessagesMax: number,
    inflightBytesMax: number,
  ) {
    this.nextIndex = nextIndex;
    this.inflights = new Inflights(inflightMessagesMax, inflightBytesMax);
  }

  /** Back to probing from just after the known match. */
  becomeProbe(): void {
    this.resetState("Probe");
    this.nextIndex = this.matchIndex + 1;
  }

  /** Start streaming from just after the match. */
  becomeReplicate(): void {
    this.resetState("Replicate");
    this.nextIndex = this.matchIndex + 1;
  }

  /** Start sending `snapshot`; appends pause until the follower holds it. */
  becomeSnapshot(snapshot: Snapshot): void {
    this.resetState("Snapshot");
    this.snapshotTransfer = { snapshot, ackedBytes: 0, chunkAgeTicks: 0 };
  }

  /**
   * The follower holds our log up to `index`: raise matchIndex (never lower it).
   * @returns whether matchIndex moved
   */
  maybeUpdate(index: LogIndex): boolean {
    const moved = index > this.matchIndex;
    if (moved) {
      this.matchIndex = index;
      this.probeSent = false;
    }
    this.nextIndex = Math.max(this.nextIndex, index + 1);
    return moved;
  }

  /**
   * The follower rejected an AppendEntries after `rejectedIndex`; probe again from `nextIndex`
   * (clamped to (matchIndex, rejectedIndex], so every rejection moves strictly back). A
   * Replicate stream falls back to Probe. Stale rejections, answering a message older than what
   * we now know, are ignored.
   * @returns whether the rejection was taken into account
   */
  maybeBackOff(rejectedIndex: LogIndex, nextIndex: LogIndex): boolean {
    if (this.state === "Replicate") {
      if (rejectedIndex <= this.matchIndex) return false;
      this.becomeProbe();
    } else if (this.state !== "Probe" || rejectedIndex !== this.nextIndex - 1) {
      return false;
    }
    this.nextIndex = Math.max(this.matchIndex + 1, Math.min(nextIndex, rejectedIndex));
    this.probeSent = false;
    return true;
  }

  /**
   * Records an AppendEntries just sent with entries up to `lastIndex` (undefined: no entries)
   * carrying `bytes` of them.
   */
  sentEntries(lastIndex: LogIndex | undefined, bytes: number): void {
    if (this.state === "Replicate" && lastIndex !== undefined) {
      this.nextIndex = lastIndex + 1;
      this.inflights.add(lastIndex, bytes);
    } else if (this.state === "Probe") {
      this.probeSent = true;
    }
    this.assertIndexes();
  }

  /** Whether the leader must hold back AppendEntries to this follower for now. */
  isPaused(): boolean {
    switch (this.state) {
      case "Probe":
        return this.probeSent;
      case "Replicate":
        return this.inflights.full();
      case "Snapshot":
        return true;
    }
  }

  /** A read-only copy for `status()`. */
  describe(): PeerProgress {
    return {
      id: this.id,
      matchIndex: this.matchIndex,
      nextIndex: this.nextIndex,
      state: this.state,
      inflightMessages: this.inflights.count,
      ticksSinceContact: this.ticksSinceContact,
      isLearner: this.isLearner,
    };
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.snapshotTransfer = undefined;
    this.inflights.reset();
  }

  private assertIndexes(): void {
    assert(
      0 <= this.matchIndex && this.matchIndex < this.nextIndex,
      () =>
        `progress of ${this.id}: expected 0 ≤ match ${this.matchIndex} < next ${this.nextIndex}`,
    );
  }
}
