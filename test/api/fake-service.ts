// Test helper (not a test): a NodeService without Raft that applies every command at once to a
// real state machine (createState/apply), so the API meets realistic results and rejections.
// It counts proposals, can play a follower (propose throws not_leader) or a leaderless node, and
// wakes long polls on every apply like the real node. Its cluster configuration is a
// FakeMembership (fake-membership.ts); membership changes are served by the leader only.
import { CoordinatorError } from "../../src/errors.js";
import type {
  LeaderInfo,
  MembershipView,
  NodeService,
  ProposeOptions,
  RaftStatusView,
  ReadConsistency,
  RemoveMemberOptions,
} from "../../src/node/service.js";
import { apply, createState, stateHash } from "../../src/state-machine/index.js";
import type {
  ApplyResult,
  Command,
  CommandType,
  CoordinatorState,
} from "../../src/state-machine/index.js";
import { asNodeId } from "../../src/util/ids.js";
import type { NodeId } from "../../src/util/ids.js";
import { FakeMembership } from "./fake-membership.js";

/** How the fake behaves. */
export type FakeRole = "leader" | "follower" | "leaderless";

export interface FakeServiceOptions {
  readonly nodeId?: string;
  readonly role?: FakeRole;
  /** For a follower: who leads. */
  readonly leader?: { readonly leaderId: string; readonly leaderUrl: string };
  /** The leader clock stamped as proposedAtMs (default Date.now). */
  readonly clock?: () => number;
  /** The cluster configuration (default: voters n1..n3 at 127.0.0.1:7101..7103). */
  readonly membership?: FakeMembership;
  /** Timers of long-poll waits (default the global ones; worker tests pass a fake clock's). */
  readonly timers?: {
    setTimeout(callback: () => void, delayMs: number): unknown;
    clearTimeout(handle: unknown): void;
  };
}

export class FakeService implements NodeService {
  readonly nodeId: NodeId;
  readonly state: CoordinatorState = createState();
  role: FakeRole;
  leaderInfo: LeaderInfo;
  /** Proposals received (every call of propose), by command type. */
  readonly proposals: Command[] = [];
  readonly reads: ReadConsistency[] = [];
  ready = true;
  transferredTo: NodeId | undefined | null = null;
  /** The cluster configuration; tests may share one between a leader and its followers. */
  membership: FakeMembership;
  private index = 0;
  private readonly waiters = new Set<() => void>();
  private readonly clock: () => number;
  private readonly timers: NonNullable<FakeServiceOptions["timers"]>;

  constructor(options: FakeServiceOptions = {}) {
    this.nodeId = asNodeId(options.nodeId ?? "n1");
    this.role = options.role ?? "leader";
    this.clock = options.clock ?? Date.now;
    this.membership = options.membership ?? new FakeMembership();
    this.timers = options.timers ?? {
      setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
      clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
    };
    this.leaderInfo =
      this.role === "leader"
        ? { leaderId: this.nodeId, leaderUrl: "http://127.0.0.1:1" }
        : options.leader === undefined
          ? { leaderId: null, leaderUrl: null }
          : { leaderId: asNodeId(options.leader.leaderId), leaderUrl: options.leader.leaderUrl };
  }

  /** Proposals of `type` so far. */
  count(type: CommandType): number {
    return this.proposals.filter((command) => command.type === type).length;
  }

  async propose(command: Command, options: ProposeOptions = {}): Promise<ApplyResult> {
    this.proposals.push(command);
    if (this.role === "follower") {
      throw new CoordinatorError("not_leader", undefined, { ...this.leaderInfo });
    }
    if (this.role === "leaderless") throw new CoordinatorError("no_leader");
    return this.applyNow(command, options);
  }

  /** Applies `command` as if committed now, waking long polls. */
  applyNow(command: Command, options: ProposeOptions = {}): ApplyResult {
    const { clientId, seq } = options;
    const session = clientId === undefined || seq === undefined ? {} : { clientId, seq };
    const result = apply(
      this.state,
      { proposedAtMs: this.clock(), command, ...session },
      ++this.index,
    );
    for (const wake of [...this.waiters]) wake();
    return result;
  }

  async read<T>(query: (state: CoordinatorState) => T, consistency: ReadConsistency): Promise<T> {
    this.reads.push(consistency);
    if (this.role === "leaderless" && consistency === "linearizable") {
      throw new CoordinatorError("no_leader");
    }
    return query(this.state);
  }

  leader(): LeaderInfo {
    return this.leaderInfo;
  }

  raftStatus(options: { withStateHash?: boolean } = {}): RaftStatusView {
    return {
      nodeId: this.nodeId,
      role: this.role === "leader" ? "Leader" : "Follower",
      term: 3,
      leaderId: this.leaderInfo.leaderId,
      commitIndex: this.index,
      lastApplied: this.index,
      lastLogIndex: this.index,
      snapshotIndex: 0,
      peers: [
        {
          id: asNodeId("n2"),
          matchIndex: this.index,
          nextIndex: this.index + 1,
          state: "Replicate",
          lastContactMs: 12,
          connected: true,
        },
      ],
      membership: this.membership.status(),
      ...(options.withStateHash === true ? { stateHash: stateHash(this.state) } : {}),
    };
  }

  isReady(): boolean {
    return this.ready;
  }

  waitForApply(sinceIndex: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.index > sinceIndex) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (changed: boolean) => {
        this.timers.clearTimeout(timer);
        this.waiters.delete(wake);
        signal?.removeEventListener("abort", abort);
        resolve(changed);
      };
      const wake = () => done(true);
      const abort = () => done(false);
      const timer = this.timers.setTimeout(() => done(false), Math.max(0, timeoutMs));
      this.waiters.add(wake);
      signal?.addEventListener("abort", abort);
    });
  }

  appliedIndex(): number {
    return this.index;
  }

  async transferLeadership(to?: NodeId): Promise<LeaderInfo> {
    if (this.role === "follower") {
      throw new CoordinatorError("not_leader", undefined, { ...this.leaderInfo });
    }
    this.transferredTo = to;
    return { leaderId: to ?? asNodeId("n2"), leaderUrl: "http://127.0.0.1:2" };
  }

  members(): MembershipView {
    if (this.role === "leader") this.membership.progress();
    return this.view();
  }

  async addMember(id: NodeId, address: string): Promise<MembershipView> {
    this.checkLeader();
    this.membership.add(id, address);
    return this.view();
  }

  async promoteMember(id: NodeId): Promise<MembershipView> {
    this.checkLeader();
    this.membership.promote(id);
    return this.view();
  }

  async removeMember(id: NodeId, options: RemoveMemberOptions = {}): Promise<MembershipView> {
    this.checkLeader();
    this.membership.remove(id, options.force === true);
    return this.view();
  }

  private view(): MembershipView {
    return this.membership.view({ nodeId: this.nodeId, leaderId: this.leaderInfo.leaderId });
  }

  /** Membership changes, like proposals, are served by the leader only. */
  private checkLeader(): void {
    if (this.role === "follower") {
      throw new CoordinatorError("not_leader", undefined, { ...this.leaderInfo });
    }
    if (this.role === "leaderless") throw new CoordinatorError("no_leader");
  }

  async snapshotNow(): Promise<{ index: number; bytes: number }> {
    return { index: this.index, bytes: 1234 };
  }
}
