/**
 * Proposing a command from an HTTP handler: a state-machine rejection becomes the
 * CoordinatorError with the same code (statuses are catalogue codes, results.ts), and an `ok`
 * result is handed back without its `status`/`type` tags, as the response schemas describe it.
 */
import { CoordinatorError } from "../errors.js";
import type { NodeService, ProposeOptions } from "../node/service.js";
import { isRejection } from "../state-machine/index.js";
import type { CommandOf, CommandType, OkResults } from "../state-machine/index.js";

/** An `ok` result without its tags: the body of a write's answer. */
export type OkBody<T extends CommandType> = Omit<OkResults[T], "status" | "type">;

/**
 * Proposes `command` and answers its `ok` result's body.
 * @throws CoordinatorError with the rejection's status as code; `conflict` when the client
 *   session answered with the remembered result of another kind of command (a seq reused across
 *   endpoints); whatever `service.propose` throws
 */
export async function proposeOk<T extends CommandType>(
  service: NodeService,
  command: CommandOf<T>,
  options: ProposeOptions,
): Promise<OkBody<T>> {
  const result = await service.propose(command, options);
  if (isRejection(result)) throw new CoordinatorError(result.status, result.detail);
  if (result.type !== command.type) {
    throw new CoordinatorError(
      "conflict",
      `client session seq ${options.seq ?? "?"} already answered a ${result.type}`,
    );
  }
  const body: Record<string, unknown> = { ...result };
  delete body["status"];
  delete body["type"];
  return body as OkBody<T>;
}
