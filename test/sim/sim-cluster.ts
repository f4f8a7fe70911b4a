/**
 * The simulated cluster (docs/SIMULATION.md §2): n PRODUCTION coordinator nodes
 * (src/node CoordinatorNode, built by its own wiring) whose ports are simulated — each node's
 * store is a {@link SimStore} over a disk that outlives its lives, its transport a link into the
 * {@link SimNetwork} (every message goes through the production wire codec), its clock and
 * timers those of its {@link SimProcessTime}. A node can crash (its unsynced writes lost or
 * torn), restart (the production recovery from its disk), pause and resume, and fail-stop on a
 * storage error as the production process does (it exits; here it is crashed and restarted).
 * The cluster grows at runtime: a joining node (a never-used id, an empty disk, `joining: true`)
 * starts with an empty configuration until the membership operator adds it; a node whose removal
 * committed stops itself and is retired for good (docs/SIMULATION.md §2).
 */
import { CoordinatorNode } from "../../src/node/coordinator-node.js";
import { NodeConfigError, nodeConfig, type NodeTimings } from "../../src/node/config.js";
import type { NodeFaults } from "../../src/node/faults.js";
import type { RaftTuning } from "../../src/node/node-wiring.js";
import type { NodeLogger, NodeTransport, TransportHandlers } from "../../src/node/ports.js";
import type { RaftFaults } from "../../src/raft/config.js";
import type { Message } from "../../src/raft/messages.js";
import type { Entry } from "../../src/raft/types.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { NodeId } from "../../src/util/ids.js";
import type { Prng } from "../../src/util/prng.js";
import { decodeMessage, encodeMessage } from "../../src/wire/raft-codec.js";
import { SimDisk, emptyDurableState } from "./disk.js";
import type { SimNetwork } from "./network.js";
import { SimStore, type DiskConfig } from "./sim-store.js";
import type { SimProcessTime, World } from "./world.js";

/**
 * Why a node was retired: an operator switched it off (removed, it never learned the removal
 * committed), or `CoordinatorNode.start` refused its data directory (it stopped after its removal
 * and was tried once more, or it crashed while stopping).
 */
export type RetireReason = "switched-off" | "start-refused";

/** What the cluster tells the checkers and the transcript. */
export interface ClusterObserver {
  /** `node` sent `message` (before the network decides its fate). */
  sent(node: NodeId, message: Message): void;
  /** Entries of `node` became durable. */
  persisted(node: NodeId, entries: readonly Entry[]): void;
  /** A new life of `node` is up (after its store loaded). */
  started(node: SimNode): void;
  /** `node` crashed; its disk kept `survivors` of its unsynced entries. */
  crashed(node: NodeId, survivors: readonly Entry[]): void;
  /** The node stopped on an error that is not a simulated disk fault: a bug. */
  failed(node: NodeId, error: Error): void;
  /**
   * `CoordinatorNode.start` refused the node's data directory (NodeConfigError); answers whether
   * that is right — its removal committed — so that the node is retired rather than failed.
   */
  startRefused(node: NodeId, error: NodeConfigError): boolean;
  trace(line: () => string): void;
}

/** What every node of one seed shares. */
export interface ClusterSetup {
  readonly world: World;
  readonly network: SimNetwork;
  /** Every id a node of the run may have, in network index order (first voters, then joiners). */
  readonly ids: readonly NodeId[];
  /** The voters a bootstrapped (not joining) node starts from. */
  readonly bootstrapIds: readonly NodeId[];
  readonly timings: NodeTimings;
  readonly disk: DiskConfig;
  readonly observer: ClusterObserver;
  readonly faults: NodeFaults;
  readonly raftTuning: RaftTuning;
  readonly raftFaults: RaftFaults | undefined;
  /**
   * Whether a node answers a peer that reached it though it keeps no link to it (a new leader
   * its stale configuration does not name). The production transport does not (docs/SIMULATION.md
   * §4: the stale member never catches up); true in drawn seeds until that is fixed.
   */
  readonly answerUnlinkedPeers: boolean;
  /** Restart a fail-stopped node after this long. */
  readonly restartAfterMs: number;
}

/** The HTTP base URL a simulated node is known by (never dialled: forwarding is simulated). */
export function simUrlOf(id: NodeId): string {
  return `http://${id}.sim:7100`;
}

/** One node of the simulated cluster, across its lives. */
export class SimNode {
  readonly id: NodeId;
  readonly disk: SimDisk;
  /** The running production node, or null while down or starting. */
  node: CoordinatorNode | null = null;
  private handlers: TransportHandlers | null = null;
  /** The peers the node keeps links to (NodeTransport.setPeers); null until it says. */
  private linked: ReadonlySet<NodeId> | null = null;
  /** Peers heard from in this life (answered even unlinked, see answerUnlinkedPeers). */
  private readonly heardFrom = new Set<NodeId>();
  /** Lives begun, failed starts and fail-stops, for summaries. */
  readonly counts = { starts: 0, failedStarts: 0, failStops: 0 };
  /** This life announced its own removal (the `removed` event): it is stopping by itself. */
  removalAnnounced = false;
  /** The next start must be refused: the node stopped after its removal committed. */
  private refusalExpected = false;
  /** Why it stopped for good (never to start again), or null while it may run. */
  private retiredFor: RetireReason | null = null;

  /**
   * @param joining the ids of the members it is told about (its `--join` list), when it joins
   *   a running cluster; absent for a node of the first voters
   */
  constructor(
    readonly index: number,
    readonly time: SimProcessTime,
    private readonly setup: ClusterSetup,
    private readonly prng: Prng,
    readonly nodes: readonly SimNode[],
    private readonly joining?: readonly NodeId[],
  ) {
    const id = setup.ids[index];
    if (id === undefined) throw new Error(`no node ${index}`);
    this.id = id;
    const voters = joining === undefined ? [...setup.bootstrapIds] : [];
    this.disk = new SimDisk(emptyDurableState({ voters, learners: [] }));
  }

  /** Whether a life is running (it may still be loading its store). */
  get isUp(): boolean {
    return this.time.isUp;
  }

  /** Whether it stopped for good (removed); a retired node never starts again. */
  get retired(): boolean {
    return this.retiredFor !== null;
  }

  get retireReason(): RetireReason | null {
    return this.retiredFor;
  }

  /** Whether it joined a running cluster (rather than being one of the first voters). */
  get isJoiner(): boolean {
    return this.joining !== undefined;
  }

  /** The flags' peers: the first voters, or for a joiner the members it was told about. */
  private peerIds(): NodeId[] {
    return this.joining === undefined ? [...this.setup.bootstrapIds] : [...this.joining, this.id];
  }

  get paused(): boolean {
    return this.time.paused;
  }

  /** Starts a new life from the disk: the production `CoordinatorNode.start`. */
  start(): void {
    const { world, timings, disk, observer } = this.setup;
    if (this.retired) return;
    this.time.begin();
    this.heardFrom.clear();
    this.removalAnnounced = false;
    this.counts.starts++;
    const incarnation = this.time.incarnation;
    const store = new SimStore(this.id, this.disk, world, this.time, this.prng.fork(), disk, {
      synced: (entries) => observer.persisted(this.id, entries),
    });
    const started = CoordinatorNode.start({
      config: nodeConfig(
        {
          nodeId: this.id,
          peers: new Map(this.peerIds().map((id) => [id, simUrlOf(id)])),
          ...(this.joining === undefined ? {} : { joining: true }),
        },
        timings,
      ),
      store,
      transport: this.transport(),
      clock: this.time.clock,
      timers: this.time.timers(),
      prng: this.prng.fork(),
      logger: this.logger(),
      onFatal: (error) => this.onFatal(incarnation, error),
      onCrash: () => this.onFatal(incarnation, new Error("a failpoint was armed")),
      faults: this.setup.faults,
      raftTuning: this.setup.raftTuning,
      ...(this.setup.raftFaults === undefined ? {} : { raftFaults: this.setup.raftFaults }),
    });
    started.then(
      (node) => {
        if (incarnation !== this.time.incarnation) return;
        if (this.refusalExpected) {
          observer.failed(this.id, new Error("the data directory of a removed node started again"));
          return;
        }
        this.node = node;
        observer.started(this);
      },
      (error: unknown) => {
        if (incarnation !== this.time.incarnation) return;
        if (error instanceof NodeConfigError && observer.startRefused(this.id, error)) {
          this.retire("start-refused");
          return;
        }
        if (!(error instanceof StorageError)) {
          observer.failed(this.id, error instanceof Error ? error : new Error(String(error)));
          return;
        }
        this.counts.failedStarts++;
        observer.trace(() => `${this.id} START FAILED: ${error.message}`);
        this.failStop();
      },
    );
  }

  /** Power loss: the life ends; the disk keeps what was synced and a random prefix of the rest. */
  crash(prng: Prng): void {
    if (!this.time.isUp) return;
    this.time.end();
    this.node = null;
    this.handlers = null;
    const { kept, lost } = this.disk.crash(prng);
    const survivors = kept.flatMap((w) => (w.kind === "entries" ? w.entries : []));
    this.setup.observer.crashed(this.id, survivors);
    this.setup.observer.trace(() => `${this.id} CRASH (${lost} unsynced writes lost)`);
  }

  /**
   * Ends the node for good (a removed node that stopped by itself, or one an operator switched
   * off because it was removed): a life still running ends as a crash; nothing of it runs again.
   */
  retire(reason: RetireReason): void {
    if (this.retired) return;
    this.retiredFor = reason;
    this.crash(this.prng);
    this.node = null;
    this.handlers = null;
    this.setup.observer.trace(() => `${this.id} RETIRED: ${reason}`);
  }

  /**
   * The node stopped by itself after its removal committed: the life ends, and its data
   * directory is started once more, which `CoordinatorNode.start` must refuse (NodeConfigError).
   */
  restartAfterRemoval(): void {
    this.crash(this.prng);
    this.refusalExpected = true;
    this.setup.observer.trace(() => `${this.id} STOPPED after its removal; starting it once more`);
    this.start();
  }

  pause(): void {
    this.time.pause();
    this.setup.observer.trace(() => `${this.id} PAUSE`);
  }

  resume(): void {
    this.setup.observer.trace(() => `${this.id} RESUME`);
    this.time.resume();
  }

  /** The production process exits on a fatal error: here, a crash now and a restart later. */
  private onFatal(incarnation: number, error: Error): void {
    const { world, observer } = this.setup;
    world.at(world.nowMs, "control", this.index, () => {
      if (incarnation !== this.time.incarnation) return;
      if (!(error instanceof StorageError)) {
        observer.failed(this.id, error);
        return;
      }
      this.counts.failStops++;
      observer.trace(() => `${this.id} FAIL-STOP: ${error.message}`);
      this.failStop();
    });
  }

  private failStop(): void {
    this.crash(this.prng);
    const { world, restartAfterMs } = this.setup;
    world.at(world.nowMs + restartAfterMs, "restart", this.index, () => {
      if (!this.time.isUp && !this.retired) this.start();
    });
  }

  /** A message for this node arrives: handed to the current life (held while paused). */
  receive(message: Message): void {
    this.time.inLife(this.time.incarnation, () => {
      if (this.setup.answerUnlinkedPeers) this.heardFrom.add(message.from);
      this.handlers?.onMessage(message);
    })();
  }

  /** The connection to `peer` dropped: the transport tells the node. */
  connectionReset(peer: NodeId): void {
    this.time.inLife(this.time.incarnation, () => this.handlers?.onPeerStatus(peer, "down"))();
  }

  private transport(): NodeTransport {
    const { network, ids } = this.setup;
    return {
      subscribe: (handlers) => void (this.handlers = handlers),
      send: (message) => this.send(message),
      start: () => undefined,
      close: () => Promise.resolve(),
      isConnected: (peer) => {
        const to = ids.indexOf(peer);
        return (
          this.isLinked(peer) &&
          to >= 0 &&
          network.isLinkUp(this.index, to) &&
          (this.nodes[to]?.isUp ?? false)
        );
      },
      setPeers: (peers) => void (this.linked = new Set(peers.keys())),
    };
  }

  /** Like the real transport, a node reaches only the peers it keeps links to. */
  private isLinked(peer: NodeId): boolean {
    return this.linked === null || this.linked.has(peer) || this.heardFrom.has(peer);
  }

  private send(message: Message): void {
    const { network, ids, world, observer } = this.setup;
    const to = ids.indexOf(message.to);
    const target = this.nodes[to];
    if (target === undefined || to === this.index) {
      observer.failed(this.id, new Error(`a message to a bad address: ${message.to}`));
      return;
    }
    if (!this.isLinked(message.to)) return;
    observer.sent(this.id, message);
    const copies = network.transmit(this.index, to, world.nowMs);
    if (copies.length === 0) return;
    const bytes = encodeMessage(message);
    for (const copy of copies) {
      world.at(copy.atMs, "deliver", to, () => {
        if (network.canDeliver(this.index, to, copy.epoch)) target.receive(decodeMessage(bytes));
      });
    }
  }

  private logger(): NodeLogger {
    const { observer } = this.setup;
    const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
      observer.trace(() => `${this.id} ${level} ${message} ${JSON.stringify(fields)}`);
    return { debug: () => undefined, info: line("info"), warn: line("warn"), error: line("error") };
  }
}

/** How many of `nodes` were retired, by reason. */
export function retiredByReason(nodes: readonly SimNode[]): Partial<Record<RetireReason, number>> {
  const counts: Partial<Record<RetireReason, number>> = {};
  for (const { retireReason } of nodes) {
    if (retireReason !== null) counts[retireReason] = (counts[retireReason] ?? 0) + 1;
  }
  return counts;
}
