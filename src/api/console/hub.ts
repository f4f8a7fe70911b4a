/**
 * The console's push stream behind `GET /v1/events` (docs/API.md "Console"): one hub per node
 * serves every open stream. Changes coalesce: once per tick (constants.consoleTickMs) the hub
 * reads the picture once — the applied state through the node's stale read, its Raft status,
 * the members' polled statuses, its rates — diffs it against the last one and writes the same
 * update to every client. Between ticks nothing is buffered per client, so however fast
 * partitions change a client gets at most one message per tick.
 *
 * Bounds: at most constants.consoleClientsMax clients; a client whose socket holds more than
 * consoleClientBufferedBytesMax unsent bytes is skipped (its deltas are not queued) and gets one
 * full picture once it drains — what it missed, coalesced — and is dropped after
 * consoleSlowClientDropMs of staying above. The hub reads the node only through NodeService and
 * NodeEvents, never the Raft core.
 */
import {
  consoleClientBufferedBytesMax,
  consoleClientsMax,
  consoleKeepAliveMs,
  consolePeerPollIntervalMs,
  consoleSlowClientDropMs,
  consoleTickMs,
  consoleTimelineEventsMax,
} from "../../constants.js";
import type { NodeEvents } from "../../node/events.js";
import type { NodeService } from "../../node/service.js";
import type { ProgressSampler } from "../progress-sampler.js";
import { etaSeconds } from "../progress-sampler.js";
import type { PeerPoller } from "./peer-poller.js";
import type { Picture, TimelineEvent } from "./picture.js";
import { diffPictures, isQuiet, nodeCards, planCard, workerCard } from "./picture.js";
import { ConsoleRates } from "./rates.js";
import { readConsoleState } from "./read-state.js";

/** Where one client's messages go: an SSE response. */
export interface StreamSink {
  /** Writes `chunk` (one or more whole SSE messages). */
  write(chunk: string): void;
  /** Bytes written but not yet sent to the client (socket back-pressure). */
  bufferedBytes(): number;
  /** Ends the stream (the hub dropped it or is closing). */
  end(): void;
}

/** Bounds and pacing of a hub; defaults from src/constants.ts. */
export interface HubLimits {
  readonly tickMs: number;
  readonly clientsMax: number;
  readonly bufferedBytesMax: number;
  readonly slowClientDropMs: number;
  readonly keepAliveMs: number;
  readonly peerPollIntervalMs: number;
  readonly timelineEventsMax: number;
}

const DEFAULT_LIMITS: HubLimits = {
  tickMs: consoleTickMs,
  clientsMax: consoleClientsMax,
  bufferedBytesMax: consoleClientBufferedBytesMax,
  slowClientDropMs: consoleSlowClientDropMs,
  keepAliveMs: consoleKeepAliveMs,
  peerPollIntervalMs: consolePeerPollIntervalMs,
  timelineEventsMax: consoleTimelineEventsMax,
};

/** What a hub is built from. */
export interface HubDeps {
  readonly service: NodeService;
  /** The node's events (leader changes, applied commands); without them no timeline or rates. */
  readonly events?: NodeEvents;
  /** Every member, this node included: id → HTTP base URL. */
  readonly members: ReadonlyMap<string, string>;
  readonly poller: PeerPoller;
  readonly sampler: ProgressSampler;
  /** Local wall clock, ms since the epoch. */
  readonly clock: () => number;
  readonly limits?: Partial<HubLimits>;
  /** Told when a tick fails (the stream goes on with the next tick). */
  readonly onError?: (error: unknown) => void;
}

interface Client {
  readonly sink: StreamSink;
  /** Owes the client a full picture (new, or it missed deltas while slow). */
  needsPicture: boolean;
  slowSinceMs: number | null;
  lastWriteMs: number;
}

/** Serves the console stream of one node to its clients. */
export class ConsoleHub {
  private readonly limits: HubLimits;
  private readonly clients = new Set<Client>();
  private readonly rates = new ConsoleRates();
  private readonly timeline: TimelineEvent[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private lastLeaderId: string | null = null;
  private lastPicture: Picture | null = null;
  /** Timeline events not yet sent in an update. */
  private unsentEvents: TimelineEvent[] = [];
  private seq = 0;
  private ticking = false;
  private timers: ReturnType<typeof setInterval>[] = [];
  private closed = false;

  constructor(private readonly deps: HubDeps) {
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    const events = deps.events;
    if (events !== undefined) {
      this.unsubscribe.push(events.on("role", (event) => this.roleChanged(event)));
      this.unsubscribe.push(
        events.on("applied", ({ envelope, result }) => {
          if (this.clients.size === 0) return;
          const command = envelope?.command as { type?: unknown; workerId?: unknown } | undefined;
          const completed =
            command?.type === "CompletePartition" &&
            result.status === "ok" &&
            typeof command.workerId === "string";
          this.rates.applied(completed ? (command.workerId as string) : null);
        }),
      );
    }
  }

  /** Open streams now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /**
   * Adds a client; it gets the full picture at the next tick (started at once), then updates.
   * Returns the function that removes it, or null when the hub is full or closed.
   */
  attach(sink: StreamSink): (() => void) | null {
    if (this.closed || this.clients.size >= this.limits.clientsMax) return null;
    const client: Client = { sink, needsPicture: true, slowSinceMs: null, lastWriteMs: 0 };
    this.clients.add(client);
    if (this.timers.length === 0) this.start();
    void this.tick();
    return () => this.detach(client);
  }

  /**
   * One tick: reads the picture and serves every client (see the module comment). Ticks never
   * overlap; a tick asked for while one runs is skipped. Exposed for tests.
   */
  async tick(): Promise<void> {
    if (this.ticking || this.clients.size === 0) return;
    this.ticking = true;
    try {
      const picture = await this.readPicture();
      this.serveAll(picture);
      this.lastPicture = picture;
    } catch (error) {
      this.deps.onError?.(error);
    } finally {
      this.ticking = false;
    }
  }

  /** Ends every stream and stops listening to the node. */
  close(): void {
    this.closed = true;
    for (const client of [...this.clients]) this.drop(client);
    this.stop();
    for (const off of this.unsubscribe) off();
  }

  private serveAll(picture: Picture): void {
    const previous = this.lastPicture;
    const events = this.unsentEvents;
    this.unsentEvents = [];
    const seq = ++this.seq;
    const update = previous === null ? null : diffPictures(previous, picture);
    const delta =
      update === null || previous === null || (isQuiet(update, previous) && events.length === 0)
        ? null
        : sse("update", { seq, ...update, timeline: events });
    let full: string | null = null;
    const fullPicture = () =>
      (full ??= sse("snapshot", {
        seq,
        ...picture,
        members: [...this.deps.members].map(([id, url]) => ({ id, url })),
        timeline: this.timeline,
      }));
    const nowMs = this.deps.clock();
    for (const client of [...this.clients]) this.serve(client, nowMs, fullPicture, delta);
  }

  private serve(client: Client, nowMs: number, full: () => string, delta: string | null): void {
    if (client.sink.bufferedBytes() > this.limits.bufferedBytesMax) {
      client.needsPicture = true;
      client.slowSinceMs ??= nowMs;
      if (nowMs - client.slowSinceMs >= this.limits.slowClientDropMs) this.drop(client);
      return;
    }
    client.slowSinceMs = null;
    let chunk: string | null = null;
    if (client.needsPicture) chunk = full();
    else if (delta !== null) chunk = delta;
    else if (nowMs - client.lastWriteMs >= this.limits.keepAliveMs) chunk = ": keep-alive\n\n";
    if (chunk === null) return;
    client.needsPicture = false;
    client.lastWriteMs = nowMs;
    client.sink.write(chunk);
  }

  private async readPicture(): Promise<Picture> {
    const { service, sampler, members, poller } = this.deps;
    const state = await readConsoleState(service);
    const atMs = this.deps.clock();
    this.rates.close(atMs);
    const self = service.raftStatus();
    const plans = state.plans.map((plan) => {
      const rate = sampler.observe(
        plan.planId,
        { atMs, completed: plan.counts.completed, processed: plan.processedCount },
        { atMs: plan.createdAtMs, completed: 0, processed: 0 },
      );
      return planCard(plan, rate, etaSeconds(plan, rate));
    });
    const memberStatuses = [...members].map(([id, url]) => ({
      id,
      url,
      status: id === service.nodeId ? self : poller.statusOf(id),
    }));
    return {
      nodeId: service.nodeId,
      atMs,
      appliedIndex: service.appliedIndex(),
      leader: { id: self.leaderId, term: self.term },
      nodes: nodeCards(service.nodeId, memberStatuses),
      commandsPerSecond: this.rates.commandsPerSecond(),
      plans,
      plansTotal: state.plansTotal,
      workers: state.workers.map((w) => workerCard(w, this.rates.completedPerSecond(w.workerId))),
      workersTotal: state.workersTotal,
    };
  }

  private roleChanged(event: { role: string; leaderId: string | null; term: number }): void {
    const base = { atMs: this.deps.clock(), term: event.term, nodeId: this.deps.service.nodeId };
    if (event.role === "PreCandidate" || event.role === "Candidate") {
      this.record({ ...base, kind: "election", leaderId: null });
    }
    if (event.leaderId !== this.lastLeaderId) {
      const kind = event.leaderId === null ? "no-leader" : "leader";
      this.record({ ...base, kind, leaderId: event.leaderId });
      this.lastLeaderId = event.leaderId;
    }
  }

  private record(event: TimelineEvent): void {
    this.timeline.push(event);
    if (this.timeline.length > this.limits.timelineEventsMax) this.timeline.shift();
    if (this.clients.size > 0) this.unsentEvents.push(event);
    if (this.unsentEvents.length > this.limits.timelineEventsMax) this.unsentEvents.shift();
  }

  private start(): void {
    this.timers = [
      setInterval(() => void this.tick(), this.limits.tickMs),
      setInterval(() => void this.deps.poller.poll(), this.limits.peerPollIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();
    void this.deps.poller.poll();
  }

  private stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    this.lastPicture = null;
  }

  private detach(client: Client): void {
    if (!this.clients.delete(client)) return;
    if (this.clients.size === 0) this.stop();
  }

  private drop(client: Client): void {
    this.detach(client);
    client.sink.end();
  }
}

/** One Server-Sent Events message: `event: <name>` and its JSON on one `data:` line. */
export function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
