/**
 * What the coordinator node is built from, as interfaces: the durable Raft store, the peer
 * transport, the clock, the timers and the logger (docs/ARCHITECTURE.md §6). Every source of
 * time and I/O in src/node goes through one of these, so the same node runs in production
 * (the LevelDB store of src/storage, the WebSocket transport of src/transport through
 * ./peer-transport.ts, `Date.now` / `performance.now`, Node's timers, pino) and inside the
 * deterministic simulator (test/sim), which passes a simulated disk, network, clock and timers
 * on virtual time.
 */
import type { Message } from "../raft/messages.js";
import type { LoadedRaftState, PersistRequest, WriteReport } from "../storage/raft-store.js";
import type { Snapshot } from "../raft/types.js";
import type { NodeId } from "../util/ids.js";

/**
 * The durable Raft store (src/storage RaftStore satisfies it): one synced batch per call,
 * operations in call order, a failure is a StorageError and sticks.
 */
export interface NodeStore {
  /** The data directory, for messages. */
  readonly dataDir: string;
  load(): Promise<LoadedRaftState>;
  persist(request: PersistRequest): Promise<WriteReport>;
  saveSnapshot(snapshot: Snapshot): Promise<WriteReport>;
  compact(index: number): Promise<WriteReport>;
  close(): Promise<void>;
}

/** What the transport calls back with. */
export interface TransportHandlers {
  /** A message from a peer, addressed to this node. */
  readonly onMessage: (message: Message) => void;
  /** The link to `peer` came up or went down. */
  readonly onPeerStatus: (peer: NodeId, status: "up" | "down") => void;
}

/** The peer transport as the node uses it. */
export interface NodeTransport {
  /** Registers the node's handlers; called once, before {@link start}. */
  subscribe(handlers: TransportHandlers): void;
  /** Sends (or drops: Raft retransmits) a message to `message.to`. */
  send(message: Message): void;
  start(): void;
  /** Closes every link; idempotent. */
  close(): Promise<void>;
  /** Whether the link to `peer` is up right now. */
  isConnected(peer: NodeId): boolean;
  /**
   * The peers to keep links to (id → `host:port`), as the configuration changes: new ones are
   * linked, unlisted ones closed (docs/MEMBERSHIP.md).
   */
  setPeers(peers: ReadonlyMap<NodeId, string>): void;
}

/** Time as the node reads it. */
export interface NodeClock {
  /** Wall clock, ms since the Unix epoch (stamped on commands as the leader's time). */
  nowMs(): number;
  /** A monotonic clock in ms, for durations only. */
  monotonicMs(): number;
}

/** A timer armed through {@link NodeTimers}; opaque, only good for handing back to it. */
export type TimerHandle = object;

/**
 * Every timer of the node: the tick, leader duties, proposal and read deadlines, condition
 * waits, and the turn of the Ready loop. Callbacks never run synchronously inside the call that
 * armed them.
 */
export interface NodeTimers {
  /** Runs `callback` once, after `delayMs` (≥ 0) of the node's clock. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer of {@link setTimeout} that has not fired (a fired one: no effect). */
  clearTimeout(handle: TimerHandle): void;
  /** Runs `callback` every `intervalMs` until cleared. */
  setInterval(callback: () => void, intervalMs: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /**
   * Runs `callback` after the I/O callbacks already due (Node's `setImmediate`): what arrives
   * meanwhile joins the same turn of the loop.
   */
  setImmediate(callback: () => void): void;
}

/** Node's own timers (production). */
export const REAL_TIMERS: NodeTimers = Object.freeze({
  setTimeout: (callback: () => void, delayMs: number): TimerHandle => setTimeout(callback, delayMs),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (callback: () => void, intervalMs: number): TimerHandle =>
    setInterval(callback, intervalMs),
  clearInterval: (handle: TimerHandle) => clearInterval(handle as NodeJS.Timeout),
  setImmediate: (callback: () => void) => void setImmediate(callback),
});

/** The wall and monotonic clocks of the process (production). */
export const REAL_CLOCK: NodeClock = Object.freeze({
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
});

/** A structured logger (pino's signature: fields first, message second). */
export interface NodeLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
