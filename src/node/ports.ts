/**
 * What the coordinator node is built from, as interfaces: the durable Raft store, the peer
 * transport, the clock and the logger. Production passes the LevelDB store of src/storage, the
 * WebSocket transport of src/transport (through ./peer-transport.ts), `Date.now` /
 * `performance.now` and pino; tests pass in-memory fakes where they want to.
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
}

/** Time as the node reads it. */
export interface NodeClock {
  /** Wall clock, ms since the Unix epoch (stamped on commands as the leader's time). */
  nowMs(): number;
  /** A monotonic clock in ms, for durations only. */
  monotonicMs(): number;
}

/** A structured logger (pino's signature: fields first, message second). */
export interface NodeLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}
