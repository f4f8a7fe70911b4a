/**
 * The node's side of membership changes (docs/MEMBERSHIP.md): the configuration as the API shows
 * it, the leader's add / promote / remove (single-server changes, each answered once its `Config`
 * entry commits), and what a node does when its configuration changes — link to the new members,
 * drop the removed ones, and stop itself once its own removal commits.
 */
import { CoordinatorError } from "../errors.js";
import type { ConfigurationStatus } from "../raft/ready.js";
import type { RawNode } from "../raft/raw-node.js";
import type { ConfChange } from "../raft/types.js";
import { learnerCaughtUpEntriesMax } from "../constants.js";
import type { NodeId } from "../util/ids.js";
import type { NodeConfig } from "./config.js";
import type { NodeEvents } from "./events.js";
import type { MemberDirectory } from "./member-directory.js";
import { Pending } from "./pending.js";
import type { NodeLogger, NodeTimers, NodeTransport } from "./ports.js";
import type { ProposalTracker } from "./proposals.js";
import type { ReadyLoop } from "./ready-loop.js";
import type { LeaderInfo, MemberView, MembershipView, RemoveMemberOptions } from "./service.js";
import { notLeaderError, type Submitter } from "./submitter.js";

/** What membership changes read and drive. */
export interface MembershipDeps {
  readonly config: NodeConfig;
  readonly raw: RawNode;
  readonly loop: ReadyLoop;
  readonly submitter: Submitter;
  readonly proposals: ProposalTracker;
  readonly directory: MemberDirectory;
  readonly transport: NodeTransport;
  readonly timers: NodeTimers;
  readonly events: NodeEvents;
  readonly logger: NodeLogger;
  /** Hands leadership to `target`; resolves whether another node now leads (NodeLifecycle). */
  readonly moveLeadership: (target: NodeId) => Promise<boolean>;
  /** The leader as this node knows it (with its URL). */
  readonly leader: () => LeaderInfo;
  /** Stops the node gracefully (its removal committed). */
  readonly stop: () => void;
}

function byId(a: NodeId, b: NodeId): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Membership views, changes and reactions of one node; see the module comment. */
export class Membership {
  private seen: ConfigurationStatus | null = null;
  /** The removed members the leader still tells of their removal, as of the last turn. */
  private departed: readonly NodeId[] = [];
  private removedSelf = false;

  constructor(private readonly deps: MembershipDeps) {}

  /** The configuration in force on this node, with the leader's progress when it leads. */
  view(): MembershipView {
    const { raw, config, transport, loop } = this.deps;
    const conf = raw.configuration();
    const status = raw.status();
    const progress = new Map(status.progress.map((peer) => [peer.id, peer]));
    const learners = new Map(raw.learnerProgress().map((learner) => [learner.id, learner]));
    const member = (id: NodeId, role: MemberView["role"]): MemberView => {
      const peer = progress.get(id);
      return {
        id,
        role,
        address: this.deps.directory.address(id),
        isLeader: id === loop.leaderId,
        matchIndex: peer?.matchIndex ?? null,
        entriesBehind: peer === undefined ? null : status.lastLogIndex - peer.matchIndex,
        caughtUp: learners.get(id)?.caughtUp ?? null,
        connected: id === config.nodeId ? null : transport.isConnected(id),
      };
    };
    return {
      nodeId: config.nodeId,
      leaderId: loop.leaderId,
      configIndex: conf.index,
      changeInFlight: conf.changeInFlight,
      members: [
        ...[...conf.voters].sort(byId).map((id) => member(id, "voter")),
        ...[...conf.learners].sort(byId).map((id) => member(id, "learner")),
      ],
      removed: [...(conf.removed ?? [])],
      caughtUpEntriesMax: learnerCaughtUpEntriesMax,
    };
  }

  /** Adds `id` at `address` as a learner (NodeService.addMember). */
  add(id: NodeId, address: string): Promise<MembershipView> {
    return this.change({ type: "AddLearner", id, address }, () => undefined);
  }

  /** Promotes learner `id` once caught up (NodeService.promoteMember). */
  promote(id: NodeId): Promise<MembershipView> {
    return this.change({ type: "PromoteLearner", id }, () => {
      const learner = this.deps.raw.learnerProgress().find((candidate) => candidate.id === id);
      if (learner === undefined || learner.caughtUp) return;
      throw new CoordinatorError(
        "learner_not_caught_up",
        `${id} is ${learner.entriesBehind} entries behind the leader; it may be promoted ` +
          `within ${learnerCaughtUpEntriesMax}`,
        { entriesBehind: learner.entriesBehind, caughtUpEntriesMax: learnerCaughtUpEntriesMax },
      );
    });
  }

  /**
   * Removes `id` (NodeService.removeMember). This leader's own removal hands leadership over
   * first (docs/MEMBERSHIP.md §8) and then answers `not_leader` naming the new leader, which the
   * API forwards the request to. When the hand-over fails it removes nothing
   * (`leadership_transfer_failed`): a leader that removes itself and then loses leadership before
   * the removal commits leaves a two-voter cluster with no electable voter (the other needs its
   * vote, which its longer log refuses; it, a non-voter in its own latest configuration, never
   * campaigns) — found by the simulator, docs/SIMULATION.md.
   */
  async remove(id: NodeId, options: RemoveMemberOptions = {}): Promise<MembershipView> {
    const { raw, config, moveLeadership, leader } = this.deps;
    if (id === config.nodeId && this.deps.loop.role === "Leader") {
      const target = await this.deps.submitter.inLoop(() => raw.bestTransferee());
      if (target !== null) {
        // The new leader removes this node like any follower; the API forwards the request there.
        if (await moveLeadership(target)) throw notLeaderError(leader());
        throw new CoordinatorError(
          "leadership_transfer_failed",
          `${id} leads and could not hand leadership to ${target} within ` +
            `${config.leadershipTransferTimeoutMs} ms; nothing was removed — retry`,
          { transferee: target },
        );
      }
    }
    const change: ConfChange = { type: "RemoveMember", id };
    return this.change(change, () => {
      if (options.force === true || raw.liveQuorumAfter(change)) return;
      const votersAfter = raw.configuration().voters.filter((voter) => voter !== id);
      const heard = raw.liveMembers();
      const live = votersAfter.filter((voter) => heard.includes(voter));
      throw new CoordinatorError(
        "no_live_quorum",
        `after removing ${id} only ${live.length} of the voters [${votersAfter.join(", ")}] ` +
          `would be live ([${live.join(", ")}]): no majority; repeat with force to remove anyway`,
        { votersAfter: votersAfter.length, liveVoters: live.length },
      );
    });
  }

  /**
   * Proposes `change` inside the loop after `check` (which throws to refuse), and resolves with
   * the configuration once the change's entry is committed and applied on this node.
   */
  private async change(change: ConfChange, check: () => void): Promise<MembershipView> {
    const { raw, submitter, proposals, timers, config, loop } = this.deps;
    if (loop.role !== "Leader") throw this.notLeader();
    const timeoutMs = config.proposalTimeoutMs;
    const pending = await submitter.inLoop(() => {
      if (loop.role !== "Leader") throw this.notLeader();
      check();
      const { index, term } = raw.proposeConfChange(change);
      const waiting = new Pending<null>(
        timers,
        timeoutMs,
        () =>
          new CoordinatorError(
            "proposal_timeout",
            `the ${change.type} of ${change.id} proposed at ${index} did not commit within ` +
              `${timeoutMs} ms; read the members to learn whether it did`,
            { index },
          ),
      );
      proposals.trackConfig(index, term, waiting);
      this.deps.logger.info(
        { change: change.type, id: change.id, index, term },
        "proposed a configuration change",
      );
      return waiting;
    });
    await pending.promise;
    return this.view();
  }

  private notLeader(): CoordinatorError {
    return notLeaderError(this.deps.leader());
  }

  /**
   * After every turn of the loop: when the configuration in force changed (appended, committed,
   * rolled back or installed with a snapshot), or the removed members the leader still tells of
   * their removal did, relinks the transport; on a configuration change it also reports it, and
   * stops the node once its own removal is committed.
   */
  afterTurn(): void {
    const conf = this.deps.raw.configuration();
    const departed = this.deps.raw.departedMembers();
    const seen = this.seen;
    const changed =
      seen === null || seen.index !== conf.index || seen.changeInFlight !== conf.changeInFlight;
    if (!changed && this.departed.join(",") === departed.join(",")) return;
    this.departed = departed;
    const peers = this.deps.directory.adopt(conf, departed);
    if (peers !== null) this.deps.transport.setPeers(peers);
    if (!changed) return;
    this.seen = conf;
    this.deps.events.emit("membership", {
      voters: conf.voters,
      learners: conf.learners,
      configIndex: conf.index,
      changeInFlight: conf.changeInFlight,
    });
    const { nodeId } = this.deps.config;
    if (!this.removedSelf && !conf.changeInFlight && (conf.removed ?? []).includes(nodeId)) {
      this.removedSelf = true;
      this.deps.logger.warn(
        { nodeId, configIndex: conf.index },
        `node ${nodeId} was removed from the cluster; stopping (its id is never reused)`,
      );
      this.deps.events.emit("removed", { configIndex: conf.index });
      this.deps.stop();
    }
  }
}
