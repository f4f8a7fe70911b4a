/**
 * The plan endpoints (docs/API.md "Plans"): create, list, show (with this node's rate and ETA,
 * see progress-sampler.ts), gaps, pause/resume/cancel/retry-failed, and AppendPartitions.
 */
import type { FastifyInstance } from "fastify";
import { ROUTES } from "../../protocol/index.js";
import { getPlan, listPlans, planGaps } from "../../state-machine/index.js";
import type { CreatePlan, JsonValue } from "../../state-machine/index.js";
import type { ApiContext } from "../context.js";
import { etaSeconds } from "../progress-sampler.js";
import { proposeOk } from "../propose.js";
import { readAt, readFound } from "../read.js";
import { addRoute } from "../route.js";

/** Registers the plan routes. */
export async function planRoutes(app: FastifyInstance, api: ApiContext): Promise<void> {
  const { service } = api;
  addRoute(app, api, ROUTES.createPlan, async ({ body, session, reply }) => {
    const { options, ...fields } = body;
    const command: CreatePlan = {
      type: "CreatePlan",
      ...fields,
      // Any JSON: the state machine checks its depth and size (checkCommand).
      ...(options === undefined ? {} : { options: options as JsonValue }),
    };
    const result = await proposeOk(service, command, session);
    if (result.created) reply.code(201);
    return result;
  });
  addRoute(app, api, ROUTES.listPlans, async ({ query: { consistency, ...request } }) =>
    readAt(service, consistency, (state) => listPlans(state, request)),
  );
  addRoute(app, api, ROUTES.getPlan, async ({ params: { planId }, query }) => {
    const plan = await readFound(service, query.consistency, `plan ${planId}`, (state) =>
      getPlan(state, planId),
    );
    const rate = api.sampler.observe(
      planId,
      { atMs: api.clock(), completed: plan.counts.completed, processed: plan.processedCount },
      { atMs: plan.createdAtMs, completed: 0, processed: 0 },
    );
    return { ...plan, rate, etaSeconds: etaSeconds(plan, rate) };
  });
  addRoute(app, api, ROUTES.planGaps, async ({ params: { planId }, query }) => {
    const { consistency, ...request } = query;
    const found = await readFound(service, consistency, `plan ${planId}`, (state) => {
      const page = planGaps(state, planId, request);
      return page === undefined
        ? undefined
        : { page, closed: getPlan(state, planId)?.closed === true };
    });
    const { gaps, nextFromId } = found.page;
    const complete = found.closed && gaps.length === 0 && nextFromId === null;
    return { planId, gaps, nextFromId, complete };
  });
  addRoute(app, api, ROUTES.pausePlan, async ({ params: { planId }, session }) =>
    proposeOk(service, { type: "PausePlan", planId }, session),
  );
  addRoute(app, api, ROUTES.resumePlan, async ({ params: { planId }, session }) =>
    proposeOk(service, { type: "ResumePlan", planId }, session),
  );
  addRoute(app, api, ROUTES.cancelPlan, async ({ params: { planId }, session }) =>
    proposeOk(service, { type: "CancelPlan", planId }, session),
  );
  addRoute(app, api, ROUTES.retryFailed, async ({ params: { planId }, body, session }) =>
    proposeOk(service, { type: "RetryFailed", planId, ...body }, session),
  );
  addRoute(app, api, ROUTES.appendPartitions, async ({ params: { planId }, body, session }) =>
    proposeOk(service, { type: "AppendPartitions", planId, ...body }, session),
  );
}
