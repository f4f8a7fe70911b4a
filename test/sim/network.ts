/**
 * The simulated network between simulated nodes: every message gets an independent random delay
 * (so messages reorder), may be lost or duplicated, and travels only over links that are up.
 * Netsplits cut links one way or both ways; a connection reset drops whatever is still in flight
 * between two nodes (a TCP connection torn down). Nodes are numbered 0..n-1.
 *
 * The network only decides *whether and when* a message arrives; the simulator schedules the
 * deliveries and asks {@link SimNetwork.canDeliver} again at delivery time, so a link cut or a
 * reset while a message is in flight drops it, as a real broken connection would.
 */
import { assert } from "../../src/util/assert.js";
import type { Prng } from "../../src/util/prng.js";

/** How the network behaves while links are up. Probabilities in [0, 1], delays in virtual ms. */
export interface NetworkConfig {
  readonly delayMsMin: number;
  readonly delayMsMax: number;
  readonly lossProbability: number;
  readonly duplicateProbability: number;
  /** Chance that a message is held up by an extra delay of up to `spikeDelayMsMax`. */
  readonly spikeProbability: number;
  readonly spikeDelayMsMax: number;
}

/** A network with no faults and a small fixed delay range (used after healing). */
export const CALM_NETWORK: NetworkConfig = Object.freeze({
  delayMsMin: 1,
  delayMsMax: 10,
  lossProbability: 0,
  duplicateProbability: 0,
  spikeProbability: 0,
  spikeDelayMsMax: 0,
});

/** One copy of a message on its way: when it arrives and on which connection epoch it left. */
export interface Transmission {
  readonly atMs: number;
  readonly epoch: number;
}

/** Counters for tests and run summaries. */
export interface NetworkStats {
  sent: number;
  lost: number;
  duplicated: number;
  blocked: number;
  droppedInFlight: number;
}

/** The simulated network of `nodeCount` nodes. */
export class SimNetwork {
  private config: NetworkConfig;
  /** up[from * n + to]: whether messages from → to get through. */
  private readonly up: boolean[];
  /** epoch[min * n + max]: bumped by a connection reset between the two nodes. */
  private readonly epochs: number[];
  readonly stats: NetworkStats = {
    sent: 0,
    lost: 0,
    duplicated: 0,
    blocked: 0,
    droppedInFlight: 0,
  };

  constructor(
    readonly nodeCount: number,
    config: NetworkConfig,
    private readonly prng: Prng,
  ) {
    assert(nodeCount >= 1, "a network needs at least one node");
    this.config = checkConfig(config);
    this.up = new Array<boolean>(nodeCount * nodeCount).fill(true);
    this.epochs = new Array<number>(nodeCount * nodeCount).fill(0);
  }

  /** Replaces the delay/loss/duplication behaviour (links stay as they are). */
  setConfig(config: NetworkConfig): void {
    this.config = checkConfig(config);
  }

  /**
   * Sends one message from → to at `nowMs`: zero copies (lost or the link is down), one, or two
   * (duplicated), each with its own arrival time.
   */
  transmit(from: number, to: number, nowMs: number): Transmission[] {
    this.checkNode(from);
    this.checkNode(to);
    this.stats.sent += 1;
    if (!this.isLinkUp(from, to)) {
      this.stats.blocked += 1;
      return [];
    }
    if (this.prng.nextFloat() < this.config.lossProbability) {
      this.stats.lost += 1;
      return [];
    }
    const epoch = this.epochOf(from, to);
    const copies = [{ atMs: nowMs + this.drawDelayMs(), epoch }];
    if (this.prng.nextFloat() < this.config.duplicateProbability) {
      this.stats.duplicated += 1;
      copies.push({ atMs: nowMs + this.drawDelayMs(), epoch });
    }
    return copies;
  }

  /** Whether a copy sent on `epoch` may arrive now: the link is up and was not reset since. */
  canDeliver(from: number, to: number, epoch: number): boolean {
    const ok = this.isLinkUp(from, to) && this.epochOf(from, to) === epoch;
    if (!ok) this.stats.droppedInFlight += 1;
    return ok;
  }

  /** Whether messages from → to currently get through. */
  isLinkUp(from: number, to: number): boolean {
    return from === to || this.up[from * this.nodeCount + to] === true;
  }

  /** Cuts the link from → to only (a one-way netsplit: `to` still reaches `from`). */
  cutOneWay(from: number, to: number): void {
    this.checkNode(from);
    this.checkNode(to);
    if (from !== to) this.up[from * this.nodeCount + to] = false;
  }

  /** A symmetric netsplit: cuts every link between `side` and the other nodes, both ways. */
  netsplit(side: readonly number[]): void {
    const inSide = new Set(side);
    for (let a = 0; a < this.nodeCount; a++) {
      for (let b = 0; b < this.nodeCount; b++) {
        if (inSide.has(a) !== inSide.has(b)) this.up[a * this.nodeCount + b] = false;
      }
    }
  }

  /** Cuts `node` off from everyone, both ways (e.g. isolating the leader). */
  isolate(node: number): void {
    this.netsplit([node]);
  }

  /** Restores every link (in-flight copies already dropped stay dropped). */
  healAll(): void {
    this.up.fill(true);
  }

  /** Tears down the connection between `a` and `b`: copies in flight either way are dropped. */
  resetConnection(a: number, b: number): void {
    this.checkNode(a);
    this.checkNode(b);
    this.epochs[Math.min(a, b) * this.nodeCount + Math.max(a, b)]! += 1;
  }

  private epochOf(a: number, b: number): number {
    return this.epochs[Math.min(a, b) * this.nodeCount + Math.max(a, b)]!;
  }

  private drawDelayMs(): number {
    const { delayMsMin, delayMsMax, spikeProbability, spikeDelayMsMax } = this.config;
    let delayMs = delayMsMin + this.prng.nextInt(delayMsMax - delayMsMin + 1);
    if (spikeDelayMsMax > 0 && this.prng.nextFloat() < spikeProbability) {
      delayMs += 1 + this.prng.nextInt(spikeDelayMsMax);
    }
    return delayMs;
  }

  private checkNode(node: number): void {
    assert(
      Number.isInteger(node) && node >= 0 && node < this.nodeCount,
      () => `no node ${node} in a network of ${this.nodeCount}`,
    );
  }
}

function checkConfig(config: NetworkConfig): NetworkConfig {
  assert(
    Number.isInteger(config.delayMsMin) &&
      Number.isInteger(config.delayMsMax) &&
      config.delayMsMin >= 0 &&
      config.delayMsMin <= config.delayMsMax,
    "network delays must be integers with 0 ≤ min ≤ max",
  );
  for (const p of [config.lossProbability, config.duplicateProbability, config.spikeProbability]) {
    assert(p >= 0 && p <= 1, "network probabilities must lie in [0, 1]");
  }
  return config;
}
