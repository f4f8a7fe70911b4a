/**
 * The cluster endpoints (docs/API.md "Cluster" and "Membership"): this node's Raft status,
 * leadership transfer (Raft thesis §3.10; forwarded to the leader like any write), a snapshot on
 * demand, and the configuration: read on any node, changed on the leader one server at a time
 * (docs/MEMBERSHIP.md; the node enforces the rules and answers their error codes).
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
  addRoute(app, api, ROUTES.listMembers, async () => service.members());
  addRoute(app, api, ROUTES.addMember, async ({ body, reply }) => {
    const membership = await service.addMember(asNodeId(body.id), body.address);
    reply.code(201);
    return membership;
  });
  addRoute(app, api, ROUTES.promoteMember, async ({ params }) =>
    service.promoteMember(asNodeId(params.id)),
  );
  addRoute(app, api, ROUTES.removeMember, async ({ params, query }) =>
    service.removeMember(asNodeId(params.id), { force: query.force === true }),
  );
}
