/**
 * The membership invariants of the simulator (docs/SIMULATION.md §3, docs/MEMBERSHIP.md), on top
 * of the Raft ones of ./checker.ts, from the configurations the nodes report and the leaders'
 * disks:
 *
 * - configuration agreement: every node that committed the configuration at index i reports the
 *   same voters, learners and removed ids for it;
 * - a removed id never becomes a member again: no committed configuration after the one that
 *   removed it lists it as a voter or learner, or forgets it was removed;
 * - never zero voters: no configuration past the bootstrap one (index 0) is without a voter;
 * - one change in flight: a leader's log holds at most one uncommitted `Config` entry;
 * - a removed node stops: a node whose own removal it committed emits `removed` in that same
 *   turn and accepts no work from then on.
 */
import type { MembershipView } from "../../src/node/service.js";
import type { LogIndex, NodeId } from "../../src/util/ids.js";
import type { InvariantChecker } from "./checker.js";
import type { SimDisk } from "./disk.js";

/** A configuration as a node reports it (its MembershipView reduced). */
export interface ReportedConfiguration {
  readonly configIndex: LogIndex;
  readonly changeInFlight: boolean;
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly removed: readonly NodeId[];
}

/** The configuration a node's MembershipView shows, for the checker. */
export function reportedConfiguration(view: MembershipView): ReportedConfiguration {
  const ids = (role: string) => view.members.filter((m) => m.role === role).map((m) => m.id);
  return {
    configIndex: view.configIndex,
    changeInFlight: view.changeInFlight,
    voters: ids("voter"),
    learners: ids("learner"),
    removed: view.removed,
  };
}

function describe(conf: ReportedConfiguration): string {
  const list = (ids: readonly NodeId[]) => [...ids].sort().join(" ");
  return `voters=[${list(conf.voters)}] learners=[${list(conf.learners)}] removed=[${list(conf.removed)}]`;
}

/** The membership invariants of one run. */
export class MembershipChecker {
  /** The committed configuration at each index, as first reported, and by whom. */
  private readonly committed = new Map<LogIndex, { text: string; by: NodeId }>();
  private readonly committedConfs = new Map<LogIndex, ReportedConfiguration>();
  /** For each removed id, the lowest index of a committed configuration that removed it. */
  private readonly removedAt = new Map<NodeId, LogIndex>();
  /** Nodes that committed their own removal, and whether they said `removed`. */
  private readonly mustStop = new Map<NodeId, { announced: boolean }>();
  /** Counters for summaries. */
  readonly stats = { configurations: 0, removedNodesStopped: 0 };

  constructor(
    private readonly raft: InvariantChecker,
    private readonly diskOf: (id: NodeId) => SimDisk,
  ) {}

  /** `id` reports `conf` as the configuration in force on it. */
  observeConfiguration(id: NodeId, conf: ReportedConfiguration): void {
    if (conf.configIndex > 0 && conf.voters.length === 0) {
      this.raft.report("no-voters", id, `configuration at ${conf.configIndex}: ${describe(conf)}`);
    }
    if (conf.changeInFlight) return;
    this.stats.configurations++;
    if (conf.removed.includes(id) && !this.mustStop.has(id)) {
      this.mustStop.set(id, { announced: false });
    }
    if (conf.configIndex === 0) return;
    const text = describe(conf);
    const known = this.committed.get(conf.configIndex);
    if (known === undefined) {
      this.committed.set(conf.configIndex, { text, by: id });
      this.committedConfs.set(conf.configIndex, conf);
      this.checkRemovals(id, conf);
    } else if (known.text !== text) {
      this.raft.report(
        "configuration-agreement",
        id,
        `committed configuration at ${conf.configIndex}: ${text} here, ${known.text} on ${known.by}`,
      );
    }
  }

  /** Records the ids `conf` removed and checks every committed configuration against them. */
  private checkRemovals(id: NodeId, conf: ReportedConfiguration): void {
    for (const gone of conf.removed) {
      const at = this.removedAt.get(gone);
      if (at === undefined || conf.configIndex < at) this.removedAt.set(gone, conf.configIndex);
    }
    for (const [index, other] of this.committedConfs) {
      for (const [gone, at] of this.removedAt) {
        if (index < at) continue;
        const member = other.voters.includes(gone) || other.learners.includes(gone);
        if (member || !other.removed.includes(gone)) {
          this.raft.report(
            "removed-id-reused",
            id,
            `${gone} was removed at ${at}; the committed configuration at ${index} has ${describe(other)}`,
          );
          return;
        }
      }
    }
  }

  /**
   * A Config entry reached the disk of `id`, a leader whose commit index is `commitIndex`: its
   * log must hold no other uncommitted Config entry (thesis §4.1: one change at a time).
   */
  observeLeaderLog(id: NodeId, commitIndex: LogIndex): void {
    const disk = this.diskOf(id);
    const uncommitted: LogIndex[] = [];
    for (let i = Math.max(commitIndex, disk.snapshotIndex()) + 1; i <= disk.lastIndex(); i++) {
      if (disk.entryAt(i)?.type === "Config") uncommitted.push(i);
    }
    if (uncommitted.length > 1) {
      this.raft.report(
        "config-changes-in-flight",
        id,
        `leader with commit index ${commitIndex} holds uncommitted Config entries at ${uncommitted.join(", ")}`,
      );
    }
  }

  /** Whether a committed configuration removed `id` (its data directory must not start again). */
  isRemoved(id: NodeId): boolean {
    return this.removedAt.has(id);
  }

  /**
   * A new life of `id` began: what the last one owed is void. (A crash while stopping may leave
   * the removal's commit off the disk; the node then comes back not knowing it was removed.)
   */
  lifeBegan(id: NodeId): void {
    this.mustStop.delete(id);
  }

  /** `id` emitted `removed` (its own removal committed). */
  removedAnnounced(id: NodeId): void {
    const entry = this.mustStop.get(id);
    if (entry === undefined) {
      this.raft.report("removed-node-stops", id, "announced its removal before committing it");
      return;
    }
    if (!entry.announced) this.stats.removedNodesStopped++;
    entry.announced = true;
  }

  /**
   * After each event: a node that committed its own removal has announced it, and accepts no
   * more work (`accepting` is whether it still takes requests).
   */
  checkRemovedStops(id: NodeId, accepting: boolean): void {
    const entry = this.mustStop.get(id);
    if (entry === undefined) return;
    if (!entry.announced) {
      this.raft.report("removed-node-stops", id, "committed its own removal and did not stop");
    } else if (accepting) {
      this.raft.report("removed-node-stops", id, "still accepts requests after its removal");
    }
  }
}
