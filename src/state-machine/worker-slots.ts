/**
 * Worker ids interned as small integers ("slots") so a partition column can name its worker in
 * four bytes. A slot, once given, keeps its id for the life of the state (completed partitions
 * keep naming the worker that completed them). Slot numbers depend on history, so they are never
 * encoded: a snapshot writes ids, and restore interns them again in sorted order.
 */
import { assert } from "../util/assert.js";
import type { WorkerId } from "../util/ids.js";

/** The interning table: worker id ↔ slot. */
export class WorkerSlots {
  private readonly ids: WorkerId[] = [];
  private readonly slots = new Map<string, number>();

  /** The slot of `workerId`, interning it if new. */
  slotOf(workerId: WorkerId): number {
    const known = this.slots.get(workerId);
    if (known !== undefined) return known;
    const slot = this.ids.length;
    this.ids.push(workerId);
    this.slots.set(workerId, slot);
    return slot;
  }

  /** The slot of `workerId` if interned, else -1 (never interns). */
  find(workerId: string): number {
    return this.slots.get(workerId) ?? -1;
  }

  /** The worker id of `slot`. */
  idOf(slot: number): WorkerId {
    const id = this.ids[slot];
    assert(id !== undefined, "unknown worker slot");
    return id;
  }

  /** Number of interned ids (slots are 0 … size-1). */
  get size(): number {
    return this.ids.length;
  }
}
