/**
 * What a valid peer transport configuration is: node ids, peer addresses, the cluster secret, and
 * the limits and timings with their defaults (src/constants.ts). Checked before anything starts.
 */
import {
  clusterSecretBytesMin,
  nodeIdCharsMax,
  peerAuthClockSkewMsMax,
  peerAuthNoncesMax,
  peerCloseTimeoutMs,
  peerDialTimeoutMs,
  peerFallbackDialDelayMs,
  peerIdleTimeoutMs,
  peerMessageBytesMax,
  peerPingIntervalMs,
  peerReconnectDelayMsMax,
  peerReconnectDelayMsMin,
  peerSendQueueBytesMax,
  peerSendQueueMessagesMax,
} from "../constants.js";
import type { NodeId } from "../util/ids.js";
import { isNodeId } from "./peer-auth.js";
import { PEER_ADDRESS_PATTERN } from "../util/peer-address.js";

/** A transport configured wrongly (a caller mistake, reported before anything starts). */
export class TransportConfigError extends Error {
  override readonly name = "TransportConfigError";
}

/** Limits and timings; each defaults to the constant of the same meaning in src/constants.ts. */
export interface TransportLimits {
  readonly messageBytesMax: number;
  readonly sendQueueMessagesMax: number;
  readonly sendQueueBytesMax: number;
  readonly reconnectDelayMsMin: number;
  readonly reconnectDelayMsMax: number;
  readonly dialTimeoutMs: number;
  readonly fallbackDialDelayMs: number;
  readonly pingIntervalMs: number;
  readonly idleTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly authClockSkewMsMax: number;
  readonly authNoncesMax: number;
}

/** The limits used when the transport's options say nothing. */
export const DEFAULT_TRANSPORT_LIMITS: TransportLimits = Object.freeze({
  messageBytesMax: peerMessageBytesMax,
  sendQueueMessagesMax: peerSendQueueMessagesMax,
  sendQueueBytesMax: peerSendQueueBytesMax,
  reconnectDelayMsMin: peerReconnectDelayMsMin,
  reconnectDelayMsMax: peerReconnectDelayMsMax,
  dialTimeoutMs: peerDialTimeoutMs,
  fallbackDialDelayMs: peerFallbackDialDelayMs,
  pingIntervalMs: peerPingIntervalMs,
  idleTimeoutMs: peerIdleTimeoutMs,
  closeTimeoutMs: peerCloseTimeoutMs,
  authClockSkewMsMax: peerAuthClockSkewMsMax,
  authNoncesMax: peerAuthNoncesMax,
});

export { NODE_ID_PATTERN } from "./peer-auth.js";
export { PEER_ADDRESS_PATTERN };

/** @throws TransportConfigError when `id` is not a well-formed node id ({@link isNodeId}) */
export function checkNodeId(id: string, what: string): void {
  if (!isNodeId(id)) {
    throw new TransportConfigError(
      `${what} "${id}" must be 1..${nodeIdCharsMax} characters of A-Z a-z 0-9 . _ -`,
    );
  }
}

/** @throws TransportConfigError when `address` is not `host:port` with a port in 1..65535 */
function checkAddress(id: NodeId, address: string): void {
  const port = Number(PEER_ADDRESS_PATTERN.exec(address)?.[2] ?? 0);
  if (port < 1 || port > 65_535) {
    throw new TransportConfigError(`the address of ${id} must be host:port, got "${address}"`);
  }
}

/** @throws TransportConfigError without a secret (unless `insecure`), or with a short one */
export function checkSecret(secret: string | null, insecure: boolean): void {
  if (secret === null || secret === "") {
    if (insecure) return;
    throw new TransportConfigError(
      "a cluster secret is required to authenticate peers (--cluster-secret / " +
        "ELK_CLUSTER_SECRET); only an explicit insecure flag allows running without one",
    );
  }
  if (Buffer.byteLength(secret, "utf8") < clusterSecretBytesMin) {
    throw new TransportConfigError(
      `the cluster secret must be at least ${clusterSecretBytesMin} bytes long`,
    );
  }
}

/** Checks every id and (but our own) address of `peers`. */
export function checkPeers(selfId: NodeId, peers: ReadonlyMap<NodeId, string>): void {
  for (const [id, address] of peers) {
    checkNodeId(id, "a peer id");
    if (id !== selfId) checkAddress(id, address);
  }
}
