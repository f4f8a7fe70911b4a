/**
 * Samples every answering node's Raft status (`GET /v1/raft/status`, the node's own view) many
 * times a second during a chaos run, so the checker can prove "at most one leader per term"
 * (Raft §5.2, Election Safety) over everything any node ever claimed, and the nemesis can time
 * failovers. Only the facts are kept (who led which term), not every sample.
 */
import { createClient, type CoordinatorClient } from "../src/worker/client.js";

/** How often every node is asked. */
export const STATUS_SAMPLE_INTERVAL_MS = 100;
/** One status request's timeout (a paused node must not stall the sampler). */
const STATUS_REQUEST_TIMEOUT_MS = 400;

/** The last leader seen, and when. */
export interface LeaderSeen {
  readonly nodeId: string;
  readonly term: number;
  readonly atMs: number;
}

/** Polls the nodes until stopped. */
export class StatusSampler {
  /** term → every node that said it leads that term. */
  readonly leadersByTerm = new Map<number, Set<string>>();
  samples = 0;
  private latest: LeaderSeen | null = null;
  private readonly client: CoordinatorClient;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | null = null;

  constructor(
    endpoints: readonly string[],
    private readonly targets: () => readonly { readonly id: string; readonly url: string }[],
    private readonly nowMs: () => number,
  ) {
    this.client = createClient({
      endpoints,
      requestTimeoutMs: STATUS_REQUEST_TIMEOUT_MS,
      retryDeadlineMs: 0,
    });
  }

  /** The newest leader any node reported (by term), or null. */
  get leader(): LeaderSeen | null {
    return this.latest;
  }

  /** Starts sampling in the background. */
  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  /** Stops sampling (once; later calls share the first). */
  stop(): Promise<void> {
    this.running = false;
    this.stopped ??= this.loop.then(() => this.client.close());
    return this.stopped;
  }

  /** Terms in which more than one node claimed leadership. */
  violations(): { term: number; leaders: string[] }[] {
    return [...this.leadersByTerm]
      .filter(([, leaders]) => leaders.size > 1)
      .map(([term, leaders]) => ({ term, leaders: [...leaders].sort() }));
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = this.nowMs();
      await Promise.all(this.targets().map((target) => this.sample(target.url)));
      const waitMs = STATUS_SAMPLE_INTERVAL_MS - (this.nowMs() - started);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  private async sample(url: string): Promise<void> {
    let status;
    try {
      status = await this.client.raftStatus({}, { endpoint: url, retryDeadlineMs: 0 });
    } catch {
      return; // down, paused or cut off: nothing to learn
    }
    this.samples += 1;
    if (status.role !== "Leader") return;
    const leaders = this.leadersByTerm.get(status.term) ?? new Set<string>();
    leaders.add(status.nodeId);
    this.leadersByTerm.set(status.term, leaders);
    if (this.latest === null || status.term >= this.latest.term) {
      this.latest = { nodeId: status.nodeId, term: status.term, atMs: this.nowMs() };
    }
  }
}
