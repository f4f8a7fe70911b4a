/**
 * The window of AppendEntries messages a leader has sent to one follower and not yet seen
 * acknowledged (after etcd-io/raft's `tracker/inflights.go`). Bounded by a count and by the
 * entry bytes in flight; when either bound is reached the leader pauses sending to that follower
 * until acknowledgements free room. Each message is remembered by its last entry's index.
 *
 * Invariant: recorded indexes strictly increase from oldest to newest.
 */
import { assert } from "../util/assert.js";
import type { LogIndex } from "../util/ids.js";

/** The inflight window of one follower: a ring of (last index, bytes) per message in flight. */
export class Inflights {
  /** Last entry index of each message in flight, oldest first, as a ring. */
  private readonly indexes: LogIndex[];
  private readonly sizes: number[];
  private start = 0;
  private size = 0;
  private bytesInFlight = 0;

  /**
   * @param messagesMax messages in flight before the window is full (≥ 1)
   * @param bytesMax entry bytes in flight before the window is full (≥ 1)
   */
  constructor(
    readonly messagesMax: number,
    readonly bytesMax: number,
  ) {
    assert(messagesMax >= 1 && bytesMax >= 1, "the inflight window holds at least one message");
    this.indexes = new Array<LogIndex>(messagesMax).fill(0);
    this.sizes = new Array<number>(messagesMax).fill(0);
  }

  /** Messages in flight. */
  get count(): number {
    return this.size;
  }

  /** Entry bytes in flight. */
  get bytes(): number {
    return this.bytesInFlight;
  }

  /** Whether no more messages may be sent until some are acknowledged. */
  full(): boolean {
    return this.size >= this.messagesMax || this.bytesInFlight >= this.bytesMax;
  }

  /** Records a message whose last entry is `lastIndex`, carrying `bytes` of entries. */
  add(lastIndex: LogIndex, bytes: number): void {
    assert(!this.full(), "cannot add to a full inflight window");
    const newest = this.size === 0 ? undefined : this.at(this.size - 1);
    assert(
      newest === undefined || lastIndex > newest,
      () => `inflight index ${lastIndex} does not follow ${newest}`,
    );
    const slot = (this.start + this.size) % this.messagesMax;
    this.indexes[slot] = lastIndex;
    this.sizes[slot] = bytes;
    this.size += 1;
    this.bytesInFlight += bytes;
  }

  /** Frees every message whose last index is ≤ `index` (the follower acknowledged up to it). */
  freeLE(index: LogIndex): void {
    while (this.size > 0 && this.at(0) <= index) this.freeFirst();
  }

  /** Frees the oldest message (a lost acknowledgement must not stall the window forever). */
  freeFirstOne(): void {
    if (this.size > 0) this.freeFirst();
  }

  /** Forgets everything in flight. */
  reset(): void {
    this.start = 0;
    this.size = 0;
    this.bytesInFlight = 0;
  }

  private at(position: number): LogIndex {
    const value = this.indexes[(this.start + position) % this.messagesMax];
    assert(value !== undefined, "ring slot inside the window");
    return value;
  }

  private freeFirst(): void {
    this.bytesInFlight -= this.sizes[this.start] ?? 0;
    this.start = (this.start + 1) % this.messagesMax;
    this.size -= 1;
  }
}
