/**
 * The worker endpoints (docs/API.md "Workers"): register, heartbeat, the long-poll acquire
 * (long-poll.ts), deregister, the listing and one worker.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { ROUTES } from "../../protocol/index.js";
import { getWorker, listWorkers } from "../../state-machine/index.js";
import type { ApiContext } from "../context.js";
import { acquireLongPoll } from "../long-poll.js";
import { proposeOk } from "../propose.js";
import { readAt, readFound } from "../read.js";
import { addRoute } from "../route.js";

/** Registers the worker routes. */
export async function workerRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  const { service } = api;
  addRoute(app, api, ROUTES.registerWorker, async ({ body, session }) =>
    proposeOk(service, { type: "RegisterWorker", ...body }, session),
  );
  addRoute(app, api, ROUTES.heartbeat, async ({ params: { workerId }, body, session }) =>
    proposeOk(service, { type: "Heartbeat", workerId, ...body }, session),
  );
  addRoute(app, api, ROUTES.acquire, async ({ params: { workerId }, body, session, reply }) => {
    const { waitMs = 0, ...fields } = body;
    return acquireLongPoll(
      service,
      { type: "AcquirePartitions", workerId, ...fields },
      {
        waitMs,
        session,
        clock: api.clock,
        signal: requestSignal(reply, api.closing),
      },
    );
  });
  addRoute(app, api, ROUTES.deregisterWorker, async ({ params: { workerId }, session }) =>
    proposeOk(service, { type: "DeregisterWorker", workerId }, session),
  );
  addRoute(app, api, ROUTES.listWorkers, async ({ query: { consistency, ...request } }) =>
    readAt(service, consistency, (state) => listWorkers(state, request)),
  );
  addRoute(app, api, ROUTES.getWorker, async ({ params: { workerId }, query }) =>
    readFound(service, query.consistency, `worker ${workerId}`, (state) =>
      getWorker(state, workerId),
    ),
  );
}

/** Aborted when the app closes or the client goes away before its answer is written. */
function requestSignal(reply: FastifyReply, closing: AbortSignal): AbortSignal {
  const gone = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return AbortSignal.any([closing, gone.signal]);
}
