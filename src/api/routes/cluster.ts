/**
 * The cluster endpoints (docs/API.md "Cluster"): this node's Raft status, leadership transfer
 * (Raft thesis §3.10; forwarded to the leader like any write) and a snapshot on demand.
 * Membership changes are not yet exposed over HTTP: the Raft core supports them
 * (docs/MEMBERSHIP.md); the endpoints are not built yet.
 */
import type { FastifyInstance } from "fastify";
import { ROUTES } from "../../protocol/index.js";
import { asNodeId } from "../../util/ids.js";
import type { ApiContext } from "../context.js";
import { addRoute } from "../route.js";

/** Registers the Raft/cluster routes. */
export async function clusterRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  const { service } = api;
  addRoute(app, api, ROUTES.raftStatus, async ({ query }) =>
    service.raftStatus({ withStateHash: query.hash === true }),
  );
  addRoute(app, api, ROUTES.transferLeadership, async ({ body }) =>
    service.transferLeadership(body.to === undefined ? undefined : asNodeId(body.to)),
  );
  addRoute(app, api, ROUTES.snapshotNow, async () => service.snapshotNow());
}
