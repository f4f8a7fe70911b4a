/**
 * What a heartbeat's `held` list means for a worker (docs/API.md: "what it holds: anything
 * else it runs, it lost"). Two verdicts:
 *
 * - **lost**: a partition the worker runs but the cluster does not list under the same token.
 *   Only grants received before the heartbeat was sent are judged (the `mark`): the cluster
 *   applies commands in log order, so a grant whose answer arrived before the heartbeat left is
 *   in that heartbeat's list unless it was taken away.
 * - **orphans**: partitions the cluster lists that the worker does not run. A grant the worker
 *   retired (it gave the lease up, or its final report could not be made) is released at once.
 *   Any other is released only when seen twice, and only if every acquire that was in flight
 *   at the first sighting has since been answered — until then it may be a grant whose answer
 *   is still on its way, or one that just completed.
 */
import type { RunningPartition } from "./partition-runner.js";
import { partitionKey } from "./worker-client.js";
import type { HeldPartition } from "./worker-client.js";

/** Retired grants remembered at the most (oldest forgotten first). */
const RETIRED_MAX = 1_024;

interface Sighting {
  readonly fencingToken: number;
  /** Acquires answered when first seen. */
  readonly settledAtSighting: number;
  /** Whether an acquire was in flight when first seen. */
  readonly acquireInFlight: boolean;
}

/** The verdict on one heartbeat answer. */
export interface HeldVerdict {
  readonly lost: RunningPartition[];
  readonly orphans: HeldPartition[];
}

/** Judges heartbeat answers for one worker; see the module comment. */
export class HeldReconciler {
  private acquiresInFlight = 0;
  private acquiresSettled = 0;
  private readonly retired = new Map<string, number>();
  private sightings = new Map<string, Sighting>();

  /** An acquire was sent (call {@link acquireSettled} when it is answered or fails). */
  acquireStarted(): void {
    this.acquiresInFlight++;
  }

  /** An acquire was answered or failed. */
  acquireSettled(): void {
    this.acquiresInFlight--;
    this.acquiresSettled++;
  }

  /** The worker stopped running `held` without a final report the cluster accepted. */
  retire(key: string, held: HeldPartition): void {
    this.retired.delete(key);
    this.retired.set(key, held.fencingToken);
    if (this.retired.size > RETIRED_MAX) {
      const oldest = this.retired.keys().next();
      if (oldest.done !== true) this.retired.delete(oldest.value);
    }
  }

  /**
   * Judges `held` (a heartbeat's answer) against what runs now.
   * @param mark grants the worker had received when the heartbeat was sent
   */
  reconcile(
    held: readonly HeldPartition[],
    running: readonly RunningPartition[],
    mark: number,
  ): HeldVerdict {
    const heldTokens = new Map(
      held.map((h) => [partitionKey(h.planId, h.partitionId), h.fencingToken]),
    );
    const lost = running.filter(
      (r) =>
        r.lostReason === null &&
        r.grantNo <= mark &&
        heldTokens.get(r.key) !== r.grant.fencingToken,
    );
    const runningKeys = new Set(running.map((r) => r.key));
    const orphans: HeldPartition[] = [];
    const sightings = new Map<string, Sighting>();
    for (const h of held) {
      const key = partitionKey(h.planId, h.partitionId);
      if (runningKeys.has(key)) continue;
      if (this.isOrphan(key, h.fencingToken)) {
        orphans.push(h);
        this.retired.delete(key);
        continue;
      }
      const seen = this.sightings.get(key);
      sightings.set(
        key,
        seen?.fencingToken === h.fencingToken
          ? seen
          : {
              fencingToken: h.fencingToken,
              settledAtSighting: this.acquiresSettled,
              acquireInFlight: this.acquiresInFlight > 0,
            },
      );
    }
    this.sightings = sightings;
    return { lost, orphans };
  }

  private isOrphan(key: string, fencingToken: number): boolean {
    if (this.retired.get(key) === fencingToken) return true;
    const seen = this.sightings.get(key);
    if (seen === undefined || seen.fencingToken !== fencingToken) return false;
    return !seen.acquireInFlight || this.acquiresSettled > seen.settledAtSighting;
  }
}
