/**
 * Linearizable reads without writing to the log: the ReadIndex protocol of thesis §6.4 (after
 * etcd-io/raft's `read_only.go`, with numbered rounds instead of per-request contexts).
 *
 * The leader records its commit index as the read index of each request and numbers the
 * request with a new round; the next heartbeat carries that round. A follower's
 * HeartbeatResponse echoing round r proves this node was still leader when it sent heartbeat r,
 * which was after every request of round ≤ r was recorded. Once a quorum (counting the leader)
 * has echoed round ≥ r, every request of round ≤ r is confirmed and may be served once the
 * application has applied its read index.
 *
 * Invariant: pending requests are kept in round order.
 */
import type { LogIndex, NodeId } from "../util/ids.js";
import { hasQuorum } from "./quorum.js";

/** A read waiting for its leadership confirmation. */
export interface PendingRead {
  readonly requestId: string;
  /** The node that asked: the leader itself, or a follower that forwarded the read. */
  readonly from: NodeId;
  /** The leader's commit index when the read arrived. */
  readonly index: LogIndex;
  readonly round: number;
}

/** The leader's pending ReadIndex requests and the latest round each peer echoed. */
export class ReadOnly {
  private round = 0;
  private pending: PendingRead[] = [];
  private readonly ackedRound = new Map<NodeId, number>();

  /** The newest round; every heartbeat carries it. */
  currentRound(): number {
    return this.round;
  }

  /** Requests still waiting for confirmation. */
  pendingCount(): number {
    return this.pending.length;
  }

  /** Records a read asked by `from` at read index `index`; returns its round. */
  add(requestId: string, from: NodeId, index: LogIndex): number {
    this.round += 1;
    this.pending.push({ requestId, from, index, round: this.round });
    return this.round;
  }

  /**
   * Records that `peer` echoed `round` (the leader acks its own rounds as it adds them) and
   * returns the requests a quorum of `voters` has now confirmed, oldest first. Echoes of rounds
   * never issued are ignored.
   */
  ack(peer: NodeId, round: number, voters: readonly NodeId[], self: NodeId): PendingRead[] {
    if (round > this.round) return [];
    if (round > (this.ackedRound.get(peer) ?? 0)) this.ackedRound.set(peer, round);
    const confirmed: PendingRead[] = [];
    for (const read of this.pending) {
      const acks = (id: NodeId) => id === self || (this.ackedRound.get(id) ?? 0) >= read.round;
      if (!hasQuorum(voters, acks)) break;
      confirmed.push(read);
    }
    this.pending = this.pending.slice(confirmed.length);
    return confirmed;
  }

  /** Removes and returns every pending request (the leader is stepping down). */
  takeAll(): PendingRead[] {
    const all = this.pending;
    this.pending = [];
    return all;
  }
}
