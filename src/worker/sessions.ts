/**
 * The client sessions of one worker (Raft thesis §6.3; src/worker/sequencer.ts). The state
 * machine allows ONE outstanding seq per client id, so every sequential channel of the worker
 * has its own id: `${workerId}/hb` (heartbeats), `${workerId}/acq` (acquires), `${workerId}/reg`
 * (registration and deregistration), `${workerId}/done` (batched completions,
 * completion-batcher.ts), `${workerId}/plan/${planId}` (a planner's appends) and
 * `${workerId}/p/${planId}/${partitionId}` (the reports on one partition).
 *
 * All sequencers of a worker draw from one strictly increasing millisecond source, so a channel
 * opened again (a partition granted to the same worker twice within one millisecond) can never
 * reuse a seq, which the cluster would answer with the remembered result of the earlier request.
 */
import type { ClientSession, Sequencer } from "./sequencer.js";
import { createSequencer } from "./sequencer.js";

/** Hands out the sessions of one worker's channels. */
export class WorkerSessions {
  private lastMs = 0;
  private readonly fixed = new Map<string, Sequencer>();

  /** @param nowMs the worker's clock */
  constructor(
    private readonly workerId: string,
    private readonly nowMs: () => number,
  ) {}

  /** The next session of a long-lived channel (`hb`, `acq`, `reg`, `done`, `plan/<planId>`). */
  next(channel: string): ClientSession {
    let sequencer = this.fixed.get(channel);
    if (sequencer === undefined) {
      sequencer = this.open(channel);
      this.fixed.set(channel, sequencer);
    }
    return sequencer.next();
  }

  /** A fresh sequencer for the reports on one partition grant (dropped with the grant). */
  forPartition(planId: string, partitionId: number): Sequencer {
    return this.open(`p/${planId}/${partitionId}`);
  }

  private open(channel: string): Sequencer {
    return createSequencer(`${this.workerId}/${channel}`, () => this.tick());
  }

  private tick(): number {
    this.lastMs = Math.max(this.lastMs + 1, Math.floor(this.nowMs()));
    return this.lastMs;
  }
}
