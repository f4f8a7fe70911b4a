/**
 * The partition endpoints (docs/API.md): the filtered listing, one partition, and the reports a
 * holder makes under its fencing token (progress, complete, fail, release), plus preemption.
 */
import type { FastifyInstance } from "fastify";
import { ROUTES } from "../../protocol/index.js";
import { getPartition, listPartitions } from "../../state-machine/index.js";
import type { ApiContext } from "../context.js";
import { proposeOk } from "../propose.js";
import { readAt, readFound } from "../read.js";
import { addRoute } from "../route.js";

/** Registers the partition routes. */
export async function partitionRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  const { service } = api;
  addRoute(app, api, ROUTES.listPartitions, async ({ query: { consistency, ...filter } }) =>
    readAt(service, consistency, (state) => listPartitions(state, filter)),
  );
  addRoute(app, api, ROUTES.getPartition, async ({ params: { planId, partitionId }, query }) =>
    readFound(service, query.consistency, `partition ${partitionId} of plan ${planId}`, (state) =>
      getPartition(state, planId, partitionId),
    ),
  );
  addRoute(app, api, ROUTES.reportProgress, async ({ params, body, session }) =>
    proposeOk(service, { type: "ReportProgress", ...params, ...body }, session),
  );
  addRoute(app, api, ROUTES.completePartition, async ({ params, body, session }) =>
    proposeOk(service, { type: "CompletePartition", ...params, ...body }, session),
  );
  addRoute(app, api, ROUTES.failPartition, async ({ params, body, session }) =>
    proposeOk(service, { type: "FailPartition", ...params, ...body }, session),
  );
  addRoute(app, api, ROUTES.releasePartition, async ({ params, body, session }) =>
    proposeOk(service, { type: "ReleasePartition", ...params, ...body }, session),
  );
  addRoute(app, api, ROUTES.preemptPartition, async ({ params, body, session }) =>
    proposeOk(service, { type: "PreemptPartition", ...params, ...body }, session),
  );
}
