/**
 * A NodeService that traces what the API asks of the node (docs/OBSERVABILITY.md "Traces"):
 * every proposal is a `propose <CommandType>` span, a child of the request's span, that gets the
 * entry's (index, term) and its persist/commit/apply children from {@link NodeTracing}; every
 * linearizable read is a `raft.read_index` span. The node itself is called outside the
 * request's context: its Ready loop serves many requests at once, so its own log lines and
 * spans must not inherit whichever request happened to wake it.
 */
import { ROOT_CONTEXT, context } from "@opentelemetry/api";
import type { NodeService } from "../node/service.js";
import { ATTR, inSpan } from "./api.js";
import { nowMs, type NodeTracing } from "./node-tracing.js";

/** `service` with its `propose` and `read` traced through `tracing` (the same node's events). */
export function tracedService(service: NodeService, tracing: NodeTracing): NodeService {
  const propose: NodeService["propose"] = (command, options) =>
    inSpan(
      `propose ${command.type}`,
      { attributes: { [ATTR.commandType]: command.type, [ATTR.nodeId]: service.nodeId } },
      async (span) => {
        const startMs = nowMs();
        const result = await context.with(ROOT_CONTEXT, () => service.propose(command, options));
        tracing.describeProposal(span, startMs, result);
        return result;
      },
    );
  const read: NodeService["read"] = (query, consistency) =>
    consistency === "stale"
      ? service.read(query, consistency)
      : inSpan(
          "raft.read_index",
          { attributes: { [ATTR.readConsistency]: consistency, [ATTR.nodeId]: service.nodeId } },
          () => context.with(ROOT_CONTEXT, () => service.read(query, consistency)),
        );
  return new Proxy(service, {
    get(target, property) {
      if (property === "propose") return propose;
      if (property === "read") return read;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as () => unknown).bind(target) : value;
    },
  });
}
