/**
 * The WebSocket peer transport of src/transport, shaped as the node's {@link NodeTransport}: the
 * node subscribes its handlers after the transport is created, and asks whether a link is up.
 * The composition root keeps the returned object to route HTTP `upgrade` events to it.
 */
import { createTransport, type Transport, type TransportOptions } from "../transport/transport.js";
import { assert } from "../util/assert.js";
import type { NodeId } from "../util/ids.js";
import type { NodeTransport, TransportHandlers } from "./ports.js";

/** A {@link NodeTransport} that is also the WebSocket {@link Transport} (for `handleUpgrade`). */
export type NodePeerTransport = NodeTransport & Pick<Transport, "handleUpgrade" | "stats">;

/**
 * Creates the WebSocket transport for a node; messages and link changes go to the handlers the
 * node subscribes (none arrive before `start()`, which the node calls after subscribing).
 * @throws TransportConfigError on a malformed id or address, or a missing/short secret
 */
export function createNodePeerTransport(
  options: Omit<TransportOptions, "onMessage" | "onPeerStatus">,
): NodePeerTransport {
  let handlers: TransportHandlers | null = null;
  const transport = createTransport({
    ...options,
    onMessage: (message) => handlers?.onMessage(message),
    onPeerStatus: (peer, status) => handlers?.onPeerStatus(peer, status),
  });
  return {
    subscribe(next) {
      assert(handlers === null, "a transport serves one node");
      handlers = next;
    },
    send: (message) => transport.send(message),
    start: () => transport.start(),
    close: () => transport.close(),
    isConnected: (peer: NodeId) =>
      transport.stats().peers.some((link) => link.id === peer && link.state === "up"),
    setPeers: (peers) => transport.setPeers(peers),
    handleUpgrade: (request, socket, head) => transport.handleUpgrade(request, socket, head),
    stats: () => transport.stats(),
  };
}
