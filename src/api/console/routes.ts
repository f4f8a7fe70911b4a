/**
 * The console's routes (docs/API.md "Console"): the push stream `GET /v1/events` (Server-Sent
 * Events, served by hub.ts), the partition map `GET /v1/plans/:planId/buckets`, and the page
 * itself at `/ui` (assets.ts). The stream and the map are /v1 routes: they need the API token
 * when one is set, like every read. The page needs none — it holds no data, and asks for the
 * token before it shows any.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { Type } from "typebox";
import { CoordinatorError } from "../../errors.js";
import type { NodeEvents } from "../../node/events.js";
import { PROBLEM_CONTENT_TYPE, ProblemSchema, ROUTES } from "../../protocol/index.js";
import { partitionBuckets } from "../../state-machine/index.js";
import type { ApiContext } from "../context.js";
import { readFound } from "../read.js";
import { addRoute } from "../route.js";
import { ConsoleAssets } from "./assets.js";
import { ConsoleHub, type StreamSink } from "./hub.js";
import { PeerPoller } from "./peer-poller.js";

/** The URL of the push stream. */
export const EVENTS_URL = "/v1/events";

/** Buckets of a partition map when the request names no number. */
const BUCKETS_DEFAULT = 1_000;

/** What the console needs besides the API context. */
export interface ConsoleDeps {
  readonly events?: NodeEvents;
  /** Every member, this node included: id → HTTP base URL. */
  readonly members: ReadonlyMap<string, string>;
  /** The API token, so this node can ask the other members for their Raft status. */
  readonly apiToken?: string;
}

/** Registers the stream, the partition map and the page; the hub closes with the app. */
export async function consoleRoutes(
  app: FastifyInstance,
  api: ApiContext,
  deps: ConsoleDeps,
): Promise<void> {
  const { service } = api;
  const hub = new ConsoleHub({
    service,
    ...(deps.events === undefined ? {} : { events: deps.events }),
    members: deps.members,
    poller: new PeerPoller(service.nodeId, deps.members, api.forward, deps.apiToken),
    sampler: api.sampler,
    clock: api.clock,
    onError: (error) => app.log.warn({ err: error }, "console tick failed"),
  });
  app.addHook("preClose", async () => hub.close());
  app.get(
    EVENTS_URL,
    { schema: EVENTS_SCHEMA, config: { scope: "read" } },
    async (request, reply) => {
      const raw = reply.raw;
      const sink: StreamSink = {
        write: (chunk) => void raw.write(chunk),
        bufferedBytes: () => raw.writableLength,
        end: () => raw.end(),
      };
      const detach = hub.attach(sink);
      if (detach === null) {
        throw new CoordinatorError(
          "console_clients_full",
          "this node serves its maximum of console streams; try another member",
        );
      }
      openStream(reply);
      raw.once("close", detach);
      request.log.debug("console stream opened");
    },
  );
  addRoute(app, api, ROUTES.planBuckets, async ({ params: { planId }, query }) =>
    readFound(service, query.consistency, `plan ${planId}`, (state) =>
      partitionBuckets(state, planId, query.buckets ?? BUCKETS_DEFAULT),
    ),
  );
  pageRoutes(app, new ConsoleAssets());
}

/** Takes the response over from fastify and sends the SSE head (with the hooks' headers). */
function openStream(reply: FastifyReply): void {
  reply.hijack();
  const fromHooks = Object.entries(reply.getHeaders()).flatMap(([name, value]) =>
    value === undefined ? [] : [[name, typeof value === "number" ? String(value) : value]],
  );
  reply.raw.writeHead(200, {
    ...(Object.fromEntries(fromHooks) as Record<string, string | string[]>),
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-store",
    // Proxies such as nginx would otherwise hold the stream back in their buffers.
    "x-accel-buffering": "no",
  });
  // EventSource-style clients wait this long before reconnecting.
  reply.raw.write("retry: 1000\n\n");
}

function pageRoutes(app: FastifyInstance, assets: ConsoleAssets): void {
  const schema = { hide: true };
  const serve = (name: string, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (asset === undefined) {
      throw new CoordinatorError("route_not_found", `no console file ${name.slice(0, 100)}`);
    }
    return reply.type(asset.contentType).header("cache-control", "no-cache").send(asset.body);
  };
  app.get("/ui", { schema, config: { scope: "public" } }, async (_request, reply) =>
    serve("index.html", reply),
  );
  app.get("/ui/", { schema, config: { scope: "public" } }, async (_request, reply) =>
    serve("index.html", reply),
  );
  app.get<{ Params: { "*": string } }>(
    "/ui/*",
    { schema, config: { scope: "public" } },
    async (request, reply) => serve(request.params["*"], reply),
  );
}

const PROBLEM = {
  description: "A problem (RFC 9457) with a stable code: see docs/ERRORS.md.",
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
};

const EVENTS_SCHEMA = {
  summary: "The console's push stream (Server-Sent Events): a full picture, then updates.",
  description:
    "text/event-stream. The first message (`event: snapshot`) is the full picture: every " +
    "member's Raft status, the leader, the timeline of leader changes and elections, the plans " +
    "with counts by status, rate and ETA, the workers with leases and held partitions, " +
    "commands/s. Then at most one `event: update` per tick (250 ms) with what changed; plan " +
    "cards carry `countsDelta`, the change of their counts by status. A client that falls " +
    "behind gets a new `snapshot` instead of the deltas it missed, and is dropped if it stays " +
    "behind. 503 console_clients_full when the node serves its maximum of streams. Read with " +
    "fetch() and an Authorization header when a token is set (see docs/API.md).",
  tags: ["cluster"],
  security: [{ bearer: [] }],
  // No query fields: an unknown one is a 400, like on every other route.
  querystring: Type.Object({}, { additionalProperties: false }),
  response: {
    200: {
      description: "The stream.",
      content: { "text/event-stream": { schema: { type: "string" } } },
    },
    "4xx": PROBLEM,
    "5xx": PROBLEM,
  },
};
