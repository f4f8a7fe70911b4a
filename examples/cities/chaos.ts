/**
 * The demo's `--chaos`: once, a third of the way through, SIGKILL the leader node and one worker
 * process (both mid-work, without warning), then start a replacement worker at once (so three
 * run again) and restart the killed node a few seconds later (it rejoins and catches up).
 * The killed worker's partitions are granted again once its lease expires; the fence keeps any
 * late write of it from counting.
 */
import type { DevCluster } from "../../src/cli/dev-cluster.js";
import type { CoordinatorClient } from "../../src/index.js";
import type { WorkerProcesses } from "./worker-processes.js";

/** How long the killed node stays down. */
const NODE_DOWN_MS = 5_000;

export class Chaos {
  /** What was done, in order, for the summary. */
  readonly events: string[] = [];
  private struck = false;
  private restarting: Promise<void> = Promise.resolve();

  constructor(
    private readonly cluster: DevCluster,
    private readonly workers: WorkerProcesses,
    private readonly client: CoordinatorClient,
    private readonly log: (line: string) => void,
  ) {}

  /** Kills the leader and a worker (the first call only). */
  async strike(): Promise<void> {
    if (this.struck) return;
    this.struck = true;
    const leaderId = (await this.client.raftStatus()).leaderId;
    if (leaderId !== null) {
      await this.cluster.kill(leaderId, "SIGKILL");
      this.record(`SIGKILL leader node ${leaderId}`);
      this.restarting = new Promise<void>((resolve) => setTimeout(resolve, NODE_DOWN_MS)).then(
        async () => {
          await this.cluster.restart(leaderId);
          this.record(`restarted node ${leaderId}`);
        },
      );
    }
    const victim = this.workers.ids()[1] ?? this.workers.ids()[0];
    if (victim === undefined) return;
    await this.workers.kill(victim, "SIGKILL");
    this.record(`SIGKILL worker ${victim}`);
    this.workers.start(`${victim}-r1`);
    this.record(`started worker ${victim}-r1 in its place`);
  }

  /** Resolves once the killed node is back. */
  settle(): Promise<void> {
    return this.restarting;
  }

  private record(event: string): void {
    this.events.push(event);
    this.log(`chaos: ${event}`);
  }
}
