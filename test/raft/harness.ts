// An interaction harness for scenario tests: N RawNodes over MemoryStorage, a scripted network
// (deliver all, deliver some, drop, cut links) and the production loop order per Ready
// (persist → send → apply → advance), with a transcript of every message sent via describe*.
import { CoordinatorError } from "../../src/errors.js";
import { asNodeId, type LogIndex, type NodeId } from "../../src/util/ids.js";
import { createPrng, type Prng } from "../../src/util/prng.js";
import { defaultRaftConfig, type RaftConfig } from "../../src/raft/config.js";
import { describeMessage } from "../../src/raft/describe.js";
import { MemoryStorage, type MemoryStorageInit } from "../../src/raft/memory-storage.js";
import type { Message } from "../../src/raft/messages.js";
import { RawNode } from "../../src/raft/raw-node.js";
import type { ReadIndexFailure, ReadState } from "../../src/raft/ready.js";
import type { ConfChange, ConfState, Entry } from "../../src/raft/types.js";

/** Config fields a scenario may override (everything but identity, storage, prng, applied). */
export type NodeOptions = Partial<Omit<RaftConfig, "id" | "storage" | "prng" | "applied">>;

export interface ClusterOptions extends NodeOptions {
  /** Durable state per node at start (term, vote, log, snapshot); the configuration is implied. */
  readonly init?: (id: NodeId) => Omit<MemoryStorageInit, "confState"> | undefined;
  readonly seed?: number;
  /** Ids (among the cluster's) that join as non-voting learners. */
  readonly learners?: readonly string[];
}

/** One node of the cluster: its durable storage, its core, and what its application saw. */
export class TestNode {
  raw: RawNode;
  /** Every committed entry applied, NoOps included, in order. */
  readonly applied: Entry[] = [];
  appliedIndex: LogIndex;
  /** The index of every snapshot installed from a leader. */
  readonly installedSnapshots: LogIndex[] = [];
  readonly readStates: ReadState[] = [];
  readonly readFailures: ReadIndexFailure[] = [];
  crashed = false;

  constructor(
    readonly id: NodeId,
    readonly storage: MemoryStorage,
    private readonly makeConfig: (node: TestNode) => RaftConfig,
  ) {
    this.appliedIndex = storage.snapshot().metadata.index;
    this.raw = new RawNode(makeConfig(this));
  }

  /** Restarts from durable state: a fresh core over the same storage and applied index. */
  restart(): void {
    this.crashed = false;
    this.raw = new RawNode(this.makeConfig(this));
  }

  /** The node's whole log as `index/term` strings (from its storage, i.e. what is durable). */
  logTerms(): string[] {
    const first = this.storage.firstIndex();
    const last = this.storage.lastIndex();
    return this.storage.entries(first, last + 1, Infinity).map((e) => `${e.index}/${e.term}`);
  }
}

/** The code of the CoordinatorError `action` throws, or undefined if it returns. */
export function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof CoordinatorError) return error.code;
    throw error;
  }
  return undefined;
}

/** Builds entries `index/term` with a one-byte payload (a NoOp-free log for initial states). */
export function entriesOf(...positions: [LogIndex, number][]): Entry[] {
  return positions.map(([index, term]) => ({
    index,
    term,
    type: "Normal",
    data: new Uint8Array([index % 256]),
  }));
}

/** Builds a log with one entry per term in `terms`, starting at index 1. */
export function logWithTerms(terms: readonly number[]): Entry[] {
  return entriesOf(...terms.map((term, i): [LogIndex, number] => [i + 1, term]));
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  readonly confState: ConfState;
  /** Messages sent and not yet delivered, in send order. */
  queue: Message[] = [];
  /** Every message sent, as `describeMessage` lines (and a few harness events). */
  transcript: string[] = [];
  private readonly cutLinks = new Set<string>();
  private readonly seedPrng: Prng;

  constructor(
    ids: readonly string[],
    private readonly options: ClusterOptions = {},
  ) {
    const nodeIds = ids.map(asNodeId);
    const learners = new Set(options.learners ?? []);
    this.confState = {
      voters: nodeIds.filter((id) => !learners.has(id)).sort(),
      learners: nodeIds.filter((id) => learners.has(id)).sort(),
    };
    this.seedPrng = createPrng(options.seed ?? 1);
    for (const id of nodeIds) {
      this.addNode(id, new MemoryStorage({ confState: this.confState, ...options.init?.(id) }));
    }
  }

  private addNode(id: NodeId, storage: MemoryStorage): TestNode {
    const prng = this.seedPrng.fork();
    const makeConfig = (node: TestNode): RaftConfig => ({
      ...defaultRaftConfig(id, storage, prng),
      electionTimeoutTicks: 10,
      heartbeatIntervalTicks: 2,
      ...withoutInit(this.options),
      applied: node.appliedIndex,
    });
    const node = new TestNode(id, storage, makeConfig);
    this.nodes.set(id, node);
    return node;
  }

  /**
   * Starts a new node `id` with an empty log and no configuration, as a server that is about to
   * be added: it learns the configuration from the leader's log or snapshot.
   */
  join(id: string): TestNode {
    const confState: ConfState = { voters: [], learners: [] };
    return this.addNode(asNodeId(id), new MemoryStorage({ confState }));
  }

  /** Proposes a membership change at `id` (must be leader); returns the entry's index. */
  proposeConf(id: string, change: ConfChange): LogIndex {
    const { index } = this.raw(id).proposeConfChange(change);
    this.process(this.node(id));
    return index;
  }

  node(id: string): TestNode {
    const node = this.nodes.get(asNodeId(id));
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  raw(id: string): RawNode {
    return this.node(id).raw;
  }

  /** Handles every pending Ready of every live node, in id order. */
  processAll(): void {
    for (const node of this.nodes.values()) this.process(node);
  }

  /** The production loop for one node: persist → send → apply → advance, until nothing is ready. */
  process(node: TestNode): void {
    if (node.crashed) return;
    while (node.raw.hasReady()) {
      const ready = node.raw.ready();
      if (ready.snapshot !== undefined) node.storage.applySnapshot(ready.snapshot);
      node.storage.append(ready.entries);
      if (ready.hardState !== undefined) node.storage.setHardState(ready.hardState);
      for (const m of ready.messages) {
        this.transcript.push(describeMessage(m));
        this.queue.push(m);
      }
      if (ready.snapshot !== undefined) {
        node.installedSnapshots.push(ready.snapshot.metadata.index);
        node.appliedIndex = ready.snapshot.metadata.index;
      }
      for (const entry of ready.committedEntries) {
        node.applied.push(entry);
        node.appliedIndex = entry.index;
      }
      node.readStates.push(...ready.readStates);
      node.readFailures.push(...ready.readIndexFailures);
      node.raw.advance();
    }
  }

  /**
   * Delivers the queued messages matching `filter` (all by default), in send order; the others
   * stay queued. Messages over a cut link or to a crashed node are lost. Receivers then process
   * their Readys. Returns the messages delivered.
   */
  deliver(filter: (m: Message) => boolean = () => true): Message[] {
    const now = this.queue.filter(filter);
    this.queue = this.queue.filter((m) => !filter(m));
    const delivered: Message[] = [];
    for (const m of now) {
      const target = this.nodes.get(m.to);
      if (target === undefined || target.crashed || this.isCut(m.from, m.to)) continue;
      target.raw.step(m);
      delivered.push(m);
    }
    this.processAll();
    return delivered;
  }

  /** Drops the queued messages matching `filter` (all by default). */
  drop(filter: (m: Message) => boolean = () => true): void {
    this.queue = this.queue.filter((m) => !filter(m));
  }

  /** Processes and delivers until no message is in flight and no node has a Ready. */
  stabilize(roundsMax = 1_000): void {
    this.processAll();
    for (let round = 0; this.queue.length > 0; round++) {
      if (round >= roundsMax) throw new Error(`no quiescence after ${roundsMax} rounds`);
      this.deliver();
    }
  }

  /** Ticks `id` `n` times, processing its Readys after each tick (messages stay queued). */
  tick(id: string, n = 1): void {
    const node = this.node(id);
    for (let i = 0; i < n; i++) {
      if (node.crashed) return;
      node.raw.tick();
      this.process(node);
    }
  }

  /** Ticks every live node `n` times, delivering everything after each round of ticks. */
  tickAll(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) if (!node.crashed) node.raw.tick();
      this.stabilize();
    }
  }

  campaign(id: string): void {
    this.raw(id).campaign();
    this.process(this.node(id));
  }

  /** Campaigns at `id` and delivers until quiet; throws unless `id` is then the only leader. */
  elect(id: string): void {
    this.campaign(id);
    this.stabilize();
    const leaders = this.leaders();
    if (leaders.length !== 1 || leaders[0] !== id) {
      throw new Error(`expected ${id} to be the only leader, got [${leaders.join(", ")}]`);
    }
  }

  /** Proposes `text` at `id` (must be leader) and returns the entry's index. */
  propose(id: string, text: string): LogIndex {
    const { index } = this.raw(id).propose(new TextEncoder().encode(text));
    this.process(this.node(id));
    return index;
  }

  /** Cuts the link between `a` and `b` in both directions (or only a→b with `oneWay`). */
  cut(a: string, b: string, oneWay = false): void {
    this.cutLinks.add(`${a}->${b}`);
    if (!oneWay) this.cutLinks.add(`${b}->${a}`);
  }

  /** Cuts every link of `id`. */
  isolate(id: string): void {
    for (const other of this.nodes.keys()) if (other !== id) this.cut(id, other);
  }

  heal(): void {
    this.cutLinks.clear();
  }

  isCut(from: string, to: string): boolean {
    return this.cutLinks.has(`${from}->${to}`);
  }

  /** Stops `id`: it loses its volatile state and in-flight messages to it are lost. */
  crash(id: string): void {
    this.node(id).crashed = true;
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id);
  }

  restart(id: string): void {
    this.node(id).restart();
    this.process(this.node(id));
  }

  /** The ids of the nodes that are currently leader (of any term). */
  leaders(): string[] {
    return [...this.nodes.values()]
      .filter((n) => !n.crashed && n.raw.status().role === "Leader")
      .map((n) => n.id);
  }

  /** Returns and clears the transcript. */
  takeTranscript(): string[] {
    const lines = this.transcript;
    this.transcript = [];
    return lines;
  }
}

function withoutInit(options: ClusterOptions): NodeOptions {
  const rest: ClusterOptions & { init?: unknown; seed?: unknown; learners?: unknown } = {
    ...options,
  };
  delete rest.init;
  delete rest.seed;
  return rest;
}
