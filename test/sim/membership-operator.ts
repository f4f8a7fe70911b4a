/**
 * The membership operator of the simulator (docs/SIMULATION.md §2, docs/MEMBERSHIP.md): an
 * operator who, while the nemesis strikes and the clients work, changes the cluster's membership
 * through the PRODUCTION node's `addMember` / `promoteMember` / `removeMember`, one operation at
 * a time as the CLI does: add a learner (its node started before or after the change), promote a
 * learner, remove a member (voter, learner, sometimes the leader, sometimes with `force`), or
 * replace a voter (add → wait until caught up → promote → remove the old one). Refusals that
 * pass (`learner_not_caught_up`, `config_change_in_flight`, `config_change_too_early`,
 * `not_leader`…) are retried after a pause; other refusals end the operation. Voters stay between
 * 1 and {@link VOTERS_MAX}. After healing it mends: every running node a member, every removed
 * one switched off.
 */
import { CoordinatorError } from "../../src/errors.js";
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import type { MembershipView } from "../../src/node/service.js";
import type { NodeId } from "../../src/util/ids.js";
import type { Prng } from "../../src/util/prng.js";
import { simUrlOf, type SimNode } from "./sim-cluster.js";

/** What the operator can do to the membership. */
export type MembershipOperation = "add" | "promote" | "remove" | "replace";

/** One seed's membership operator (drawn in ./scenario.ts). Times in virtual ms. */
export interface MembershipConfig {
  /** How often each operation is drawn; all 0 switches the operator off. */
  readonly weights: Readonly<Record<MembershipOperation, number>>;
  /** Mean pause between the end of one operation and the start of the next. */
  readonly intervalMsMean: number;
  /** How many new nodes (fresh ids) may join in the run. */
  readonly joinersMax: number;
  /** Probability that a removal is forced past the live-majority check. */
  readonly forceProbability: number;
  /** Probability that a removal targets the leader. */
  readonly removeLeaderProbability: number;
  /** Probability that a joining node is started before it is added (else after). */
  readonly startJoinerFirstProbability: number;
  /**
   * Whether the leader of a two-voter configuration may be removed. False in drawn scenarios,
   * which keeps the recorded seed corpus: the node used to remove itself when the hand-over
   * failed, and could leave no electable voter; it now refuses (`leadership_transfer_failed`),
   * which seed 62 replays (docs/SIMULATION.md §4).
   */
  readonly removeLeaderOfTwoVoters: boolean;
  /**
   * Whether a node answers a peer it keeps no link to (ClusterSetup.answerUnlinkedPeers): true
   * in drawn seeds, as the production transport does (it accepts any authenticated peer); false
   * shows the stale-member deadlock of a transport that does not (seed 284).
   */
  readonly answerUnlinkedPeers: boolean;
  /** Mean pause before a refused step is tried again. */
  readonly retryMsMean: number;
  /** The joiners' clocks: rate (drift) and offset, by joiner. */
  readonly clockRates: readonly number[];
  readonly clockOffsetsMs: readonly number[];
}

/** How many operations started, and how they ended, by `operation.outcome`. */
export type MembershipStats = Record<string, number>;

/** What the operator acts on, provided by the simulation. */
export interface MembershipWorld {
  readonly config: MembershipConfig;
  /** Every node of the run so far, joiners included. */
  readonly nodes: readonly SimNode[];
  /** A new node with a never-used id, told about `members`, not started; null when none is left. */
  join(members: readonly NodeId[]): SimNode | null;
  /** The running leader of the highest term, if any. */
  leader(): CoordinatorNode | undefined;
  /** Resolves after `ms` of virtual time. */
  sleep(ms: number): Promise<void>;
  /** Calls taking longer than this count as unanswered (the node may have crashed). */
  readonly requestTimeoutMs: number;
  /** The node threw something that is not a CoordinatorError: a bug. */
  failed(error: Error): void;
  trace(line: () => string): void;
}

/** At most this many voters (docs/MEMBERSHIP.md: 1-, 3- and 5-voter clusters). */
export const VOTERS_MAX = 5;

/** At most this many members, voters and learners. */
const MEMBERS_MAX = 7;

/** Tries of one step before the operation gives up. */
const STEP_TRIES_MAX = 12;

/** Refusals after which the same step is tried again (on the leader then known). */
const RETRIED = new Set([
  "learner_not_caught_up",
  "config_change_in_flight",
  "config_change_too_early",
  "not_leader",
  "no_leader",
  "leadership_transfer_in_progress",
  "proposal_timeout",
  "proposal_dropped",
  "node_stopping",
  "unanswered",
]);

type Answer = { ok: true; view: MembershipView } | { ok: false; code: string };

function voters(view: MembershipView): NodeId[] {
  return view.members.filter((m) => m.role === "voter").map((m) => m.id);
}

function learners(view: MembershipView): NodeId[] {
  return view.members.filter((m) => m.role === "learner").map((m) => m.id);
}

/** The address a simulated node is added at (`host:port` of its URL). */
export function simAddressOf(id: NodeId): string {
  return new URL(simUrlOf(id)).host;
}

/** The operator; see the module comment. */
export class MembershipOperator {
  readonly stats: MembershipStats = {};
  private busy = false;

  constructor(
    private readonly world: MembershipWorld,
    private readonly prng: Prng,
  ) {}

  /** Whether any operation can be drawn at all. */
  get enabled(): boolean {
    return Object.values(this.world.config.weights).some((w) => w > 0);
  }

  /** Whether an operation is under way. */
  get isBusy(): boolean {
    return this.busy;
  }

  /** Starts one drawn operation unless one is under way; resolves when it ended. */
  async strike(): Promise<void> {
    if (this.busy) return;
    const operation = this.draw();
    if (operation === undefined) return;
    this.busy = true;
    this.count(operation, "started");
    try {
      this.count(operation, await this.perform(operation));
    } finally {
      this.busy = false;
    }
  }

  private count(operation: string, outcome: string): void {
    const key = `${operation}.${outcome}`;
    this.stats[key] = (this.stats[key] ?? 0) + 1;
  }

  private draw(): MembershipOperation | undefined {
    const weights = Object.entries(this.world.config.weights) as [MembershipOperation, number][];
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    if (total === 0) return undefined;
    let draw = this.prng.nextInt(total);
    for (const [operation, weight] of weights) {
      if (draw < weight) return operation;
      draw -= weight;
    }
    return undefined;
  }

  private perform(operation: MembershipOperation): Promise<string> {
    switch (operation) {
      case "add":
        return this.add();
      case "promote":
        return this.promoteSome();
      case "remove":
        return this.removeSome();
      case "replace":
        return this.replace();
    }
  }

  private pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[this.prng.nextInt(items.length)];
  }

  private retryPause(): Promise<void> {
    return this.world.sleep(1 + this.prng.nextInt(2 * this.world.config.retryMsMean));
  }

  /**
   * The committed configuration as the leader shows it, waiting (bounded) while there is no
   * leader or a change is in flight; undefined if that lasts.
   */
  private async settledView(): Promise<MembershipView | undefined> {
    for (let tries = 0; tries < STEP_TRIES_MAX; tries++) {
      const view = this.world.leader()?.members();
      if (view !== undefined && !view.changeInFlight) return view;
      await this.retryPause();
    }
    return undefined;
  }

  /**
   * Calls `fn` on the leader, retrying passing refusals (see {@link RETRIED}) up to
   * {@link STEP_TRIES_MAX} times while `stillWanted` holds.
   */
  private async step(
    what: string,
    fn: (leader: CoordinatorNode) => Promise<MembershipView>,
    stillWanted: () => boolean = () => true,
  ): Promise<Answer> {
    let answer: Answer = { ok: false, code: "no_leader" };
    for (let tries = 0; tries < STEP_TRIES_MAX && stillWanted(); tries++) {
      answer = await this.callLeader(fn);
      this.world.trace(() => `MEMBER ${what}: ${answer.ok ? "done" : answer.code}`);
      if (answer.ok || !RETRIED.has(answer.code)) return answer;
      await this.retryPause();
    }
    return answer;
  }

  private callLeader(fn: (leader: CoordinatorNode) => Promise<MembershipView>): Promise<Answer> {
    const leader = this.world.leader();
    if (leader === undefined) return Promise.resolve({ ok: false, code: "no_leader" });
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: Answer): void => {
        if (!settled) resolve(answer);
        settled = true;
      };
      void this.world.sleep(this.world.requestTimeoutMs).then(() => {
        finish({ ok: false, code: "unanswered" });
      });
      fn(leader).then(
        (view) => finish({ ok: true, view }),
        (error: unknown) => {
          if (error instanceof CoordinatorError) finish({ ok: false, code: error.code });
          else {
            this.world.failed(error instanceof Error ? error : new Error(String(error)));
            finish({ ok: false, code: "bug" });
          }
        },
      );
    });
  }

  /** Adds a new node as a learner; its process starts before or after the change. */
  private async add(): Promise<string> {
    const view = await this.settledView();
    if (view === undefined) return "no-settled-leader";
    if (view.members.length >= MEMBERS_MAX) return "skipped";
    const joiner = await this.addJoiner(view);
    return joiner === null ? "refused" : "done";
  }

  /** Adds a new node; resolves with it once its AddLearner committed, null otherwise. */
  private async addJoiner(view: MembershipView): Promise<SimNode | null> {
    const joiner = this.world.join(view.members.map((m) => m.id));
    if (joiner === null) return null;
    const startFirst = this.prng.nextFloat() < this.world.config.startJoinerFirstProbability;
    if (startFirst) joiner.start();
    const answer = await this.step(`add ${joiner.id}`, (leader) =>
      leader.addMember(joiner.id, simAddressOf(joiner.id)),
    );
    // Whatever the answer, the process runs: an unknown outcome may still commit. (Healing may
    // have started it meanwhile.)
    if (!joiner.isUp) joiner.start();
    return answer.ok ? joiner : null;
  }

  private async promoteSome(): Promise<string> {
    const view = await this.settledView();
    if (view === undefined) return "no-settled-leader";
    const learner = this.pick(learners(view));
    if (learner === undefined || voters(view).length >= VOTERS_MAX) return "skipped";
    return (await this.promote(learner)).ok ? "done" : "refused";
  }

  private promote(id: NodeId): Promise<Answer> {
    const room = () => {
      const view = this.world.leader()?.members();
      return view === undefined || voters(view).length < VOTERS_MAX;
    };
    return this.step(`promote ${id}`, (leader) => leader.promoteMember(id), room);
  }

  private async removeSome(): Promise<string> {
    const view = await this.settledView();
    if (view === undefined) return "no-settled-leader";
    const leaderId = view.leaderId;
    const target =
      leaderId !== null && this.prng.nextFloat() < this.world.config.removeLeaderProbability
        ? leaderId
        : this.pick(view.members.map((m) => m.id));
    if (target === undefined) return "skipped";
    return (await this.remove(target)).ok ? "done" : "refused";
  }

  /**
   * Removes `id` unless that would leave no voter; forced in some removals. A leader's own
   * removal hands leadership over and answers `not_leader`: retried on the new leader.
   */
  private remove(id: NodeId): Promise<Answer> {
    const force = this.prng.nextFloat() < this.world.config.forceProbability;
    const wanted = () => {
      const view = this.world.leader()?.members();
      if (view === undefined) return true;
      const left = voters(view).filter((voter) => voter !== id);
      const leaderOfTwo = id === view.leaderId && left.length === 1;
      if (leaderOfTwo && !this.world.config.removeLeaderOfTwoVoters) return false;
      return left.length >= 1 && view.members.some((m) => m.id === id);
    };
    return this.step(
      `remove ${id}${force ? " (force)" : ""}`,
      (leader) => leader.removeMember(id, { force }),
      wanted,
    );
  }

  /** add a new learner → wait until caught up → promote it → remove an old voter. */
  private async replace(): Promise<string> {
    const view = await this.settledView();
    if (view === undefined) return "no-settled-leader";
    const old = this.pick(voters(view));
    if (old === undefined || voters(view).length >= VOTERS_MAX) return "skipped";
    if (view.members.length >= MEMBERS_MAX) return "skipped";
    const joiner = await this.addJoiner(view);
    if (joiner === null) return "add-refused";
    if (!(await this.caughtUp(joiner.id))) return "not-caught-up";
    if (!(await this.promote(joiner.id)).ok) return "promote-refused";
    return (await this.remove(old)).ok ? "done" : "remove-refused";
  }

  /** Waits until the leader reports `id` caught up (bounded). */
  private async caughtUp(id: NodeId): Promise<boolean> {
    for (let tries = 0; tries < STEP_TRIES_MAX; tries++) {
      const member = this.world
        .leader()
        ?.members()
        .members.find((m) => m.id === id);
      if (member?.caughtUp === true || member?.role === "voter") return true;
      await this.retryPause();
    }
    return false;
  }

  /**
   * After healing (one step per call): switches off every node the committed configuration
   * removed that still runs (it may have missed its removal, docs/MEMBERSHIP.md §8), and adds
   * every running node that is not a member (an add whose outcome was lost).
   * @returns whether every node left running is a member
   */
  async mend(): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    try {
      return await this.mendOnce();
    } finally {
      this.busy = false;
    }
  }

  private async mendOnce(): Promise<boolean> {
    const view = await this.settledView();
    if (view === undefined) return false;
    const members = new Set(view.members.map((m) => m.id));
    for (const sim of this.world.nodes) {
      // One that announced its removal stops by itself (or the run fails for liveness).
      if (!sim.retired && !sim.removalAnnounced && view.removed.includes(sim.id)) {
        sim.retire("switched-off");
      }
    }
    const stray = this.world.nodes.find(
      (sim) => !sim.retired && !sim.removalAnnounced && !members.has(sim.id),
    );
    if (stray === undefined) return true;
    const answer = await this.step(`mend: add ${stray.id}`, (leader) =>
      leader.addMember(stray.id, simAddressOf(stray.id)),
    );
    this.count("mend", answer.ok ? "done" : answer.code);
    return false;
  }
}
