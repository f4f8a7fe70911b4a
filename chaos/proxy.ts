/**
 * The per-link TCP proxies of a chaos run. Node A reaches node B only through the
 * proxy "A→B" (A's `--peers` names the proxy's port for B), so the harness controls every
 * directed link: the bytes A sends to B pass the link A→B, B's answers on the same connection
 * pass B→A. Peer links are WebSockets over ONE TCP connection per pair, so the proxy reads the
 * WebSocket framing of upgraded connections (./ws-frames.ts) and acts per frame:
 *
 * - `cut`: every frame in that direction is dropped (pings and pongs too, so the link's idle
 *   timeout notices); bytes of plain HTTP (forwarded API writes, upgrade handshakes) are held
 *   back until the cut heals, and the connection is reset if too much piles up.
 * - `delay`: everything in that direction arrives `delayMs` late, in order.
 * - `lossy`: each data message in that direction is dropped with `dropProbability` (control
 *   frames pass, so the connection stays up: individual Raft messages are lost).
 *
 * A one-way cut is therefore real at the message level: A's AppendEntries never reach B while
 * B's messages still reach A.
 *
 * A node that joined during the run (a replacement, chaos/replace-node.ts) has ONE address in the
 * replicated configuration, dialled by every member alike, so its inbound proxy is shared: it
 * learns which link a connection is from the dialer's `x-elk-peer-from` handshake header
 * (src/transport/peer-auth.ts) and holds the request back until that header is complete. Plain
 * HTTP through it (a forwarded API call) names no dialer and always passes.
 */
import { createServer, connect, type Server, type Socket } from "node:net";
import type { Prng } from "../src/util/prng.js";
import { FrameSplitter, isControl, type Frame } from "./ws-frames.js";

/** What a directed link does to the bytes crossing it. */
export type LinkMode =
  | { readonly kind: "up" }
  | { readonly kind: "cut" }
  | { readonly kind: "delay"; readonly delayMs: number }
  | { readonly kind: "lossy"; readonly dropProbability: number };

const UP: LinkMode = { kind: "up" };
/** Plain bytes held back on a cut link before the connection is reset instead. */
const HELD_BYTES_MAX = 4 * 1024 * 1024;
/** How often a held-back queue looks whether its link healed. */
const CUT_RECHECK_MS = 50;
/** The request line that marks a peer-link upgrade (src/transport PEER_PATH). */
const PEER_UPGRADE = /^GET \/v1\/raft\/peer[ ?]/;
/** The dialer's id in a peer-link upgrade (PEER_AUTH_HEADERS.from). */
const PEER_FROM_HEADER = /\r\nx-elk-peer-from:[ \t]*([^\r\n]+)/i;
/** A connection through a shared proxy whose dialer is not known (yet, or ever: plain HTTP). */
const UNKNOWN_DIALER = "?";

/** What both directions of one proxied connection learn from its request header. */
interface ConnectionFacts {
  upgrade: boolean | null;
  /** The dialing node; null until a shared proxy has read it. */
  from: string | null;
}

/** The modes of every directed link, by `from>to`. */
export class LinkTable {
  private readonly modes = new Map<string, LinkMode>();

  /** What the link `from`→`to` does now. */
  mode(from: string, to: string): LinkMode {
    return this.modes.get(`${from}>${to}`) ?? UP;
  }

  /** Sets the link `from`→`to` (takes effect on the next bytes or frame). */
  set(from: string, to: string, mode: LinkMode): void {
    if (mode.kind === "up") this.modes.delete(`${from}>${to}`);
    else this.modes.set(`${from}>${to}`, mode);
  }

  /** Every link back up. */
  healAll(): void {
    this.modes.clear();
  }
}

/** One listening proxy for the connections `from` opens to `to`. */
export class PeerProxy {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private listeningPort = 0;

  private constructor(
    private readonly from: string | null,
    private readonly to: string,
    private readonly targetPort: number,
    private readonly links: LinkTable,
    private readonly prng: Prng,
  ) {
    this.server = createServer((client) => this.accept(client));
  }

  /**
   * Listens on 127.0.0.1 (a free port) and forwards to `targetPort` on 127.0.0.1.
   * @param from the dialing node, or null for a proxy shared by every dialer (it reads the
   *   dialer from each connection's handshake)
   * @param prng decides which messages a lossy link drops
   */
  static async start(
    from: string | null,
    to: string,
    targetPort: number,
    links: LinkTable,
    prng: Prng,
  ): Promise<PeerProxy> {
    const proxy = new PeerProxy(from, to, targetPort, links, prng);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once("error", reject);
      proxy.server.listen(0, "127.0.0.1", () => resolve());
    });
    const address = proxy.server.address();
    proxy.listeningPort = typeof address === "object" && address !== null ? address.port : 0;
    return proxy;
  }

  /** The port `from` dials to reach `to`. */
  get port(): number {
    return this.listeningPort;
  }

  /** Resets every connection through it (the dialer redials). */
  resetConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Resets every connection and stops listening. */
  async close(): Promise<void> {
    this.resetConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, "127.0.0.1");
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    const facts: ConnectionFacts = { upgrade: null, from: this.from };
    const { to, links, prng } = this;
    const learns = this.from === null;
    const dialer = () => facts.from ?? UNKNOWN_DIALER;
    const ahead = new Pipe(client, upstream, () => links.mode(dialer(), to), prng, facts, learns);
    const back = new Pipe(upstream, client, () => links.mode(to, dialer()), prng, facts, null);
    client.on("data", (chunk: Buffer) => ahead.receive(chunk));
    upstream.on("data", (chunk: Buffer) => back.receive(chunk));
    client.on("end", () => upstream.end());
    upstream.on("end", () => client.end());
  }
}

interface Unit {
  readonly bytes: Buffer;
  readonly dueAtMs: number;
}

/** One direction of one proxied connection. */
class Pipe {
  private headerDone = false;
  private header = "";
  private frames: FrameSplitter | null = null;
  private dropping = false;
  private readonly queue: Unit[] = [];
  private heldBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly mode: () => LinkMode,
    private readonly prng: Prng,
    private readonly facts: ConnectionFacts,
    /**
     * null: the answer direction; false: the request direction; true: the request direction of
     * a shared proxy, which holds the header back until it names the dialer.
     */
    private readonly request: boolean | null,
  ) {}

  /** Takes a chunk from the source: header bytes, then frames (upgraded) or plain bytes. */
  receive(chunk: Buffer): void {
    if (this.headerDone) return this.afterHeader(chunk);
    this.header += chunk.toString("latin1");
    if (this.request !== null && this.facts.upgrade === null && this.header.includes("\r\n")) {
      this.facts.upgrade = PEER_UPGRADE.test(this.header);
    }
    const end = this.header.indexOf("\r\n\r\n");
    if (end < 0) return this.request === true ? undefined : this.enqueue(chunk);
    this.headerDone = true;
    const headerBytes = Buffer.byteLength(this.header.slice(0, end + 4), "latin1");
    if (this.request === true) {
      this.facts.from = PEER_FROM_HEADER.exec(this.header.slice(0, end))?.[1]?.trim() ?? null;
      const whole = Buffer.from(this.header, "latin1");
      this.enqueue(whole.subarray(0, headerBytes));
      if (this.facts.upgrade === true) this.frames = new FrameSplitter();
      if (headerBytes < whole.length) this.afterHeader(whole.subarray(headerBytes));
      return;
    }
    const already = Buffer.byteLength(this.header, "latin1") - chunk.length;
    const split = headerBytes - already;
    this.enqueue(chunk.subarray(0, split));
    if (this.facts.upgrade === true) this.frames = new FrameSplitter();
    if (split < chunk.length) this.afterHeader(chunk.subarray(split));
  }

  private afterHeader(chunk: Buffer): void {
    if (this.frames === null) return this.enqueue(chunk);
    for (const frame of this.frames.push(chunk)) {
      if (!this.dropsFrame(frame)) this.enqueue(frame.bytes);
    }
  }

  /** Whether this frame is lost (a whole message: its continuations go with it). */
  private dropsFrame(frame: Frame): boolean {
    const mode = this.mode();
    if (mode.kind === "cut") return true;
    if (isControl(frame)) return false;
    if (frame.opcode === 0) {
      if (frame.fin && this.dropping) {
        this.dropping = false;
        return true;
      }
      return this.dropping;
    }
    const drop = mode.kind === "lossy" && this.prng.nextFloat() < mode.dropProbability;
    this.dropping = drop && !frame.fin;
    return drop;
  }

  private enqueue(bytes: Buffer): void {
    if (bytes.length === 0) return;
    const mode = this.mode();
    const delayMs = mode.kind === "delay" ? mode.delayMs : 0;
    const last = this.queue[this.queue.length - 1];
    const dueAtMs = Math.max(performance.now() + delayMs, last?.dueAtMs ?? 0);
    this.queue.push({ bytes, dueAtMs });
    this.heldBytes += bytes.length;
    if (this.heldBytes > HELD_BYTES_MAX) {
      this.source.destroy();
      this.sink.destroy();
      return;
    }
    this.pump();
  }

  private pump(): void {
    if (this.timer !== null) return;
    while (this.queue.length > 0 && !this.sink.destroyed) {
      const head = this.queue[0]!;
      const waitMs = this.mode().kind === "cut" ? CUT_RECHECK_MS : head.dueAtMs - performance.now();
      if (waitMs > 0) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.pump();
        }, waitMs).unref();
        return;
      }
      this.queue.shift();
      this.heldBytes -= head.bytes.length;
      this.sink.write(head.bytes);
    }
  }
}
