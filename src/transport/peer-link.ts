/**
 * The link to one peer: at most one live WebSocket, bounded sending, strict receiving, and
 * dialing by the rule of docs/MEMBERSHIP.md §9: with the peer's address, the smaller id dials at
 * once and redials with jittered backoff; the larger id waits for the peer's dial and dials itself
 * only when none came up within `fallbackDialDelayMs` (the peer may not know it), redialing with
 * backoff after a connection it dialed is lost. Without an address (a link the transport made for
 * an authenticated peer it was not told about) the link only accepts. A dial never replaces an up
 * connection, and an accepted one ends a dial in flight, so a link holds one socket at a time.
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
 * - `idle`: not started yet, or waiting for the peer to dial (the larger id may dial later);
 * - `connecting`: our dial's handshake is under way;
 * - `backoff`: waiting before our next dial;
 * - `up`: a connection is open; `closed`: the transport was closed.
 */
export type LinkState = "idle" | "connecting" | "up" | "backoff" | "closed";

/** Per-peer counters, for metrics and `/v1/raft/status`. */
export interface PeerLinkStats {
  readonly id: NodeId;
  /** `host:port` this node dials (first or as a fallback), or null when it only accepts. */
  readonly address: string | null;
  /** `dialer`: the smaller id, dials first; `acceptor`: waits for the peer's dial. */
  readonly role: "dialer" | "acceptor";
  readonly state: LinkState;
  /** Who dialed the connection that is up: this node, the peer, or null when down. */
  readonly connection: "dialed" | "accepted" | null;
  /** Times the link came up; `fallbackConnects` of them on a connection the acceptor dialed. */
  readonly connects: number;
  readonly fallbackConnects: number;
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

/** How a link opens connections. */
export interface Dialer {
  /** Whether this node dials first (it has the smaller id) or only as a fallback. */
  readonly first: boolean;
  /** Opens a client socket to `address`, handshake headers included. */
  readonly connect: (address: string) => WebSocket;
  readonly backoff: ReconnectBackoff;
  /** How long the acceptor waits for the peer's dial before dialing itself, in ms. */
  readonly fallbackDialDelayMs: number;
}

/** One WebSocket of a link, with its own send accounting (late callbacks of an old socket are harmless). */
interface Connection {
  readonly ws: WebSocket;
  readonly dialed: boolean;
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
  private fallbackConnects = 0;
  private started = false;
  private sentMessages = 0;
  private sentBytes = 0;
  private receivedMessages = 0;
  private receivedBytes = 0;
  private readonly dropped = { queueFull: 0, disconnected: 0, oversize: 0 };
  private malformedFrames = 0;

  /**
   * @param address the peer's `host:port`, or null when this node only accepts from it
   */
  constructor(
    readonly id: NodeId,
    private readonly context: PeerLinkContext,
    private readonly dialer: Dialer,
    private address: string | null,
  ) {
    this.state = "idle";
  }

  /** Starts dialing: at once (the smaller id), or after the fallback delay (the larger id). */
  start(): void {
    if (this.started || this.state === "closed") return;
    this.started = true;
    if (this.dialer.first) this.dial();
    else if (this.connection === null) this.dialLater(this.fallbackDelayMs());
  }

  /**
   * A new address for the peer (the transport was told of it, or it moved): the next dial uses
   * it; an up connection is kept. A link that had none starts dialing by the usual rule.
   */
  setAddress(address: string): void {
    this.address = address;
    if (!this.started || this.connection !== null || this.redialTimer !== null) return;
    if (this.dialer.first) this.dial();
    else this.dialLater(this.fallbackDelayMs());
  }

  /**
   * An authenticated socket from this peer: it replaces an older (silent) connection or ends our
   * own dial in flight, which is abandoned without reporting anything.
   */
  accept(ws: WebSocket): void {
    if (this.state === "closed") {
      ws.close(CLOSE_GOING_AWAY, "node shutting down");
      return;
    }
    const previous = this.connection;
    if (previous !== null && this.state === "connecting") {
      this.connection = null;
      previous.ws.terminate();
    } else if (previous !== null) {
      this.lose(previous, "replaced by a newer connection from the peer");
      previous.ws.close(CLOSE_GOING_AWAY, "replaced by a newer connection");
    }
    this.goUp(this.track(ws, false));
  }

  /**
   * Why a new connection from the peer must be refused now, or null: the link is live (a pair
   * keeps one connection), or we are the smaller id and our own dial is under way (crossing dials:
   * the smaller id's dial wins, the peer's fallback dial backs off).
   */
  refusal(nowMs: number, windowMs: number): string | null {
    if (this.isLive(nowMs, windowMs)) {
      return `${this.id} already has a live connection; refusing a second one`;
    }
    if (this.state === "connecting" && this.dialer.first) {
      return `${this.context.selfId} is dialing ${this.id} (crossing dials: the smaller id's wins)`;
    }
    return null;
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
    this.cancelDial();
    this.state = "closed";
    const c = this.connection;
    this.connection = null;
    c?.ws.close(CLOSE_GOING_AWAY, "node shutting down");
  }

  stats(): PeerLinkStats {
    const c = this.connection;
    return {
      id: this.id,
      address: this.address,
      role: this.dialer.first ? "dialer" : "acceptor",
      state: this.state,
      connection: c === null || this.state !== "up" ? null : c.dialed ? "dialed" : "accepted",
      connects: this.connects,
      fallbackConnects: this.fallbackConnects,
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

  private fallbackDelayMs(): number {
    return this.dialer.fallbackDialDelayMs;
  }

  private dialLater(delayMs: number): void {
    this.cancelDial();
    this.redialTimer = setTimeout(() => this.dial(), delayMs);
  }

  private cancelDial(): void {
    if (this.redialTimer !== null) clearTimeout(this.redialTimer);
    this.redialTimer = null;
  }

  /** Dials the peer unless there is nothing to dial or a connection (up or dialing) already. */
  private dial(): void {
    this.redialTimer = null;
    if (this.address === null || this.connection !== null || this.state === "closed") return;
    this.state = "connecting";
    const c = this.track(this.dialer.connect(this.address), true);
    c.ws.once("open", () => {
      if (this.connection === c) this.goUp(c);
    });
  }

  /** Wires a socket's events to this link; the socket becomes the current connection. */
  private track(ws: WebSocket, dialed: boolean): Connection {
    const c: Connection = {
      ws,
      dialed,
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
    this.cancelDial();
    c.lastReceivedAtMs = this.context.clock();
    this.state = "up";
    this.connects++;
    if (c.dialed && !this.dialer.first) this.fallbackConnects++;
    this.dialer.backoff.reset();
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
    if (this.connection !== c) return; // an abandoned dial or a replaced connection
    const code = "code" in error && typeof error.code === "string" ? error.code : "";
    if (code.startsWith("WS_ERR_")) {
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

  /**
   * Forgets connection `c` if it is the current one, reports `down`, and plans the next dial: with
   * backoff when we dial first or had dialed `c` (a failed dial included), else (the peer had
   * dialed, and should redial) after the fallback delay; never without an address.
   */
  private lose(c: Connection, why: string): void {
    if (this.connection !== c) return;
    this.connection = null;
    if (this.state === "up") {
      this.context.logger.info({ peer: this.id, why }, "peer link down");
      this.context.onPeerStatus(this.id, "down");
    }
    // `onPeerStatus` may have closed the link (the transport drops links it was not told about).
    if (this.state === "closed") return;
    this.state = "idle";
    if (this.address === null || !this.started) return;
    if (this.dialer.first || c.dialed) {
      this.state = "backoff";
      this.dialLater(this.dialer.backoff.nextDelayMs());
    } else {
      this.dialLater(this.fallbackDelayMs());
    }
  }
}
