/**
 * The WebSocket peer transport between coordinator nodes (docs/ARCHITECTURE.md §1).
 *
 * - It shares the node's HTTP port: it never listens itself; the node forwards its
 *   `http.Server`'s `upgrade` events to {@link Transport.handleUpgrade}, and peers are dialed at
 *   `ws://<host:port>/v1/raft/peer`.
 * - One link per pair of nodes, both sending over it: the node with the smaller id (string order)
 *   dials; the other accepts, and dials itself only when no connection came up within
 *   `fallbackDialDelayMs` (./peer-link.ts; docs/MEMBERSHIP.md §9). The addresses come from this
 *   node's own configuration, so a test proxy can sit on any link.
 * - Any authenticated node may connect, configured or not: a server must hear a leader it does
 *   not know of yet (Raft thesis §4.1). Such a peer gets a link on the fly that only accepts;
 *   it goes when its connection does, or when {@link Transport.setPeers} does not list it.
 * - Upgrades are authenticated with an HMAC proof over the shared cluster secret (./peer-auth.ts);
 *   a refused upgrade is answered 401 and logged. A cluster secret is required unless the
 *   explicit `insecure` flag is set (then peers are identified but not authenticated).
 * - With `tls`, links are WSS with mutual TLS (./tls.ts): the HTTPS server asks for a client
 *   certificate, an upgrade is accepted only when that certificate is signed by the cluster CA and
 *   names the node the handshake claims (else 401/403, logged); the dialer checks the same of the
 *   server it reaches. The HMAC stays as a second check (docs/SECURITY.md says why). The material
 *   is asked for at every dial, so a reload reaches new connections.
 * - A peer gets one live connection: a second upgrade for an id whose link received something
 *   within two ping intervals is refused 409 and logged (a duplicate process, or an impostor with
 *   a copied secret); a link that went silent is replaced, so a restarted peer gets back in. So
 *   is an upgrade from a larger id while this node's own dial to it is under way (crossing dials:
 *   the smaller id's wins); an upgrade that arrives during the larger id's own dial ends that dial.
 * - Messages are raft-codec frames; inbound frames over `peerMessageBytesMax` close the link
 *   (ws `maxPayload`), outbound ones are dropped and counted; sending is bounded per peer and
 *   drops while a link is down (Raft retransmits); a dialer redials with jittered backoff; a
 *   link going down is reported through `onPeerStatus` so the node can call
 *   `reportUnreachable(peer)`.
 */
import { randomInt } from "node:crypto";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import WebSocket, { WebSocketServer } from "ws";
import type { Message } from "../raft/messages.js";
import { assert } from "../util/assert.js";
import type { NodeId } from "../util/ids.js";
import { createPrng, type Prng } from "../util/prng.js";
import { encodeMessage } from "../wire/raft-codec.js";
import {
  PeerAuthenticator,
  handshakeHeaders,
  newNonce,
  type HandshakeVerdict,
} from "./peer-auth.js";
import { PeerLink, type PeerLinkStats, type TransportLogger } from "./peer-link.js";
import { ReconnectBackoff } from "./reconnect-backoff.js";
import { peerServerIdentity, verifyPeerCertificate, type TlsMaterial } from "./tls.js";
import {
  DEFAULT_TRANSPORT_LIMITS,
  checkNodeId,
  checkPeers,
  checkSecret,
  type TransportLimits,
} from "./transport-config.js";

export {
  DEFAULT_TRANSPORT_LIMITS,
  NODE_ID_PATTERN,
  PEER_ADDRESS_PATTERN,
  TransportConfigError,
  type TransportLimits,
} from "./transport-config.js";

/** The HTTP path of peer links. */
export const PEER_PATH = "/v1/raft/peer";

export interface TransportOptions {
  readonly selfId: NodeId;
  /** Every peer's `host:port` as this node reaches it; an entry for `selfId` is ignored. */
  readonly peers: ReadonlyMap<NodeId, string>;
  /** The shared cluster secret (at least `clusterSecretBytesMin` bytes), or null with `insecure`. */
  readonly clusterSecret: string | null;
  /** Allows `clusterSecret: null`: peers are then identified but NOT authenticated. */
  readonly insecure?: boolean;
  /** A message from a peer, decoded and checked (`from` is that peer, `to` is us). */
  readonly onMessage: (message: Message) => void;
  /** A link came up or went down (call RawNode.reportUnreachable on `down`). */
  readonly onPeerStatus: (peer: NodeId, status: "up" | "down") => void;
  readonly logger?: TransportLogger;
  /** Randomness for reconnect jitter (default: seeded from crypto). */
  readonly prng?: Prng;
  /** Wall clock in ms since the Unix epoch, for handshake timestamps and idle detection. */
  readonly clock?: () => number;
  readonly limits?: Partial<TransportLimits>;
  /**
   * Mutual TLS: this node's current certificate, key and cluster CA (asked for at every dial).
   * The server whose upgrades reach {@link Transport.handleUpgrade} must then be an HTTPS server
   * with `requestCert: true` and the same CA.
   */
  readonly tls?: () => TlsMaterial;
}

/** Transport-wide and per-peer counters (peers sorted by id). */
export interface TransportStats {
  readonly peers: readonly PeerLinkStats[];
  /** Upgrade requests on the peer path that were refused (authentication, or a second connection). */
  readonly rejectedHandshakes: number;
  /** Links made on the fly for authenticated peers this node was not told about. */
  readonly unlistedPeerLinks: number;
  /** Messages addressed to a node that has no configured address. */
  readonly droppedUnknownPeer: number;
}

/** A node's peer transport; see the module header. Create with {@link createTransport}. */
export interface Transport {
  /**
   * Handles an HTTP `upgrade` event. Returns false (touching nothing) when the path is not
   * {@link PEER_PATH}, so other upgrade handlers may take it.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Sends a message to `message.to` (a peer with a link), or drops and counts it. */
  send(message: Message): void;
  /** Starts dialing peers and the keep-alive pings. */
  start(): void;
  /**
   * Replaces the set of peers (id → `host:port`; an entry for `selfId` is ignored), as the
   * cluster's configuration changes (docs/MEMBERSHIP.md): links to new peers are created (and
   * started, if the transport is), links to peers not listed are closed (those made on the fly
   * included; a listed one is kept and learns the address), and a peer this node dials first
   * whose address changed is redialed at the new one (an acceptor uses it at its next dial).
   * @throws TransportConfigError on a malformed id or address (nothing changes then)
   */
  setPeers(peers: ReadonlyMap<NodeId, string>): void;
  /** Closes every link and timer; resolves when all sockets are closed. Idempotent. */
  close(): Promise<void>;
  stats(): TransportStats;
}

/** An upgrade refused after the handshake checked out. */
interface RefusedUpgrade {
  readonly ok: false;
  readonly httpStatus: 401 | 403 | 409 | 429;
  readonly reason: string;
}

const SILENT: TransportLogger = { info: () => undefined, warn: () => undefined };

/**
 * Creates the transport of node `selfId` (nothing happens until {@link Transport.start} and the
 * first upgrade).
 * @throws TransportConfigError on a malformed id or address, or a missing/short secret
 */
export function createTransport(options: TransportOptions): Transport {
  checkNodeId(options.selfId, "the node id");
  checkPeers(options.selfId, options.peers);
  checkSecret(options.clusterSecret, options.insecure === true);
  return new PeerTransport(options);
}

function closed(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => ws.once("close", () => resolve()));
}

class PeerTransport implements Transport {
  private readonly limits: TransportLimits;
  private readonly secret: string | null;
  private readonly logger: TransportLogger;
  private readonly clock: () => number;
  private readonly links = new Map<NodeId, PeerLink>();
  /** Each listed peer's address; a link without one was made on the fly (see the header). */
  private readonly addresses = new Map<NodeId, string>();
  private readonly prng: Prng;
  private readonly sockets = new Set<WebSocket>();
  private readonly server: WebSocketServer;
  private readonly auth: PeerAuthenticator;
  private pingTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;
  private rejectedHandshakes = 0;
  private unlistedPeerLinks = 0;
  private droppedUnknownPeer = 0;

  constructor(private readonly options: TransportOptions) {
    this.limits = { ...DEFAULT_TRANSPORT_LIMITS, ...options.limits };
    this.secret = options.clusterSecret === "" ? null : options.clusterSecret;
    this.logger = options.logger ?? SILENT;
    this.clock = options.clock ?? Date.now;
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: this.limits.messageBytesMax,
      perMessageDeflate: false,
    });
    this.prng = options.prng ?? createPrng(randomInt(2 ** 31));
    for (const [id, address] of options.peers) this.addPeer(id, address);
    this.auth = new PeerAuthenticator({
      selfId: options.selfId,
      secret: this.secret,
      clockSkewMsMax: this.limits.authClockSkewMsMax,
      noncesMax: this.limits.authNoncesMax,
    });
  }

  /** Links `id` at `address` (the smaller id dials first, see the module header). */
  private addPeer(id: NodeId, address: string): void {
    if (id === this.options.selfId) return;
    this.addresses.set(id, address);
    this.links.set(id, this.createLink(id, address));
  }

  private removePeer(id: NodeId): void {
    this.links.get(id)?.close();
    this.links.delete(id);
    this.addresses.delete(id);
  }

  /** A link for an authenticated peer this node has no address for; it goes when it is down. */
  private addUnlistedPeer(id: NodeId): PeerLink {
    const link = this.createLink(id, null);
    this.links.set(id, link);
    this.unlistedPeerLinks++;
    this.logger.info({ peer: id }, "peer link added for a node this one was not told about");
    return link;
  }

  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    checkPeers(this.options.selfId, peers);
    if (this.closing !== null) return;
    for (const id of [...this.links.keys()]) {
      const address = peers.get(id);
      const listed = this.addresses.has(id);
      const moved = address !== undefined && address !== this.addresses.get(id);
      if (address === undefined || (moved && listed && this.options.selfId < id)) {
        this.removePeer(id);
        this.logger.info({ peer: id, address: address ?? null }, "peer link removed");
      } else if (moved) {
        this.addresses.set(id, address);
        this.links.get(id)?.setAddress(address);
      }
    }
    for (const [id, address] of peers) {
      if (id === this.options.selfId || this.links.has(id)) continue;
      this.addPeer(id, address);
      this.logger.info({ peer: id, address }, "peer link added");
    }
  }

  private createLink(id: NodeId, address: string | null): PeerLink {
    const { limits, options } = this;
    const context = {
      selfId: options.selfId,
      logger: this.logger,
      queueMessagesMax: limits.sendQueueMessagesMax,
      queueBytesMax: limits.sendQueueBytesMax,
      idleTimeoutMs: limits.idleTimeoutMs,
      clock: this.clock,
      onMessage: options.onMessage,
      onPeerStatus: (peer: NodeId, status: "up" | "down") => {
        options.onPeerStatus(peer, status);
        if (status === "down" && !this.addresses.has(peer) && this.links.get(peer) === link) {
          this.removePeer(peer);
        }
      },
    };
    const backoff = new ReconnectBackoff(
      this.prng.fork(),
      limits.reconnectDelayMsMin,
      limits.reconnectDelayMsMax,
    );
    const link: PeerLink = new PeerLink(
      id,
      context,
      {
        first: options.selfId < id,
        backoff,
        connect: (to) => this.dial(id, to),
        fallbackDialDelayMs: limits.fallbackDialDelayMs,
      },
      address,
    );
    if (this.pingTimer !== null) link.start(); // created after start(): by setPeers or on the fly
    return link;
  }

  private dial(to: NodeId, address: string): WebSocket {
    const handshake = {
      from: this.options.selfId,
      to,
      timestampMs: this.clock(),
      nonce: newNonce(),
    };
    const tls = this.options.tls?.();
    const ws = new WebSocket(`${tls === undefined ? "ws" : "wss"}://${address}${PEER_PATH}`, {
      headers: handshakeHeaders(handshake, this.secret),
      maxPayload: this.limits.messageBytesMax,
      perMessageDeflate: false,
      handshakeTimeout: this.limits.dialTimeoutMs,
      ...(tls === undefined ? {} : { ...tls, checkServerIdentity: peerServerIdentity(to) }),
    });
    this.track(ws);
    return ws;
  }

  private track(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.once("close", () => this.sockets.delete(ws));
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const pathname = (request.url ?? "").split("?", 1)[0];
    if (pathname !== PEER_PATH) return false;
    if (this.closing !== null) {
      this.refuseUpgrade(socket, 503, "the node is shutting down");
      return true;
    }
    const verdict = this.admit(request);
    if (!verdict.ok) {
      this.rejectedHandshakes++;
      const remote = `${request.socket.remoteAddress ?? "?"}:${request.socket.remotePort ?? "?"}`;
      this.logger.warn({ remote, reason: verdict.reason }, "refused a peer handshake");
      this.refuseUpgrade(socket, verdict.httpStatus, verdict.reason);
      return true;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      this.track(ws);
      if (this.closing !== null) {
        ws.close(1001, "node shutting down");
        return;
      }
      const link = this.links.get(verdict.from) ?? this.addUnlistedPeer(verdict.from);
      link.accept(ws);
    });
    return true;
  }

  /**
   * The checks of an upgrade, in order: the HMAC handshake, then (with TLS) the client
   * certificate, then that the link may take a connection now ({@link PeerLink.refusal}).
   */
  private admit(request: IncomingMessage): HandshakeVerdict | RefusedUpgrade {
    const nowMs = this.clock();
    const verdict = this.auth.verify(request.headers, nowMs);
    if (!verdict.ok) return verdict;
    if (this.options.tls !== undefined) {
      const certificate = verifyPeerCertificate(request.socket, verdict.from);
      if (!certificate.ok) return certificate;
    }
    const link = this.links.get(verdict.from);
    const reason = link?.refusal(nowMs, 2 * this.limits.pingIntervalMs) ?? null;
    return reason === null ? verdict : { ok: false, httpStatus: 409, reason };
  }

  private refuseUpgrade(socket: Duplex, httpStatus: number, reason: string): void {
    const body = `${reason}\n`;
    socket.once("error", (error) =>
      this.logger.warn({ err: error.message }, "refused peer socket failed"),
    );
    socket.end(
      `HTTP/1.1 ${httpStatus} ${STATUS_CODES[httpStatus] ?? ""}\r\n` +
        "Connection: close\r\nContent-Type: text/plain; charset=utf-8\r\n" +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  send(message: Message): void {
    assert(message.from === this.options.selfId, "a node sends only its own messages");
    const link = this.links.get(message.to);
    if (link === undefined) {
      this.droppedUnknownPeer++;
      return;
    }
    const frame = encodeMessage(message);
    if (frame.byteLength > this.limits.messageBytesMax) {
      link.countOversize();
      const bytes = frame.byteLength;
      this.logger.warn(
        { peer: message.to, type: message.type, bytes },
        "dropped an oversize message",
      );
      return;
    }
    link.send(frame);
  }

  start(): void {
    if (this.closing !== null || this.pingTimer !== null) return;
    for (const link of this.links.values()) link.start();
    this.pingTimer = setInterval(() => {
      const nowMs = this.clock();
      for (const link of this.links.values()) link.keepAlive(nowMs);
    }, this.limits.pingIntervalMs);
  }

  close(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    for (const link of this.links.values()) link.close();
    const sockets = [...this.sockets];
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.CLOSED) ws.close(1001, "node shutting down");
    }
    // Sockets get closeTimeoutMs to flush and finish the close handshake, then are cut.
    const cut = setTimeout(
      () => sockets.forEach((ws) => ws.terminate()),
      this.limits.closeTimeoutMs,
    );
    await Promise.all(sockets.map(closed));
    clearTimeout(cut);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  stats(): TransportStats {
    const peers = [...this.links.values()].map((link) => link.stats());
    peers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      peers,
      rejectedHandshakes: this.rejectedHandshakes,
      unlistedPeerLinks: this.unlistedPeerLinks,
      droppedUnknownPeer: this.droppedUnknownPeer,
    };
  }
}
