/**
 * Runs one seed of the deterministic simulation (docs/SIMULATION.md; TigerBeetle's VOPR,
 * FoundationDB's simulator): a 3- or 5-node cluster of PRODUCTION coordinator nodes
 * (./sim-cluster.ts) on a simulated network, disk, clock and timers, clients calling their
 * `NodeService` (./workload.ts), and a nemesis, all driven by one seeded PRNG through one
 * queue of events in virtual time (./world.ts), and a membership operator adding, promoting,
 * removing and replacing members (./membership-operator.ts). Raft, membership and coordinator
 * invariants are checked
 * after every event; after the fault phase everything is healed, and every plan must complete
 * and every replica converge within the seed's bound (liveness). The run stops at the first
 * violation. Every event feeds a rolling hash: the same seed and code give the same hash.
 */
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import { describeStatus } from "../../src/raft/describe.js";
import type { MessageType } from "../../src/raft/messages.js";
import { stateHash } from "../../src/state-machine/index.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import { faultsOf, type InjectedBug } from "./bugs.js";
import { InvariantChecker, type Violation } from "./checker.js";
import { CoordinatorChecker } from "./coordinator-checker.js";
import { MembershipChecker, reportedConfiguration } from "./membership-checker.js";
import { MembershipOperator, type MembershipStats } from "./membership-operator.js";
import { Nemesis, type NemesisStats } from "./nemesis.js";
import { CALM_NETWORK, SimNetwork, type NetworkStats } from "./network.js";
import { RollingHash } from "./rolling-hash.js";
import { drawScenario, type Scenario } from "./scenario.js";
import {
  SimNode,
  retiredByReason,
  type ClusterObserver,
  type RetireReason,
} from "./sim-cluster.js";
import type { DiskConfig } from "./sim-store.js";
import { Workload, type WorkloadStats } from "./workload.js";
import { EVENT_KINDS, SimProcessTime, World, type WorldEvent } from "./world.js";

/** What to run. */
export interface SeedOptions {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
  /** Events in the fault phase (`--steps`). */
  readonly steps: number;
  readonly injectBug?: InjectedBug;
  /** Pins parts of the drawn scenario (tests). */
  readonly overrides?: Partial<Scenario>;
  /** Receives one line per notable event (replay with `--seed`); off when absent. */
  readonly trace?: (line: string) => void;
}

/** The outcome of one seed. */
export interface SeedResult {
  readonly seed: number;
  readonly nodeCount: 3 | 5;
  readonly events: number;
  readonly virtualMs: number;
  /** The first violated invariant, if any (the run stops there). */
  readonly violation: Violation | undefined;
  /** Why the healed cluster did not finish in time, if it did not. */
  readonly livenessFailure: string | undefined;
  /** Virtual time from healing to every plan done and every replica converged. */
  readonly convergedAfterMs: number | undefined;
  readonly hash: string;
  readonly scenario: Scenario;
  readonly workload: WorkloadStats;
  readonly checks: CoordinatorChecker["stats"];
  readonly network: NetworkStats;
  readonly nemesis: NemesisStats;
  /** Membership operations started and their outcomes (`add.done`, `remove.refused`…). */
  readonly membership: MembershipStats;
  /** Nodes that joined at runtime. */
  readonly joined: number;
  /** Nodes retired for good after their removal, by reason. */
  readonly retired: Readonly<Partial<Record<RetireReason, number>>>;
  /** Distinct terms that had a leader. */
  readonly leaderTerms: number;
  /** Messages sent, by type (which parts of the protocol the run exercised). */
  readonly sent: Readonly<Partial<Record<MessageType, number>>>;
  /** Events run, by kind. */
  readonly eventKinds: Readonly<Partial<Record<WorldEvent["kind"], number>>>;
  /** Node lives begun, failed starts and fail-stops on disk errors, summed over the nodes. */
  readonly lives: { starts: number; failedStarts: number; failStops: number };
}

/** The state hashes of replicas are compared at applied indexes that are multiples of this. */
const STATE_HASH_EVERY = 4;

/** How often (virtual ms) the healed run looks whether every plan is done. */
const DONE_CHECK_MS = 50;

/** Runs one seed to its end and reports what happened. */
export function runSeed(options: SeedOptions): Promise<SeedResult> {
  return new Simulation(options).run();
}

class Simulation implements ClusterObserver {
  private readonly scenario: Scenario;
  private readonly world = new World();
  private readonly network: SimNetwork;
  private readonly nodes: SimNode[] = [];
  private readonly checker: InvariantChecker;
  private readonly coordinator: CoordinatorChecker;
  private readonly workload: Workload;
  private readonly nemesis: Nemesis;
  private readonly members: MembershipChecker;
  private readonly operator: MembershipOperator;
  /** Every id a node may have: the first voters, then the joiners' ids, never reused. */
  private readonly ids: readonly NodeId[];
  private readonly setup: ConstructorParameters<typeof SimNode>[2];
  /** After healing: every running node is a member and every removed one is off. */
  private membersMended = false;
  private readonly hash = new RollingHash();
  private readonly disk: { -readonly [K in keyof DiskConfig]: DiskConfig[K] };
  private readonly leaderTerms = new Set<number>();
  private readonly sentByType: Partial<Record<MessageType, number>> = {};
  private readonly hashedIndex: number[] = [];
  private readonly byKind: Partial<Record<WorldEvent["kind"], number>> = {};
  private events = 0;
  private healedAtMs: number | undefined;
  private draining = false;
  private nextCheckMs = 0;
  private livenessFailure: string | undefined;
  private convergedAfterMs: number | undefined;
  private finished = false;

  constructor(private readonly options: SeedOptions) {
    const prng = createPrng(options.seed);
    this.scenario = {
      ...drawScenario(prng.fork(), options.nodeCount, options.steps),
      ...options.overrides,
    };
    const { scenario } = this;
    this.disk = { ...scenario.disk };
    const joinersMax = scenario.membership.joinersMax;
    const ids = Array.from({ length: options.nodeCount + joinersMax }, (_, i) =>
      asNodeId(`n${i + 1}`),
    );
    const bootstrapIds = ids.slice(0, options.nodeCount);
    this.ids = ids;
    this.network = new SimNetwork(ids.length, scenario.network, prng.fork());
    this.checker = new InvariantChecker(ids, (id) => this.nodeById(id).disk);
    this.coordinator = new CoordinatorChecker(this.checker);
    this.members = new MembershipChecker(this.checker, (id) => this.nodeById(id).disk);
    const { faults, raftFaults } = faultsOf(options.injectBug);
    const setup = {
      ...{ world: this.world, network: this.network, ids, bootstrapIds, timings: scenario.timings },
      ...{ disk: this.disk, observer: this, faults, raftFaults, raftTuning: scenario.raft },
      answerUnlinkedPeers: scenario.membership.answerUnlinkedPeers,
      restartAfterMs: 2 * scenario.timings.electionTimeoutTicks * scenario.timings.tickIntervalMs,
    };
    this.setup = setup;
    bootstrapIds.forEach((_, i) => {
      const time = new SimProcessTime(
        this.world,
        i,
        scenario.clockRates[i] ?? 1,
        scenario.clockOffsetsMs[i] ?? 0,
      );
      this.nodes.push(new SimNode(i, time, setup, prng.fork(), this.nodes));
    });
    this.workload = new Workload(
      ...[this.world, this.nodes, prng.fork(), scenario.workload, this.coordinator],
      (line) => this.trace(line),
    );
    const nemesisPrng = prng.fork();
    const crashPrng = prng.fork();
    this.nemesis = new Nemesis(
      {
        scenario,
        network: this.network,
        nodes: this.nodes,
        scheduleReturn: (kind, node, atMs) =>
          this.world.at(atMs, kind, node, () => this.bringBack(kind, node)),
        nowMs: () => this.world.nowMs,
        trace: (line) => this.trace(line),
      },
      nemesisPrng,
      crashPrng,
    );
    this.timingPrng = prng.fork();
    this.joinPrng = prng.fork();
    this.operator = new MembershipOperator(
      {
        config: scenario.membership,
        nodes: this.nodes,
        join: (members) => this.join(members),
        leader: () => this.leader(),
        sleep: (ms) =>
          new Promise((resolve) => this.world.at(this.world.nowMs + ms, "member", -1, resolve)),
        requestTimeoutMs: scenario.workload.requestTimeoutMs,
        failed: (error) => this.failed(asNodeId("operator"), error),
        trace: (line) => this.trace(line),
      },
      prng.fork(),
    );
  }

  private readonly timingPrng;
  private readonly joinPrng;

  /** A new node with the next never-used id, told about `members`; null when none is left. */
  private join(members: readonly NodeId[]): SimNode | null {
    const index = this.nodes.length;
    if (index >= this.ids.length) return null;
    const joiner = index - this.options.nodeCount;
    const { clockRates, clockOffsetsMs } = this.scenario.membership;
    const time = new SimProcessTime(
      this.world,
      index,
      clockRates[joiner] ?? 1,
      clockOffsetsMs[joiner] ?? 1_700_000_000_000,
    );
    const node = new SimNode(index, time, this.setup, this.joinPrng.fork(), this.nodes, members);
    this.nodes.push(node);
    this.trace(() => `${node.id} JOINS, told about ${members.join(",")}`);
    return node;
  }

  private nodeById(id: NodeId): SimNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`unknown node ${id}`);
    return node;
  }

  async run(): Promise<SeedResult> {
    for (const node of this.nodes) node.start();
    this.workload.start();
    this.scheduleNemesis();
    if (this.operator.enabled) this.scheduleMembership();
    for (let event = this.world.next(); event !== undefined; event = this.world.next()) {
      this.events++;
      this.checker.nowMs = this.world.nowMs;
      this.hashEvent(event);
      event.run();
      await this.world.settle();
      this.checkNodes(event.node);
      if (this.checker.failed || this.finished) break;
      this.advancePhase();
    }
    if (!this.finished && !this.checker.failed) this.livenessFailure ??= "the event queue ran dry";
    return this.result();
  }

  private scheduleNemesis(): void {
    const meanMs = this.scenario.nemesisIntervalMsMean;
    this.world.at(this.world.nowMs + 1 + this.timingPrng.nextInt(2 * meanMs), "nemesis", -1, () => {
      if (this.healedAtMs !== undefined) return;
      this.nemesis.strike();
      this.scheduleNemesis();
    });
  }

  /** The next membership operation, a random pause after the last one ended. */
  private scheduleMembership(): void {
    const meanMs = this.scenario.membership.intervalMsMean;
    this.world.at(this.world.nowMs + 1 + this.timingPrng.nextInt(2 * meanMs), "member", -1, () => {
      if (this.healedAtMs !== undefined) return;
      void this.operator.strike().then(() => this.scheduleMembership());
    });
  }

  private bringBack(kind: "restart" | "resume", index: number): void {
    const node = this.nodes[index];
    if (node === undefined) return;
    if (kind === "restart" && !node.isUp) node.start();
    if (kind === "resume" && node.paused) node.resume();
  }

  // ── ClusterObserver ──────────────────────────────────────────────────────────────────────

  sent(node: NodeId, message: Parameters<ClusterObserver["sent"]>[1]): void {
    this.sentByType[message.type] = (this.sentByType[message.type] ?? 0) + 1;
    this.checker.observeSent(node, message);
  }

  persisted(node: NodeId, entries: Parameters<ClusterObserver["persisted"]>[1]): void {
    this.checker.observePersisted(node, entries);
    const status = this.nodeById(node).node?.coreStatus();
    if (status?.role === "Leader" && entries.some((entry) => entry.type === "Config")) {
      this.members.observeLeaderLog(node, status.commitIndex);
    }
  }

  started(sim: SimNode): void {
    const node = sim.node;
    if (node === null) return;
    this.hashedIndex[sim.index] = -1;
    this.checker.observeRestart(node.coreStatus());
    this.members.lifeBegan(sim.id);
    node.events.on("applied", ({ index, term, envelope }) => {
      this.checker.observeApplied(sim.id, index, term, node.coreStatus().commitIndex);
      this.coordinator.applied(envelope?.clientId, envelope?.seq);
    });
    node.events.on("leaseExpiryProposed", () =>
      this.coordinator.leaseExpiryProposed(sim.id, node.coreStatus().role === "Leader"),
    );
    this.observeMembership(sim, node);
    this.trace(() => `${sim.id} STARTED ${describeStatus(node.coreStatus())}`);
  }

  /**
   * The configurations `node` reports (at start and at each change), its announcement that it
   * was removed — after which it stops and is retired for good.
   */
  private observeMembership(sim: SimNode, node: CoordinatorNode): void {
    const report = () =>
      this.members.observeConfiguration(sim.id, reportedConfiguration(node.members()));
    report();
    node.events.on("membership", report);
    node.events.on("removed", () => {
      this.members.removedAnnounced(sim.id);
      sim.removalAnnounced = true;
      void node.stop().then(() => {
        if (sim.node === node) sim.restartAfterRemoval();
      });
    });
  }

  startRefused(node: NodeId): boolean {
    return this.members.isRemoved(node);
  }

  crashed(node: NodeId, survivors: Parameters<ClusterObserver["crashed"]>[1]): void {
    this.checker.observeCrash(node, survivors);
  }

  failed(node: NodeId, error: Error): void {
    const text = (error.stack ?? error.message).split("\n").slice(0, 4).join(" | ");
    this.checker.report("node-failed", node, text);
  }

  trace(line: () => string): void {
    if (this.options.trace !== undefined) this.options.trace(`${this.world.nowMs} ${line()}`);
  }

  // ── checks, healing, liveness ────────────────────────────────────────────────────────────

  /**
   * Raft status of the node the event concerned (of every node after a client's or the
   * nemesis's event); the state hash wherever the applied index moved.
   */
  private checkNodes(index: number): void {
    for (const sim of index < 0 ? this.nodes : this.nodes.slice(index, index + 1)) {
      const node = sim.node;
      if (node === null) continue;
      const status = node.coreStatus();
      this.checker.observeStatus(status);
      this.members.checkRemovedStops(sim.id, node.isReady());
      if (status.role === "Leader") this.leaderTerms.add(status.term);
      this.hash.addInt(status.term).addInt(status.commitIndex);
      const applied = node.appliedIndex();
      // Hashing a state costs as much as a snapshot: sampled at every fourth index.
      if (applied !== this.hashedIndex[sim.index] && applied % STATE_HASH_EVERY === 0) {
        this.hashedIndex[sim.index] = applied;
        this.checker.observeStateHash(sim.id, applied, stateHash(node.appliedState()));
      }
    }
  }

  /** Fault phase → healed (clients mend) → draining (clients stop) → converged. */
  private advancePhase(): void {
    const healedAtMs = this.healedAtMs;
    if (healedAtMs === undefined) {
      if (this.events >= this.scenario.faultPhaseEvents) this.heal();
      return;
    }
    // Looking costs a query or a state hash per replica: every DONE_CHECK_MS only.
    if (this.world.nowMs < this.nextCheckMs) return;
    this.nextCheckMs = this.world.nowMs + DONE_CHECK_MS;
    if (!this.membersMended && !this.operator.isBusy) {
      void this.operator.mend().then((mended) => (this.membersMended = mended));
    }
    const leader = this.leader();
    if (
      !this.draining &&
      leader !== undefined &&
      this.workload.allPlansDone(leader.appliedState())
    ) {
      this.draining = true;
      this.workload.stop();
      this.trace(() => "every plan is done; the clients stop");
    }
    if (this.draining && this.membersMended && this.isConverged()) {
      this.convergedAfterMs = this.world.nowMs - healedAtMs;
      const node = this.nodes[0]?.node;
      if (node !== null && node !== undefined) {
        this.coordinator.checkDurable(node.nodeId, node.appliedState());
      }
      this.trace(() => `CONVERGED after ${this.convergedAfterMs} ms`);
      this.finished = true;
      return;
    }
    if (this.world.nowMs > healedAtMs + this.scenario.healBoundMs) {
      this.livenessFailure = this.describeLivenessFailure();
      this.finished = true;
    }
  }

  private leader() {
    const sims = this.nodes.filter((n) => n.node?.coreStatus().role === "Leader");
    sims.sort((a, b) => (b.node?.coreStatus().term ?? 0) - (a.node?.coreStatus().term ?? 0));
    return sims[0]?.node ?? undefined;
  }

  /** Ends the fault phase: links up, a calm network and disk, every node up and running. */
  private heal(): void {
    this.healedAtMs = this.world.nowMs;
    this.trace(() => "HEAL: network and disks healed, every node up; the clients mend");
    this.network.healAll();
    this.network.setConfig(CALM_NETWORK);
    this.disk.writeErrorProbability = 0;
    this.disk.readErrorProbability = 0;
    for (const node of this.nodes) {
      if (!node.isUp) node.start();
      else if (node.paused) node.resume();
    }
    this.workload.heal();
  }

  /**
   * One leader, known to all; every node applied the leader's whole log; then the states must
   * be equal (a difference is a state-machine-safety violation).
   */
  private isConverged(): boolean {
    const leader = this.leader();
    if (leader === undefined) return false;
    const { term, id, lastLogIndex } = leader.coreStatus();
    const caughtUp = this.nodes.every((sim) => {
      if (sim.retired) return true;
      const node = sim.node;
      if (node === null || sim.paused) return false;
      const s = node.coreStatus();
      return s.term === term && s.leaderId === id && node.appliedIndex() === lastLogIndex;
    });
    if (!caughtUp) return false;
    for (const sim of this.nodes) {
      const node = sim.node;
      if (node !== null) {
        this.checker.observeStateHash(sim.id, lastLogIndex, stateHash(node.appliedState()));
      }
    }
    return !this.checker.failed;
  }

  private describeLivenessFailure(): string {
    const bound = `${this.scenario.healBoundMs} ms after healing`;
    const leader = this.leader();
    const plans = leader === undefined ? [] : this.workload.plansToComplete();
    const states = this.nodes.map((n) => {
      const s = n.node?.coreStatus();
      return s === undefined ? `${n.id} ${n.retired ? "retired" : "down"}` : describeStatus(s);
    });
    const what = !this.draining
      ? `plans ${plans.join(",")} not all done`
      : this.membersMended
        ? "not converged"
        : "membership not mended";
    return `${what} ${bound}: ${states.join("; ")}`;
  }

  private hashEvent(event: WorldEvent): void {
    this.byKind[event.kind] = (this.byKind[event.kind] ?? 0) + 1;
    this.hash
      .addInt(this.world.nowMs)
      .addInt(EVENT_KINDS[event.kind])
      .addInt(event.node + 1);
  }

  private result(): SeedResult {
    const lives = { starts: 0, failedStarts: 0, failStops: 0 };
    for (const sim of this.nodes) {
      lives.starts += sim.counts.starts;
      lives.failedStarts += sim.counts.failedStarts;
      lives.failStops += sim.counts.failStops;
      const node = sim.node;
      if (node !== null)
        this.hash.addString(stateHash(node.appliedState())).addInt(node.appliedIndex());
    }
    return {
      seed: this.options.seed,
      nodeCount: this.options.nodeCount,
      events: this.events,
      virtualMs: this.world.nowMs,
      violation: this.checker.violations[0],
      convergedAfterMs: this.convergedAfterMs,
      livenessFailure: this.checker.failed ? undefined : this.livenessFailure,
      hash: this.hash.hex(),
      scenario: this.scenario,
      workload: this.workload.stats,
      checks: this.coordinator.stats,
      network: this.network.stats,
      nemesis: this.nemesis.stats,
      membership: this.operator.stats,
      joined: this.nodes.length - this.options.nodeCount,
      retired: retiredByReason(this.nodes),
      leaderTerms: this.leaderTerms.size,
      sent: this.sentByType,
      eventKinds: this.byKind,
      lives,
    };
  }
}
