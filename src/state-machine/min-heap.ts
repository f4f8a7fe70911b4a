/**
 * A binary min-heap with a caller-given order, optionally telling each item where it sits so the
 * caller can re-key or remove it in O(log n) (an indexed priority queue, CLRS §6.5). Used for
 * the pending partitions of a plan and for worker lease ends. Its layout depends on the order of
 * operations, so it is never encoded: a snapshot stores the facts and restore rebuilds the heap;
 * only the order of pops is observable, and with a strict total order that is layout-free.
 */
import { assert } from "../util/assert.js";

/** Where an item now sits; -1 when it left the heap. */
export type PositionListener<T> = (item: T, position: number) => void;

/** A binary min-heap of `T` ordered by `before`, optionally reporting positions. */
export class MinHeap<T> {
  private readonly items: T[] = [];

  /**
   * @param before strict total order: true when `a` must pop before `b`
   * @param moved told every time an item changes position (or leaves: -1)
   */
  constructor(
    private readonly before: (a: T, b: T) => boolean,
    private readonly moved: PositionListener<T> = () => undefined,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The first item in order, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1);
  }

  /** Removes and returns the first item in order. */
  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Removes the item at `position` (as told by the listener). */
  removeAt(position: number): void {
    const item = this.at(position);
    const last = this.items.pop();
    assert(last !== undefined, "removeAt on an empty heap");
    this.moved(item, -1);
    if (position === this.items.length) return;
    this.place(last, position);
    this.restore(position);
  }

  /** Restores order after the key of the item at `position` changed. */
  update(position: number): void {
    this.at(position);
    this.restore(position);
  }

  private restore(position: number): void {
    if (position > 0 && this.before(this.at(position), this.at((position - 1) >> 1))) {
      this.siftUp(position);
    } else {
      this.siftDown(position);
    }
  }

  private siftUp(start: number): void {
    const item = this.at(start);
    let position = start;
    while (position > 0) {
      const parentPosition = (position - 1) >> 1;
      const parent = this.at(parentPosition);
      if (!this.before(item, parent)) break;
      this.place(parent, position);
      position = parentPosition;
    }
    this.place(item, position);
  }

  private siftDown(start: number): void {
    const item = this.at(start);
    const count = this.items.length;
    let position = start;
    for (;;) {
      let child = 2 * position + 1;
      if (child >= count) break;
      const right = child + 1;
      if (right < count && this.before(this.at(right), this.at(child))) child = right;
      const candidate = this.at(child);
      if (!this.before(candidate, item)) break;
      this.place(candidate, position);
      position = child;
    }
    this.place(item, position);
  }

  private place(item: T, position: number): void {
    this.items[position] = item;
    this.moved(item, position);
  }

  private at(position: number): T {
    const item = this.items[position];
    assert(item !== undefined, "heap position out of range");
    return item;
  }
}
