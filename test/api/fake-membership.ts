// Test helper (not a test): the cluster configuration of a FakeService, in memory — voters,
// learners with a replication lag, removed ids, the config index — with the rules of
// docs/MEMBERSHIP.md §3 a leader enforces (one change in flight, ids never reused, a learner is
// promoted only once caught up, a removal keeps a live majority unless forced), so the API and
// the CLI meet every answer of the membership endpoints without Raft.
import { learnerCaughtUpEntriesMax } from "../../src/constants.js";
import { CoordinatorError } from "../../src/errors.js";
import type { MemberView, MembershipView, RaftStatusView } from "../../src/node/service.js";
import { asNodeId } from "../../src/util/ids.js";
import type { NodeId } from "../../src/util/ids.js";

interface Member {
  address: string | null;
  role: "voter" | "learner";
  /** The leader's last index minus this member's matchIndex. */
  entriesBehind: number;
}

/** Who answers a read of the configuration. */
export interface Viewer {
  readonly nodeId: NodeId;
  readonly leaderId: NodeId | null;
}

export class FakeMembership {
  readonly members = new Map<string, Member>();
  readonly removed: string[] = [];
  configIndex = 0;
  /** A change is appended but not committed: every change is refused with config_change_in_flight. */
  changeInFlight = false;
  /** The leader has not committed an entry of its term yet: config_change_too_early. */
  tooEarly = false;
  /** Voters the leader has not heard from within an election timeout. */
  readonly down = new Set<string>();
  /** How far behind a new learner starts. */
  newLearnerEntriesBehind = 500;
  /** Every GET of the members brings each learner this much closer (0: no progress). */
  catchUpPerRead = 0;
  /** Successful changes, in order: `add n4`, `promote n4`, `remove n2`. */
  readonly changes: string[] = [];

  constructor(voters: Readonly<Record<string, string | null>> = DEFAULT_VOTERS) {
    for (const [id, address] of Object.entries(voters)) {
      this.members.set(id, { address, role: "voter", entriesBehind: 0 });
    }
  }

  /** GET /v1/cluster/members as `viewer` sees it; progress fields only on the leader. */
  view(viewer: Viewer): MembershipView {
    const onLeader = viewer.leaderId === viewer.nodeId;
    const sorted = [...this.members.entries()].sort(
      ([a, x], [b, y]) => Number(x.role === "learner") - Number(y.role === "learner") || cmp(a, b),
    );
    return {
      nodeId: viewer.nodeId,
      leaderId: viewer.leaderId,
      configIndex: this.configIndex,
      changeInFlight: this.changeInFlight,
      members: sorted.map(([id, member]) => memberView(id, member, viewer, onLeader)),
      removed: this.removed.map(asNodeId),
      caughtUpEntriesMax: learnerCaughtUpEntriesMax,
    };
  }

  /** The `membership` block of the Raft status. */
  status(): RaftStatusView["membership"] {
    const ids = (role: Member["role"]) =>
      [...this.members.entries()]
        .filter(([, member]) => member.role === role)
        .map(([id]) => asNodeId(id))
        .sort(cmp);
    return {
      voters: ids("voter"),
      learners: ids("learner"),
      configIndex: this.configIndex,
      changeInFlight: this.changeInFlight,
    };
  }

  add(id: string, address: string): void {
    this.checkChangeAllowed();
    if (this.members.has(id)) throw new CoordinatorError("member_exists", `${id} is a member`);
    if (this.removed.includes(id)) {
      throw new CoordinatorError("node_id_reused", `${id} was removed; ids are never reused`);
    }
    this.members.set(id, { address, role: "learner", entriesBehind: this.newLearnerEntriesBehind });
    this.commit(`add ${id}`);
  }

  promote(id: string): void {
    this.checkChangeAllowed();
    const member = this.member(id);
    if (member.role === "voter") throw new CoordinatorError("not_a_learner", `${id} is a voter`);
    if (member.entriesBehind > learnerCaughtUpEntriesMax) {
      throw new CoordinatorError("learner_not_caught_up", `${id} is not caught up`, {
        entriesBehind: member.entriesBehind,
        caughtUpEntriesMax: learnerCaughtUpEntriesMax,
      });
    }
    member.role = "voter";
    this.commit(`promote ${id}`);
  }

  remove(id: string, force: boolean): void {
    this.checkChangeAllowed();
    const member = this.member(id);
    const votersAfter = [...this.members.entries()]
      .filter(([other, m]) => m.role === "voter" && other !== id)
      .map(([other]) => other);
    if (member.role === "voter" && votersAfter.length === 0) {
      throw new CoordinatorError("no_voters_left", `removing ${id} leaves no voter`);
    }
    const liveVoters = votersAfter.filter((voter) => !this.down.has(voter));
    if (member.role === "voter" && !force && liveVoters.length * 2 <= votersAfter.length) {
      throw new CoordinatorError(
        "no_live_quorum",
        `after removing ${id}, ${liveVoters.length} of ${votersAfter.length} voters are live`,
        { liveVoters: liveVoters.length, votersAfter: votersAfter.length },
      );
    }
    this.members.delete(id);
    this.removed.push(id);
    this.commit(`remove ${id}`);
  }

  private checkChangeAllowed(): void {
    if (this.tooEarly) throw new CoordinatorError("config_change_too_early");
    if (this.changeInFlight) throw new CoordinatorError("config_change_in_flight");
  }

  private member(id: string): Member {
    const member = this.members.get(id);
    if (member === undefined) throw new CoordinatorError("unknown_member", `${id} is no member`);
    return member;
  }

  private commit(change: string): void {
    this.configIndex += 1;
    this.changes.push(change);
  }

  /** Learners replicate `catchUpPerRead` more entries (called on each GET of the members). */
  progress(): void {
    for (const member of this.members.values()) {
      if (member.role === "learner") {
        member.entriesBehind = Math.max(0, member.entriesBehind - this.catchUpPerRead);
      }
    }
  }
}

const DEFAULT_VOTERS = { n1: "127.0.0.1:7101", n2: "127.0.0.1:7102", n3: "127.0.0.1:7103" };

/** The leader's last index in this model (progress fields count back from it). */
const LAST_INDEX = 1_000;

function memberView(id: string, member: Member, viewer: Viewer, onLeader: boolean): MemberView {
  const self = id === viewer.nodeId;
  const progress = onLeader && !self;
  return {
    id: asNodeId(id),
    role: member.role,
    address: member.address,
    isLeader: id === viewer.leaderId,
    matchIndex: progress ? LAST_INDEX - member.entriesBehind : null,
    entriesBehind: progress ? member.entriesBehind : null,
    caughtUp:
      progress && member.role === "learner"
        ? member.entriesBehind <= learnerCaughtUpEntriesMax
        : null,
    connected: self ? null : true,
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
