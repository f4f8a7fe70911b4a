/**
 * Reads from an HTTP handler: a state-machine query run through NodeService.read, linearizable
 * (ReadIndex, Raft thesis §6.4) unless the request asked `?consistency=stale`.
 */
import { CoordinatorError } from "../errors.js";
import type { NodeService, ReadConsistency } from "../node/service.js";
import type { CoordinatorState } from "../state-machine/index.js";

/** Runs `query` at the requested consistency (default linearizable). */
export function readAt<T>(
  service: NodeService,
  consistency: ReadConsistency | undefined,
  query: (state: CoordinatorState) => T,
): Promise<T> {
  return service.read(query, consistency ?? "linearizable");
}

/**
 * Runs `query` like {@link readAt}; an undefined answer means the entity does not exist.
 * @throws CoordinatorError not_found naming `what` (e.g. "plan p1") when `query` answers undefined
 */
export async function readFound<T>(
  service: NodeService,
  consistency: ReadConsistency | undefined,
  what: string,
  query: (state: CoordinatorState) => T | undefined,
): Promise<T> {
  const found = await readAt(service, consistency, query);
  if (found === undefined) throw new CoordinatorError("not_found", `${what} does not exist`);
  return found;
}
