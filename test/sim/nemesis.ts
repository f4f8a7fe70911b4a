/**
 * The nemesis (Jepsen's word): the simulated operator from hell. Each strike draws one action
 * by the seed's weights — crash a node or the leader, pause one, cut the network symmetrically or
 * one way, isolate the leader, heal the network, reset a connection, or ask the leader to hand
 * over leadership (through the production `transferLeadership`). A crashed node restarts, and a
 * paused one resumes, after a random downtime (often longer than an election timeout); at most
 * `nodesDownMax` nodes are down or paused at once.
 */
import type { Prng } from "../../src/util/prng.js";
import type { SimNetwork } from "./network.js";
import type { NemesisAction, Scenario } from "./scenario.js";
import type { SimNode } from "./sim-cluster.js";

/** How many times each action struck in a run. */
export type NemesisStats = Partial<Record<NemesisAction, number>>;

/** What the nemesis acts on, provided by the simulation. */
export interface NemesisWorld {
  readonly scenario: Scenario;
  readonly network: SimNetwork;
  /** Every node, in index order. */
  readonly nodes: readonly SimNode[];
  /** Schedules a node's return (restart after a crash, resume after a pause). */
  scheduleReturn(kind: "restart" | "resume", index: number, atMs: number): void;
  nowMs(): number;
  trace(line: () => string): void;
}

/** Strikes the world with one drawn fault at a time. */
export class Nemesis {
  readonly stats: NemesisStats = {};

  constructor(
    private readonly world: NemesisWorld,
    private readonly prng: Prng,
    /** The disk's crash randomness (which unsynced writes survive) has its own stream. */
    private readonly crashPrng: Prng,
  ) {}

  /** Draws one action by the seed's weights and performs it (nothing when all weights are 0). */
  strike(): void {
    const action = this.drawAction();
    if (action === undefined) return;
    this.stats[action] = (this.stats[action] ?? 0) + 1;
    this.perform(action);
  }

  private drawAction(): NemesisAction | undefined {
    const weights = Object.entries(this.world.scenario.nemesisWeights) as [NemesisAction, number][];
    const total = weights.reduce((sum, [, w]) => sum + w, 0);
    if (total === 0) return undefined;
    let draw = this.prng.nextInt(total);
    for (const [action, weight] of weights) {
      if (draw < weight) return action;
      draw -= weight;
    }
    return undefined;
  }

  private perform(action: NemesisAction): void {
    const { network, nodes } = this.world;
    const n = nodes.length;
    const a = this.prng.nextInt(n);
    const b = (a + 1 + this.prng.nextInt(n - 1)) % n;
    this.world.trace(() => `NEMESIS ${action} (${nodes[a]?.id}, ${nodes[b]?.id})`);
    switch (action) {
      case "crash":
        return this.crash(a);
      case "crashLeader":
        return this.crash(this.currentLeader() ?? a);
      case "pause":
        return this.pause(a);
      case "netsplit":
        return network.netsplit(this.drawSide());
      case "oneWayCut":
        return network.cutOneWay(a, b);
      case "isolateLeader":
        return this.isolateLeader();
      case "healNetwork":
        return network.healAll();
      case "resetConnection":
        return this.resetConnection(a, b);
      case "transferLeadership":
        return this.transferLeadership(b);
    }
  }

  private returnAtMs(): number {
    return this.world.nowMs() + 1 + this.prng.nextInt(this.world.scenario.downtimeMsMax);
  }

  /** Whether one more node may go down (crash or pause) within the seed's limit. */
  private mayTakeDown(): boolean {
    const down = this.world.nodes.filter((n) => !n.retired && (!n.isUp || n.paused)).length;
    return down < this.world.scenario.nodesDownMax;
  }

  private crash(index: number): void {
    const node = this.node(index);
    if (!node.isUp || (!node.paused && !this.mayTakeDown())) return;
    node.crash(this.crashPrng);
    this.world.scheduleReturn("restart", index, this.returnAtMs());
  }

  private node(index: number): SimNode {
    const node = this.world.nodes[index];
    if (node === undefined) throw new Error(`no node ${index}`);
    return node;
  }

  private pause(index: number): void {
    const node = this.node(index);
    if (!node.isUp || node.paused || !this.mayTakeDown()) return;
    node.pause();
    this.world.scheduleReturn("resume", index, this.returnAtMs());
  }

  /** A random non-empty proper subset of the nodes. */
  private drawSide(): number[] {
    const n = this.world.nodes.length;
    const mask = 1 + this.prng.nextInt(2 ** n - 2);
    return this.world.nodes.map((_, i) => i).filter((i) => (mask & (1 << i)) !== 0);
  }

  /** The running node that leads the highest term, if any. */
  currentLeader(): number | undefined {
    let best: { index: number; term: number } | undefined;
    this.world.nodes.forEach((node, index) => {
      const status = node.node?.coreStatus();
      if (status?.role === "Leader" && (best === undefined || status.term > best.term)) {
        best = { index, term: status.term };
      }
    });
    return best?.index;
  }

  private isolateLeader(): void {
    const leader = this.currentLeader();
    if (leader !== undefined) this.world.network.isolate(leader);
  }

  /** The connection drops; both transports notice and tell their cores. */
  private resetConnection(a: number, b: number): void {
    this.world.network.resetConnection(a, b);
    const nodeA = this.node(a);
    const nodeB = this.node(b);
    nodeA.connectionReset(nodeB.id);
    nodeB.connectionReset(nodeA.id);
  }

  /** The leader is asked to hand over to `to` (its answer, or refusal, does not matter). */
  private transferLeadership(to: number): void {
    const leader = this.currentLeader();
    if (leader === undefined || leader === to) return;
    const node = this.node(leader).node;
    node?.transferLeadership(this.node(to).id).catch(() => undefined);
  }
}
