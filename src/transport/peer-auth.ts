/**
 * Peer authentication for the WebSocket upgrade between coordinator nodes.
 *
 * The dialing node proves it knows the shared cluster secret without sending it: the upgrade
 * request carries `from`, `to`, a timestamp, a random nonce and
 * `proof = HMAC-SHA256(secret, "elk-raft-peer-v1\n" + from + "\n" + to + "\n" + timestampMs + "\n" + nonce)`
 * (hex). The accepting node recomputes the proof and accepts only when all of these hold:
 * `to` is itself, `from` is a well-formed node id, the timestamp is within
 * `peerAuthClockSkewMsMax` of its clock, the proof matches (constant-time compare) and the nonce
 * was not seen within that window (a captured handshake cannot be replayed). The secret never
 * travels; a changed `from`/`to`/timestamp/nonce breaks the proof.
 *
 * `from` need not be in this node's configuration: a valid proof shows it is a cluster member,
 * and a server must take messages from a leader it does not know of yet (Raft thesis §4.1,
 * docs/MEMBERSHIP.md §9). Which of two nodes dials is the transport's business, not this check's.
 *
 * Without a secret (`secret: null`, only allowed by the explicit insecure flag of the transport),
 * `from` and `to` are still sent and checked, but nothing is proven: any process that can reach
 * the port can join. The `dev` command always generates a secret.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { nodeIdCharsMax } from "../constants.js";
import type { NodeId } from "../util/ids.js";

/** Header names of the handshake (lower case, as Node presents incoming headers). */
export const PEER_AUTH_HEADERS = {
  from: "x-elk-peer-from",
  to: "x-elk-peer-to",
  timestamp: "x-elk-peer-timestamp",
  nonce: "x-elk-peer-nonce",
  proof: "x-elk-peer-proof",
} as const;

/** What a node id may be made of (at most `nodeIdCharsMax` characters). */
export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Whether `id` is a well-formed node id ({@link NODE_ID_PATTERN}, `nodeIdCharsMax` at most). */
export function isNodeId(id: string): boolean {
  return id.length <= nodeIdCharsMax && NODE_ID_PATTERN.test(id);
}

const PROOF_CONTEXT = "elk-raft-peer-v1";
const NONCE_PATTERN = /^[0-9a-f]{32}$/;
const PROOF_PATTERN = /^[0-9a-f]{64}$/;

/** The facts one handshake asserts. */
export interface PeerHandshake {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The dialer's clock, milliseconds since the Unix epoch. */
  readonly timestampMs: number;
  /** 32 lowercase hex characters (16 random bytes). */
  readonly nonce: string;
}

/** A fresh random nonce for {@link PeerHandshake.nonce}. */
export function newNonce(): string {
  return randomBytes(16).toString("hex");
}

function proofOf(secret: string, h: PeerHandshake): string {
  const text = [PROOF_CONTEXT, h.from, h.to, String(h.timestampMs), h.nonce].join("\n");
  return createHmac("sha256", secret).update(text).digest("hex");
}

/** The upgrade request headers for `handshake`; with no secret, no proof header is sent. */
export function handshakeHeaders(
  handshake: PeerHandshake,
  secret: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {
    [PEER_AUTH_HEADERS.from]: handshake.from,
    [PEER_AUTH_HEADERS.to]: handshake.to,
    [PEER_AUTH_HEADERS.timestamp]: String(handshake.timestampMs),
    [PEER_AUTH_HEADERS.nonce]: handshake.nonce,
  };
  if (secret !== null) headers[PEER_AUTH_HEADERS.proof] = proofOf(secret, handshake);
  return headers;
}

/** The outcome of checking an upgrade request: the authenticated peer, or why not and how to answer. */
export type HandshakeVerdict =
  | { readonly ok: true; readonly from: NodeId }
  | { readonly ok: false; readonly httpStatus: 401 | 429; readonly reason: string };

export interface PeerAuthenticatorOptions {
  readonly selfId: NodeId;
  readonly secret: string | null;
  readonly clockSkewMsMax: number;
  readonly noncesMax: number;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === "string" ? value : undefined;
}

const refuse = (httpStatus: 401 | 429, reason: string): HandshakeVerdict => ({
  ok: false,
  httpStatus,
  reason,
});

/** Checks upgrade requests against the rules in this module's header; remembers used nonces. */
export class PeerAuthenticator {
  /** nonce → time after which its handshake is stale anyway (ms since epoch). */
  private readonly seenNonces = new Map<string, number>();

  constructor(private readonly options: PeerAuthenticatorOptions) {}

  /** Verifies one upgrade request's headers at `nowMs` (ms since the Unix epoch). */
  verify(headers: IncomingHttpHeaders, nowMs: number): HandshakeVerdict {
    const { selfId, secret, clockSkewMsMax } = this.options;
    const from = header(headers, PEER_AUTH_HEADERS.from);
    const to = header(headers, PEER_AUTH_HEADERS.to);
    const timestampText = header(headers, PEER_AUTH_HEADERS.timestamp);
    const nonce = header(headers, PEER_AUTH_HEADERS.nonce);
    if (
      from === undefined ||
      to === undefined ||
      timestampText === undefined ||
      nonce === undefined
    ) {
      return refuse(401, "missing peer handshake headers");
    }
    if (to !== selfId) return refuse(401, `the handshake is for node ${to}, this is ${selfId}`);
    if (!isNodeId(from)) return refuse(401, "malformed peer node id");
    const timestampMs = Number(timestampText);
    if (!Number.isSafeInteger(timestampMs) || Math.abs(nowMs - timestampMs) > clockSkewMsMax) {
      return refuse(401, `stale or invalid handshake timestamp ${timestampText} (now ${nowMs})`);
    }
    if (!NONCE_PATTERN.test(nonce)) return refuse(401, "malformed handshake nonce");
    if (secret !== null) {
      const proof = header(headers, PEER_AUTH_HEADERS.proof) ?? "";
      const expected = proofOf(secret, { from: from as NodeId, to: selfId, timestampMs, nonce });
      const valid =
        PROOF_PATTERN.test(proof) &&
        timingSafeEqual(Buffer.from(proof, "hex"), Buffer.from(expected, "hex"));
      if (!valid)
        return refuse(401, `wrong or missing proof from ${from} (cluster secret mismatch?)`);
    }
    return this.rememberNonce(nonce, timestampMs + clockSkewMsMax, nowMs, from as NodeId);
  }

  private rememberNonce(
    nonce: string,
    staleAtMs: number,
    nowMs: number,
    from: NodeId,
  ): HandshakeVerdict {
    if (this.seenNonces.has(nonce)) return refuse(401, `replayed handshake nonce from ${from}`);
    if (this.seenNonces.size >= this.options.noncesMax) {
      for (const [seen, expiresAtMs] of this.seenNonces) {
        if (expiresAtMs < nowMs) this.seenNonces.delete(seen);
      }
      if (this.seenNonces.size >= this.options.noncesMax) {
        return refuse(429, "too many peer handshakes in the replay window");
      }
    }
    this.seenNonces.set(nonce, staleAtMs);
    return { ok: true, from };
  }
}
