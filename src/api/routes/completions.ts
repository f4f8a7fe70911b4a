/**
 * The batched completion endpoint (docs/API.md "Complete many, and acquire the next"): one
 * worker completes many partitions it holds in one CompletePartitions command, each item fenced
 * and answered on its own, optionally acquiring its next partitions in the same round trip.
 */
import type { FastifyInstance } from "fastify";
import { ROUTES } from "../../protocol/index.js";
import type { ApiContext } from "../context.js";
import { proposeOk } from "../propose.js";
import { addRoute } from "../route.js";

/** Registers POST /v1/workers/:workerId/complete. */
export async function completionRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  const { service } = api;
  addRoute(app, api, ROUTES.completePartitions, async ({ params: { workerId }, body, session }) =>
    proposeOk(service, { type: "CompletePartitions", workerId, ...body }, session),
  );
}
