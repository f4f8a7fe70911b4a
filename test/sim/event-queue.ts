/**
 * The discrete-event queue of the simulator (FoundationDB / TigerBeetle VOPR style): events are
 * ordered by virtual time, and events due at the same time by the order they were scheduled, so
 * a run is a pure function of its seed. A binary min-heap on (atMs, seq).
 */
import { assert } from "../../src/util/assert.js";

/** An event with its due time (virtual milliseconds) and its scheduling sequence number. */
export interface Scheduled<E> {
  readonly atMs: number;
  readonly seq: number;
  readonly event: E;
}

function before<E>(a: Scheduled<E>, b: Scheduled<E>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

/** A min-heap of events; `pop` returns the earliest, ties broken by insertion order. */
export class EventQueue<E> {
  private readonly heap: Scheduled<E>[] = [];
  private nextSeq = 0;

  /** Number of events waiting. */
  get size(): number {
    return this.heap.length;
  }

  /**
   * Schedules `event` at virtual time `atMs`.
   * @throws InvariantViolation if `atMs` is not a finite, non-negative number
   */
  push(atMs: number, event: E): void {
    assert(Number.isFinite(atMs) && atMs >= 0, () => `event time must be ≥ 0, got ${atMs}`);
    const item: Scheduled<E> = { atMs, seq: this.nextSeq++, event };
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the earliest event, or undefined when the queue is empty. */
  pop(): Scheduled<E> | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }

  /** The due time of the earliest event, or undefined when empty. */
  peekTimeMs(): number | undefined {
    return this.heap[0]?.atMs;
  }
}
