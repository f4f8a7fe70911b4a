/**
 * How a node learns the other members' Raft status for the console: while streams are open it
 * asks every other member's `GET /v1/raft/status` (with the API token when one is set) every
 * constants.consolePeerPollIntervalMs, each request bounded by consolePeerPollTimeoutMs. A member
 * that does not answer, or answers an error, shows as unreachable until it answers again. Only
 * the leader tracks replication progress (matchIndex, link state), so the table takes those from
 * whichever reachable member leads (picture.ts).
 */
import { consolePeerPollTimeoutMs } from "../../constants.js";
import type { RaftStatusView } from "../../node/service.js";
import { AUTHORIZATION_HEADER, ROUTES } from "../../protocol/index.js";
import type { Forwarder } from "../forward.js";

/** Polls the Raft status of the members other than `selfId`. */
export class PeerPoller {
  private readonly statuses = new Map<string, RaftStatusView>();
  private polling = false;

  constructor(
    private readonly selfId: string,
    private readonly members: ReadonlyMap<string, string>,
    private readonly forward: Forwarder,
    private readonly apiToken: string | undefined,
    private readonly timeoutMs: number = consolePeerPollTimeoutMs,
  ) {}

  /** The last status `id` answered, or null when its last poll failed (or none ran yet). */
  statusOf(id: string): RaftStatusView | null {
    return this.statuses.get(id) ?? null;
  }

  /** Asks every other member once, in parallel; a poll still running is not doubled. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await Promise.all(
        [...this.members]
          .filter(([id]) => id !== this.selfId)
          .map(([id, url]) => this.ask(id, url)),
      );
    } finally {
      this.polling = false;
    }
  }

  private async ask(id: string, url: string): Promise<void> {
    const headers: Record<string, string> =
      this.apiToken === undefined ? {} : { [AUTHORIZATION_HEADER]: `Bearer ${this.apiToken}` };
    try {
      const answer = await this.forward(url, {
        method: "GET",
        url: ROUTES.raftStatus.url,
        headers,
        body: undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (answer.statusCode !== 200) throw new Error(`status ${answer.statusCode}`);
      this.statuses.set(id, JSON.parse(answer.body) as RaftStatusView);
    } catch {
      // Down, cut off, slow or refusing: unreachable from here until it answers again.
      this.statuses.delete(id);
    }
  }
}
