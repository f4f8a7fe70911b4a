/**
 * Runs one seed of the deterministic Raft simulation (TigerBeetle's VOPR, FoundationDB's
 * simulator): a 3- or 5-node cluster of {@link SimNode}s on a {@link SimNetwork}, a client, and a
 * nemesis, all driven by one seeded PRNG through one event queue in virtual time. Safety
 * invariants are checked after every event ({@link InvariantChecker}); after the fault phase
 * everything is healed and the cluster must elect a leader and converge within a bound
 * (liveness). The run stops at the first violation. Every event feeds a rolling hash, so the same
 * seed and code always give the same hash.
 */
import type { NodeId } from "../../src/util/ids.js";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import type { Prng } from "../../src/util/prng.js";
import type { RaftFaults } from "../../src/raft/config.js";
import { describeMessage, describeStatus } from "../../src/raft/describe.js";
import type { Message, MessageType } from "../../src/raft/messages.js";
import type { ReadIndexFailure, ReadState } from "../../src/raft/ready.js";
import type { Entry } from "../../src/raft/types.js";
import { InvariantChecker } from "./checker.js";
import type { Violation } from "./checker.js";
import { SimClient } from "./client.js";
import type { ClientStats } from "./client.js";
import { EventQueue } from "./event-queue.js";
import { CALM_NETWORK, SimNetwork } from "./network.js";
import type { NetworkStats } from "./network.js";
import { RollingHash } from "./rolling-hash.js";
import { drawScenario } from "./scenario.js";
import type { Scenario } from "./scenario.js";
import { Nemesis } from "./nemesis.js";
import type { NemesisStats, NemesisWorld } from "./nemesis.js";
import { SimNode } from "./sim-node.js";
import type { NodeHost } from "./sim-node.js";

/** A deliberately broken core, to prove the simulator catches it (TEST ONLY). */
export type InjectedBug = keyof RaftFaults;

/** Every bug that can be injected. */
export const INJECTABLE_BUGS: readonly InjectedBug[] = [
  "commitPreviousTermByCounting",
  "grantVoteTwice",
];

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
  /** Why the healed cluster did not converge in time, if it did not. */
  readonly livenessFailure: string | undefined;
  /** Virtual time from healing to convergence, if it converged. */
  readonly convergedAfterMs: number | undefined;
  readonly hash: string;
  readonly scenario: Scenario;
  readonly client: ClientStats;
  readonly network: NetworkStats;
  readonly nemesis: NemesisStats;
  /** Distinct terms that had a leader. */
  readonly leaderTerms: number;
  /** Messages delivered, by type (which parts of the protocol the run exercised). */
  readonly delivered: Readonly<Partial<Record<MessageType, number>>>;
}

type SimEvent =
  | { readonly kind: "tick"; readonly node: number }
  | {
      readonly kind: "deliver";
      readonly from: number;
      readonly to: number;
      readonly epoch: number;
      readonly message: Message;
    }
  | { readonly kind: "sync"; readonly node: number; readonly incarnation: number }
  | { readonly kind: "restart"; readonly node: number }
  | { readonly kind: "resume"; readonly node: number }
  | { readonly kind: "nemesis" }
  | { readonly kind: "propose" }
  | { readonly kind: "read" };

const EVENT_CODES: Record<SimEvent["kind"], number> = {
  tick: 1,
  deliver: 2,
  sync: 3,
  restart: 4,
  resume: 5,
  nemesis: 6,
  propose: 7,
  read: 8,
};

/** Runs one seed to its end and reports what happened. */
export function runSeed(options: SeedOptions): SeedResult {
  return new Simulation(options).run();
}

class Simulation implements NodeHost {
  private readonly scenario: Scenario;
  private readonly queue = new EventQueue<SimEvent>();
  private readonly network: SimNetwork;
  private readonly nodes: SimNode[];
  private readonly indexOf = new Map<NodeId, number>();
  private readonly checker: InvariantChecker;
  private readonly client: SimClient;
  private readonly hash = new RollingHash();
  private readonly timingPrng: Prng;
  private readonly nemesis: Nemesis;
  private readonly touched = new Set<number>();
  private readonly leaderTerms = new Set<number>();
  private readonly delivered: Partial<Record<MessageType, number>> = {};
  /** The last status line traced per node (only status changes are traced). */
  private readonly lastTraced: string[] = [];
  private nowMs = 0;
  private events = 0;
  /** When the fault phase ended and everything was healed. */
  private healedAtMs: number | undefined;
  private livenessFailure: string | undefined;
  private convergedAfterMs: number | undefined;
  /** The reads issued after convergence and not yet answered: request id → node, issue time. */
  private finalReads: Map<string, { node: number; issuedAtMs: number }> | undefined;

  constructor(private readonly options: SeedOptions) {
    const prng = createPrng(options.seed);
    this.scenario = {
      ...drawScenario(prng.fork(), options.nodeCount, options.steps),
      ...options.overrides,
    };
    this.timingPrng = prng.fork();
    const nemesisPrng = prng.fork();
    const crashPrng = prng.fork();
    this.network = new SimNetwork(options.nodeCount, this.scenario.network, prng.fork());
    const ids = Array.from({ length: options.nodeCount }, (_, i) => asNodeId(`n${i + 1}`));
    ids.forEach((id, i) => this.indexOf.set(id, i));
    this.checker = new InvariantChecker(ids, (id) => this.nodeById(id).disk);
    const faults = options.injectBug === undefined ? undefined : { [options.injectBug]: true };
    this.nodes = ids.map(
      (id) =>
        new SimNode(
          id,
          { voters: ids, learners: [] },
          this.scenario,
          prng.fork(),
          this,
          this.checker,
          faults,
        ),
    );
    this.client = new SimClient(
      this.nodes,
      this.scenario,
      prng.fork(),
      this.checker,
      () => this.nowMs,
    );
    this.nemesis = new Nemesis(this.nemesisWorld(), nemesisPrng, crashPrng);
  }

  private nemesisWorld(): NemesisWorld {
    return {
      scenario: this.scenario,
      network: this.network,
      client: this.client,
      nodes: this.nodes,
      touch: (index) => this.node(index),
      scheduleReturn: (kind, node, atMs) => this.queue.push(atMs, { kind, node }),
      nowMs: () => this.nowMs,
      trace: (line) => this.trace(line),
    };
  }

  private nodeById(id: NodeId): SimNode {
    const index = this.indexOf.get(id);
    if (index === undefined) throw new Error(`unknown node ${id}`);
    return this.node(index);
  }

  /** The node at `index`, marked as touched by the current event. */
  private node(index: number): SimNode {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    this.touched.add(index);
    return node;
  }

  run(): SeedResult {
    this.scheduleStart();
    for (let next = this.queue.pop(); next !== undefined; next = this.queue.pop()) {
      this.nowMs = next.atMs;
      this.checker.nowMs = next.atMs;
      this.events += 1;
      this.hashEvent(next.atMs, next.event);
      this.handleSafely(next.event);
      this.checkTouched();
      if (this.checker.failed || this.isFinished(next.event)) break;
    }
    return this.result();
  }

  private scheduleStart(): void {
    const { tickIntervalMs, nemesisIntervalMsMean, readIntervalMsMean } = this.scenario;
    this.nodes.forEach((_, node) => {
      this.queue.push(1 + this.timingPrng.nextInt(tickIntervalMs), { kind: "tick", node });
    });
    this.queue.push(this.drawIntervalMs(nemesisIntervalMsMean), { kind: "nemesis" });
    this.queue.push(this.drawIntervalMs(this.scenario.proposeIntervalMsMean), { kind: "propose" });
    if (readIntervalMsMean > 0)
      this.queue.push(this.drawIntervalMs(readIntervalMsMean), { kind: "read" });
  }

  /** A delay in [1, 2·mean], so that events of one kind do not march in lockstep. */
  private drawIntervalMs(meanMs: number): number {
    return this.nowMs + 1 + this.timingPrng.nextInt(2 * meanMs);
  }

  private get healing(): boolean {
    return this.healedAtMs !== undefined;
  }

  /** Any exception out of a node (an assertion in the core, a misused storage) is a violation. */
  private handleSafely(event: SimEvent): void {
    try {
      this.handle(event);
    } catch (error) {
      const where =
        "node" in event
          ? this.nodes[event.node]?.id
          : event.kind === "deliver"
            ? this.nodes[event.to]?.id
            : undefined;
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.checker.report("node-crashed", where ?? null, text.split("\n").slice(0, 4).join(" | "));
    }
  }

  private handle(event: SimEvent): void {
    switch (event.kind) {
      case "tick":
        return this.handleTick(event.node);
      case "deliver":
        return this.deliver(event);
      case "sync":
        return this.node(event.node).syncDone(event.incarnation);
      case "restart":
        return this.restartIfDown(event.node);
      case "resume":
        return this.node(event.node).resume();
      case "nemesis":
        return this.strike();
      case "propose":
        return this.clientStep("propose", this.scenario.proposeIntervalMsMean);
      case "read":
        return this.clientStep("read", this.scenario.readIntervalMsMean);
    }
  }

  private handleTick(index: number): void {
    const { tickIntervalMs, tickJitterMs, clockRates } = this.scenario;
    const jitter = this.timingPrng.nextInt(2 * tickJitterMs + 1) - tickJitterMs;
    const intervalMs = Math.round(tickIntervalMs * (clockRates[index] ?? 1));
    this.queue.push(this.nowMs + Math.max(1, intervalMs + jitter), {
      kind: "tick",
      node: index,
    });
    this.node(index).offer({ kind: "tick" });
  }

  private deliver(event: Extract<SimEvent, { kind: "deliver" }>): void {
    if (!this.network.canDeliver(event.from, event.to, event.epoch)) return;
    const type = event.message.type;
    this.delivered[type] = (this.delivered[type] ?? 0) + 1;
    this.trace(() => `deliver ${describeMessage(event.message)}`);
    this.node(event.to).offer({ kind: "message", message: event.message });
  }

  private restartIfDown(index: number): void {
    const node = this.node(index);
    if (!node.isUp) node.restart();
  }

  private clientStep(kind: "propose" | "read", meanMs: number): void {
    if (this.healing) return;
    this.queue.push(this.drawIntervalMs(meanMs), { kind });
    this.nodes.forEach((_, i) => this.touched.add(i));
    this.client.expire(4 * this.electionSpanMs());
    if (kind === "propose") this.client.propose();
    else this.client.read();
  }

  private electionSpanMs(): number {
    return 2 * this.scenario.raft.electionTimeoutTicks * this.scenario.tickIntervalMs;
  }

  private strike(): void {
    if (this.healing) return;
    this.queue.push(this.drawIntervalMs(this.scenario.nemesisIntervalMsMean), { kind: "nemesis" });
    this.nemesis.strike();
  }

  // ── NodeHost ─────────────────────────────────────────────────────────────────────────────

  scheduleSync(node: SimNode, incarnation: number): void {
    const index = this.indexOf.get(node.id) ?? -1;
    const latencyMs = this.timingPrng.nextInt(this.scenario.syncLatencyMsMax + 1);
    this.queue.push(this.nowMs + latencyMs, { kind: "sync", node: index, incarnation });
  }

  send(message: Message): void {
    const from = this.indexOf.get(message.from);
    const to = this.indexOf.get(message.to);
    if (from === undefined || to === undefined || from === to) {
      throw new Error(`the core sent a message with a bad address: ${describeMessage(message)}`);
    }
    for (const copy of this.network.transmit(from, to, this.nowMs)) {
      // Each copy is what the wire would carry: nothing shared with the sender or other copies.
      const wire = structuredClone(message);
      this.queue.push(copy.atMs, { kind: "deliver", from, to, epoch: copy.epoch, message: wire });
    }
  }

  applied(node: NodeId, entry: Entry): void {
    this.client.applied(node, entry);
  }

  readAnswered(node: NodeId, readState: ReadState): void {
    this.trace(() => `${node} read ${readState.requestId} served at ${readState.index}`);
    this.finalReads?.delete(readState.requestId);
    this.client.readAnswered();
  }

  readFailed(node: NodeId, failure: ReadIndexFailure): void {
    this.trace(() => `${node} read ${failure.requestId} failed: ${failure.reason}`);
    this.client.readFailed();
  }

  trace(line: () => string): void {
    if (this.options.trace !== undefined) this.options.trace(`${this.nowMs} ${line()}`);
  }

  // ── checks, healing, liveness ────────────────────────────────────────────────────────────

  /** Checks every node the event could have changed (nodes it did not reach are unchanged). */
  private checkTouched(): void {
    for (const index of this.touched) {
      const status = this.nodes[index]?.status();
      if (status === undefined) continue;
      this.checker.observeStatus(status);
      if (status.role === "Leader") this.leaderTerms.add(status.term);
      this.hash.addInt(index).addInt(status.term).addInt(status.commitIndex).addString(status.role);
      this.traceStatus(index, status.role, status.term, status.commitIndex, status.leaderId);
    }
    this.touched.clear();
  }

  private traceStatus(
    index: number,
    role: string,
    term: number,
    commit: number,
    leader: string | null,
  ): void {
    if (this.options.trace === undefined) return;
    const line = `${this.nodes[index]?.id} ${role} term=${term} commit=${commit} leader=${leader ?? "-"}`;
    if (this.lastTraced[index] === line) return;
    this.lastTraced[index] = line;
    this.trace(() => line);
  }

  /**
   * Moves from faults to healing when the fault phase is over. After healing, the run ends when
   * the cluster has converged and then answered a ReadIndex read on every node, or when the
   * bound runs out (a liveness failure).
   */
  private isFinished(event: SimEvent): boolean {
    const healedAtMs = this.healedAtMs;
    if (healedAtMs === undefined) {
      if (this.events >= this.scenario.faultPhaseEvents) this.heal();
      return false;
    }
    if (this.finalReads !== undefined && this.finalReads.size === 0) return true;
    if (event.kind === "tick" && event.node === 0) {
      if (this.convergedAfterMs === undefined && this.isConverged()) this.onConverged(healedAtMs);
      else this.retryFinalReads();
    }
    if (this.nowMs <= healedAtMs + this.scenario.healBoundMs) return false;
    this.livenessFailure = this.describeLivenessFailure();
    if (this.convergedAfterMs === undefined) this.checker.checkAcknowledgedWrites(new Map());
    return true;
  }

  /** Converged: check the acknowledged writes, then ask every node for a linearizable read. */
  private onConverged(healedAtMs: number): void {
    this.convergedAfterMs = this.nowMs - healedAtMs;
    this.trace(() => `CONVERGED after ${this.convergedAfterMs} ms; a read on every node`);
    this.checker.checkAcknowledgedWrites(new Map(this.nodes.map((n) => [n.id, n.appliedIndex])));
    this.finalReads = new Map();
    this.nodes.forEach((_, i) => this.issueFinalRead(i));
  }

  private issueFinalRead(node: number): void {
    const requestId = this.client.read(this.node(node));
    this.finalReads?.set(requestId, { node, issuedAtMs: this.nowMs });
  }

  /**
   * A read whose request or answer was lost (e.g. an answer of an older term, which a node that
   * moved on ignores) gets no reply: like a real client, retry after an election span.
   */
  private retryFinalReads(): void {
    for (const [requestId, read] of this.finalReads ?? []) {
      if (this.nowMs - read.issuedAtMs < this.electionSpanMs()) continue;
      this.finalReads?.delete(requestId);
      this.issueFinalRead(read.node);
    }
  }

  private describeLivenessFailure(): string {
    const bound = `${this.scenario.healBoundMs} ms after healing`;
    if (this.convergedAfterMs !== undefined) {
      return `reads ${[...(this.finalReads?.keys() ?? [])].join(",")} not answered ${bound}`;
    }
    const states = this.nodes.map((n) => {
      const s = n.status();
      return s === undefined ? `${n.id} down` : describeStatus(s);
    });
    return `not converged ${bound}: ${states.join("; ")}`;
  }

  /** Ends the fault phase: every link up, a calm network, crashed nodes restarted, paused resumed. */
  private heal(): void {
    this.healedAtMs = this.nowMs;
    this.trace(() => "HEAL: network healed and calm, every node up; the client stops");
    this.network.healAll();
    this.network.setConfig(CALM_NETWORK);
    this.nodes.forEach((node, index) => {
      this.touched.add(index);
      if (!node.isUp) node.restart();
      else if (node.paused) node.resume();
    });
    this.checkTouched();
  }

  /** One leader of the highest term, known to all; every node committed and applied its whole log. */
  private isConverged(): boolean {
    const statuses = this.nodes.map((n) => n.status());
    const leader = statuses.find((s) => s?.role === "Leader");
    if (leader === undefined) return false;
    const hash = this.nodes[0]?.stateHash();
    return (
      statuses.every(
        (s) =>
          s !== undefined &&
          s.term === leader.term &&
          s.leaderId === leader.id &&
          s.commitIndex === leader.lastLogIndex &&
          s.lastApplied === s.commitIndex,
      ) && this.nodes.every((n) => n.appliedIndex === leader.lastLogIndex && n.stateHash() === hash)
    );
  }

  private hashEvent(atMs: number, event: SimEvent): void {
    this.hash.addInt(atMs).addInt(EVENT_CODES[event.kind]);
    if (event.kind === "deliver") {
      this.hash
        .addInt(event.from)
        .addInt(event.to)
        .addString(event.message.type)
        .addInt(event.message.term);
    } else if ("node" in event) {
      this.hash.addInt(event.node);
    }
  }

  private result(): SeedResult {
    for (const node of this.nodes) this.hash.addString(node.stateHash()).addInt(node.appliedIndex);
    return {
      seed: this.options.seed,
      nodeCount: this.options.nodeCount,
      events: this.events,
      virtualMs: this.nowMs,
      violation: this.checker.violations[0],
      convergedAfterMs: this.convergedAfterMs,
      livenessFailure:
        this.checker.failed || this.finalReads?.size === 0
          ? undefined
          : (this.livenessFailure ?? "the event queue ran dry"),
      hash: this.hash.hex(),
      scenario: this.scenario,
      client: this.client.stats,
      network: this.network.stats,
      nemesis: this.nemesis.stats,
      leaderTerms: this.leaderTerms.size,
      delivered: this.delivered,
    };
  }
}
