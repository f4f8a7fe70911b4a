/**
 * Linearizable reads (Raft thesis §6.4, ReadIndex): reads asked while the loop was busy are
 * batched into ONE ReadIndex request; when the core answers with a ReadState, the batch waits
 * until the state machine has applied that index and then runs every query of the batch on the
 * applied state. A ReadIndexFailure answers the batch with `no_leader` at once; a request whose
 * messages are lost is answered by each read's own deadline.
 */
import { CoordinatorError } from "../errors.js";
import type { ReadIndexFailure, ReadState } from "../raft/ready.js";
import type { CoordinatorState } from "../state-machine/index.js";
import type { LogIndex } from "../util/ids.js";
import { NO_FAULTS, type NodeFaults } from "./faults.js";
import type { Pending } from "./pending.js";

/** One read waiting for its ReadIndex round. */
export interface PendingRead {
  /** Whether it was answered already (served, failed or timed out). */
  readonly settled: boolean;
  /** Runs the query on `state` and answers with its value (or with the error it threw). */
  serve(state: CoordinatorState): void;
  fail(error: Error): void;
}

/** The read of `query`, answered through `pending`. */
export function pendingRead<T>(
  query: (state: CoordinatorState) => T,
  pending: Pending<T>,
): PendingRead {
  return {
    get settled() {
      return pending.settled;
    },
    serve(state) {
      if (pending.settled) return;
      let value: T;
      try {
        value = query(state);
      } catch (error) {
        // The query is the caller's code: its failure is the caller's answer, not the node's.
        pending.reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      pending.resolve(value);
    },
    fail(error) {
      pending.reject(error);
    },
  };
}

interface ReadyBatch {
  readonly index: LogIndex;
  readonly reads: readonly PendingRead[];
}

/** The linearizable reads of one node, from queued to served. */
export class ReadBatcher {
  private queued: PendingRead[] = [];
  private readonly asked = new Map<string, PendingRead[]>();
  /** Batches whose read index is known, waiting for the state machine; ascending by index. */
  private waiting: ReadyBatch[] = [];
  private nextRequest = 0;

  /**
   * @param requestIdPrefix unique to this node and process, so stale answers never match
   * @param faults deliberate bugs, TEST ONLY (./faults.ts)
   */
  constructor(
    private readonly requestIdPrefix: string,
    private readonly faults: NodeFaults = NO_FAULTS,
  ) {}

  /** Reads not yet answered. */
  get size(): number {
    const unsettled = (reads: readonly PendingRead[]) =>
      reads.filter((read) => !read.settled).length;
    let count = unsettled(this.queued);
    for (const reads of this.asked.values()) count += unsettled(reads);
    for (const batch of this.waiting) count += unsettled(batch.reads);
    return count;
  }

  enqueue(read: PendingRead): void {
    this.queued.push(read);
  }

  /** Whether reads wait for a ReadIndex request. */
  hasQueued(): boolean {
    return this.queued.length > 0;
  }

  /** Takes the queued reads as one batch and names its ReadIndex request, or null if none. */
  takeBatch(): string | null {
    // Requests whose answer was lost: every read of them has timed out by now.
    for (const [requestId, reads] of this.asked) {
      if (reads.every((read) => read.settled)) this.asked.delete(requestId);
    }
    const reads = this.queued.filter((read) => !read.settled);
    this.queued = [];
    if (reads.length === 0) return null;
    const requestId = `${this.requestIdPrefix}.${this.nextRequest++}`;
    this.asked.set(requestId, reads);
    return requestId;
  }

  /** The core answered: serve each batch now if `appliedIndex` reached its index, else later. */
  onReadStates(
    readStates: readonly ReadState[],
    appliedIndex: LogIndex,
    state: CoordinatorState,
  ): void {
    for (const { requestId, index } of readStates) {
      const reads = this.asked.get(requestId);
      if (reads === undefined) continue;
      this.asked.delete(requestId);
      if (index <= appliedIndex || this.faults.readBeforeApply === true) {
        for (const read of reads) read.serve(state);
      } else {
        this.waiting.push({ index, reads });
        this.waiting.sort((a, b) => a.index - b.index);
      }
    }
  }

  /** The core could not serve these requests: their reads fail with `no_leader`. */
  onFailures(failures: readonly ReadIndexFailure[]): void {
    for (const { requestId, reason } of failures) {
      const reads = this.asked.get(requestId);
      if (reads === undefined) continue;
      this.asked.delete(requestId);
      const error = new CoordinatorError(
        "no_leader",
        `the linearizable read could not be served (${reason})`,
        { reason },
      );
      for (const read of reads) read.fail(error);
    }
  }

  /** The state machine applied up to `appliedIndex`: serves the batches waiting for it. */
  onApplied(appliedIndex: LogIndex, state: CoordinatorState): void {
    for (;;) {
      const head = this.waiting[0];
      if (head === undefined || head.index > appliedIndex) return;
      this.waiting.shift();
      for (const read of head.reads) read.serve(state);
    }
  }

  /** Rejects every read not yet served with `error` (the node stops). */
  failAll(error: CoordinatorError): void {
    const all = [...this.queued, ...[...this.asked.values()].flat()];
    for (const batch of this.waiting) all.push(...batch.reads);
    this.queued = [];
    this.asked.clear();
    this.waiting = [];
    for (const read of all) read.fail(error);
  }
}
