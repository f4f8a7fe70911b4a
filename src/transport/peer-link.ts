/**
 * The link to one peer: at most one live WebSocket, bounded sending, strict receiving, and (on
 * the dialing side) reconnection with jittered backoff.
 *
 * Sending never blocks and never queues without bound: a frame handed to the socket counts
 * against `queueMessagesMax`/`queueBytesMax` until the socket has written it; beyond that, or
 * while the link is down, frames are dropped and counted (Raft retransmits, Raft §5.3).
 * Receiving is strict: a text frame, an undecodable frame, or a message that is not from this
 * peer to us closes the connection (never the node), with the reason logged; the dialer redials.
 */
import type WebSocket from "ws";
import type { Message } from "../raft/messages.js";
import type { NodeId } from "../util/ids.js";
import { WireDecodeError, decodeMessage } from "../wire/raft-codec.js";
import type { ReconnectBackoff } from "./reconnect-backoff.js";

/**
 * - `idle`: not started yet, or (accepting side) waiting for the peer to dial;
 * - `connecting`: dialing side, handshake under way;
 * - `backoff`: dialing side, waiting before the next attempt;
 * - `up`: a connection is open; `closed`: the transport was closed.
 */
export type LinkState = "idle" | "connecting" | "up" | "backoff" | "closed";

/** Per-peer counters, for metrics and `/v1/raft/status`. */
export interface PeerLinkStats {
  readonly id: NodeId;
  /** `host:port` this node dials, or null on the accepting side. */
  readonly address: string | null;
  readonly role: "dialer" | "acceptor";
  readonly state: LinkState;
  /** Times the link came up. */
  readonly connects: number;
  /** Messages and bytes written to the socket. */
  readonly sentMessages: number;
  readonly sentBytes: number;
  readonly receivedMessages: number;
  readonly receivedBytes: number;
  /** Messages dropped: send queue full, link not up, frame over `peerMessageBytesMax`. */
  readonly dropped: {
    readonly queueFull: number;
    readonly disconnected: number;
    readonly oversize: number;
  };
  /** Frames that closed a connection because they were malformed or misaddressed. */
  readonly malformedFrames: number;
  /** Messages handed to the socket and not yet written. */
  readonly queuedMessages: number;
  readonly queuedBytes: number;
}

/** The logging the transport needs (pino's `(fields, message)` signature). */
export interface TransportLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What a link gets from its transport. */
export interface PeerLinkContext {
  readonly selfId: NodeId;
  readonly logger: TransportLogger;
  readonly queueMessagesMax: number;
  readonly queueBytesMax: number;
  readonly idleTimeoutMs: number;
  /** Milliseconds since the Unix epoch. */
  readonly clock: () => number;
  readonly onMessage: (message: Message) => void;
  readonly onPeerStatus: (peer: NodeId, status: "up" | "down") => void;
}

/** How the dialing side opens connections; null on the accepting side. */
export interface Dialer {
  readonly address: string;
  /** Opens a client socket, handshake headers included. */
  readonly connect: () => WebSocket;
  readonly backoff: ReconnectBackoff;
}

/** One WebSocket of a link, with its own send accounting (late callbacks of an old socket are harmless). */
interface Connection {
  readonly ws: WebSocket;
  queuedMessages: number;
  queuedBytes: number;
  lastReceivedAtMs: number;
}

const CLOSE_GOING_AWAY = 1001;
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_INVALID_PAYLOAD = 1007;

function frameBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** The link to one peer (see the module header); created and driven by the transport. */
export class PeerLink {
  private state: LinkState;
  private connection: Connection | null = null;
  private redialTimer: NodeJS.Timeout | null = null;
  private connects = 0;
  private sentMessages = 0;
  private sentBytes = 0;
  private receivedMessages = 0;
  private receivedBytes = 0;
  private readonly dropped = { queueFull: 0, disconnected: 0, oversize: 0 };
  private malformedFrames = 0;

  constructor(
    readonly id: NodeId,
    private readonly context: PeerLinkContext,
    private readonly dialer: Dialer | null,
  ) {
    this.state = "idle";
  }

  /** Dialing side: connect now (once; later attempts are driven by backoff). */
  start(): void {
    if (this.dialer !== null && this.state === "idle") this.dial();
  }

  /** Accepting side: an authenticated socket from this peer replaces any older one. */
  accept(ws: WebSocket): void {
    if (this.state === "closed") {
      ws.close(CLOSE_GOING_AWAY, "node shutting down");
      return;
    }
    const previous = this.connection;
    if (previous !== null) {
      this.lose(previous, "replaced by a newer connection from the peer");
      previous.ws.close(CLOSE_GOING_AWAY, "replaced by a newer connection");
    }
    this.goUp(this.track(ws));
  }

  /** Whether a connection is up and received something (a frame, a pong) within `windowMs`. */
  isLive(nowMs: number, windowMs: number): boolean {
    const c = this.connection;
    return c !== null && this.state === "up" && nowMs - c.lastReceivedAtMs < windowMs;
  }

  /** Sends one encoded frame, or drops and counts it (see the module header). */
  send(frame: Uint8Array): void {
    const c = this.connection;
    if (c === null || this.state !== "up") {
      this.dropped.disconnected++;
      return;
    }
    const size = frame.byteLength;
    if (
      c.queuedMessages >= this.context.queueMessagesMax ||
      c.queuedBytes + size > this.context.queueBytesMax
    ) {
      this.dropped.queueFull++;
      return;
    }
    c.queuedMessages++;
    c.queuedBytes += size;
    c.ws.send(frame, { binary: true }, (error) => {
      c.queuedMessages--;
      c.queuedBytes -= size;
      // A failed write also fails the socket, whose `error`/`close` events log and report it.
      if (error === undefined || error === null) {
        this.sentMessages++;
        this.sentBytes += size;
      }
    });
  }

  /** Counts a message the transport refused to send because its frame is too large. */
  countOversize(): void {
    this.dropped.oversize++;
  }

  /** Pings an open connection, or cuts it if nothing arrived for `idleTimeoutMs`. */
  keepAlive(nowMs: number): void {
    const c = this.connection;
    if (c === null || this.state !== "up") return;
    if (nowMs - c.lastReceivedAtMs > this.context.idleTimeoutMs) {
      this.lose(c, `nothing received for ${nowMs - c.lastReceivedAtMs} ms`);
      c.ws.terminate();
      return;
    }
    c.ws.ping();
  }

  /** Stops redialing and closes the connection (the transport waits for its socket to close). */
  close(): void {
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
    this.state = "closed";
    const c = this.connection;
    this.connection = null;
    c?.ws.close(CLOSE_GOING_AWAY, "node shutting down");
  }

  stats(): PeerLinkStats {
    const c = this.connection;
    return {
      id: this.id,
      address: this.dialer?.address ?? null,
      role: this.dialer === null ? "acceptor" : "dialer",
      state: this.state,
      connects: this.connects,
      sentMessages: this.sentMessages,
      sentBytes: this.sentBytes,
      receivedMessages: this.receivedMessages,
      receivedBytes: this.receivedBytes,
      dropped: { ...this.dropped },
      malformedFrames: this.malformedFrames,
      queuedMessages: c?.queuedMessages ?? 0,
      queuedBytes: c?.queuedBytes ?? 0,
    };
  }

  private dial(): void {
    this.redialTimer = null;
    if (this.dialer === null || this.state === "closed") return;
    this.state = "connecting";
    const c = this.track(this.dialer.connect());
    c.ws.once("open", () => {
      if (this.connection === c) this.goUp(c);
    });
  }

  /** Wires a socket's events to this link; the socket becomes the current connection. */
  private track(ws: WebSocket): Connection {
    const c: Connection = {
      ws,
      queuedMessages: 0,
      queuedBytes: 0,
      lastReceivedAtMs: this.context.clock(),
    };
    this.connection = c;
    ws.on("message", (data, isBinary) => this.receive(c, data, isBinary));
    ws.on("pong", () => (c.lastReceivedAtMs = this.context.clock()));
    ws.on("error", (error) => this.failed(c, error));
    ws.on("close", (code, reason) =>
      this.lose(c, `closed (${code}${reason.length > 0 ? ` ${reason.toString()}` : ""})`),
    );
    return c;
  }

  private goUp(c: Connection): void {
    c.lastReceivedAtMs = this.context.clock();
    this.state = "up";
    this.connects++;
    this.dialer?.backoff.reset();
    this.context.logger.info({ peer: this.id }, "peer link up");
    this.context.onPeerStatus(this.id, "up");
  }

  private receive(c: Connection, data: WebSocket.RawData, isBinary: boolean): void {
    if (this.connection !== c) return;
    c.lastReceivedAtMs = this.context.clock();
    if (!isBinary) {
      this.refuseFrame(c, CLOSE_UNSUPPORTED, "a text frame");
      return;
    }
    const frame = frameBytes(data);
    let message: Message;
    try {
      message = decodeMessage(frame);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      this.refuseFrame(c, CLOSE_INVALID_PAYLOAD, error.message);
      return;
    }
    if (message.from !== this.id || message.to !== this.context.selfId) {
      this.refuseFrame(c, CLOSE_INVALID_PAYLOAD, `a message from ${message.from} to ${message.to}`);
      return;
    }
    this.receivedMessages++;
    this.receivedBytes += frame.byteLength;
    this.context.onMessage(message);
  }

  /**
   * Logs a socket error. ws reports a frame that breaks the protocol (too large, bad opcode,
   * invalid close code…) with a `WS_ERR_*` code and closes the socket itself: a malformed frame.
   */
  private failed(c: Connection, error: Error): void {
    const code = "code" in error && typeof error.code === "string" ? error.code : "";
    if (code.startsWith("WS_ERR_") && this.connection === c) {
      this.malformedFrames++;
      const reason = `${code}: ${error.message}`;
      this.context.logger.warn({ peer: this.id, reason }, "closing peer link: malformed frame");
      return;
    }
    this.context.logger.warn({ peer: this.id, err: error.message }, "peer link error");
  }

  private refuseFrame(c: Connection, code: number, reason: string): void {
    this.malformedFrames++;
    this.context.logger.warn({ peer: this.id, reason }, "closing peer link: malformed frame");
    this.lose(c, "malformed frame");
    c.ws.close(code, "malformed frame");
  }

  /** Forgets connection `c` if it is the current one: reports `down` and (dialer) redials. */
  private lose(c: Connection, why: string): void {
    if (this.connection !== c) return;
    this.connection = null;
    const wasUp = this.state === "up";
    if (wasUp) {
      this.context.logger.info({ peer: this.id, why }, "peer link down");
      this.context.onPeerStatus(this.id, "down");
    }
    if (this.state === "closed") return;
    this.state = this.dialer === null ? "idle" : "backoff";
    if (this.dialer !== null) {
      const delayMs = this.dialer.backoff.nextDelayMs();
      this.redialTimer = setTimeout(() => this.dial(), delayMs);
    }
  }
}
