/**
 * The simulated disk of one node (behind test/sim/sim-store.ts). Writes go to a buffer and reach
 * the durable state only on `sync()` (fsync); a crash keeps a random prefix of the unsynced
 * writes — some may have reached the platter, in order, the last batch possibly torn — and loses
 * the rest. A restarted node rebuilds itself from
 * {@link SimDisk.durable} alone: hard state, latest snapshot and the log after it.
 */
import { assert } from "../../src/util/assert.js";
import type { LogIndex, Term } from "../../src/util/ids.js";
import type { Prng } from "../../src/util/prng.js";
import { EMPTY_HARD_STATE } from "../../src/raft/types.js";
import type { ConfState, Entry, HardState, Snapshot } from "../../src/raft/types.js";

/** One buffered write. */
export type DiskWrite =
  /** Append entries, first truncating the stored suffix from `entries[0].index` on (Raft §5.3). */
  | { readonly kind: "entries"; readonly entries: readonly Entry[] }
  | { readonly kind: "hardState"; readonly hardState: HardState }
  /** A snapshot received from the leader: it replaces the whole log. */
  | { readonly kind: "installSnapshot"; readonly snapshot: Snapshot }
  /** A snapshot the application took of its own state: the log after it is kept. */
  | { readonly kind: "saveSnapshot"; readonly snapshot: Snapshot }
  /** Drop stored entries up to and including `index` (≤ the snapshot index). */
  | { readonly kind: "compact"; readonly index: LogIndex };

/** What survives a crash. `entries` are the stored log entries after `snapshot.metadata.index`. */
export interface DurableState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot;
  readonly entries: readonly Entry[];
}

/** The state of a node that has never run, in a cluster of `confState`. */
export function emptyDurableState(confState: ConfState): DurableState {
  return {
    hardState: EMPTY_HARD_STATE,
    snapshot: { metadata: { index: 0, term: 0, confState }, data: new Uint8Array(0) },
    entries: [],
  };
}

/** A node's disk: durable state plus a buffer of unsynced writes. */
export class SimDisk {
  private hardState: HardState;
  private snapshot: Snapshot;
  /** Stored entries, consecutive, the first at index `logOffset`. */
  private log: Entry[];
  private logOffset: LogIndex;
  private buffer: DiskWrite[] = [];
  /** Number of fsyncs performed (for tests and figures). */
  syncs = 0;

  constructor(initial: DurableState) {
    this.hardState = initial.hardState;
    this.snapshot = initial.snapshot;
    this.log = [...initial.entries];
    this.logOffset = initial.snapshot.metadata.index + 1;
    assert(
      this.log.every((e, i) => e.index === this.logOffset + i),
      "initial entries must follow the snapshot consecutively",
    );
  }

  /** Buffers a write; it is durable only after {@link SimDisk.sync}. */
  write(write: DiskWrite): void {
    this.buffer.push(write);
  }

  /** Number of buffered, not yet durable writes. */
  get unsyncedWrites(): number {
    return this.buffer.length;
  }

  /** fsync: every buffered write becomes durable, in order. */
  sync(): void {
    this.syncFirst(this.buffer.length);
  }

  /** The fsync of one operation: its `count` writes, the oldest buffered, become durable. */
  syncFirst(count: number): void {
    assert(count <= this.buffer.length, "an fsync covers buffered writes only");
    for (const write of this.buffer.slice(0, count)) this.applyWrite(write);
    this.buffer = this.buffer.slice(count);
    this.syncs += 1;
  }

  /**
   * Power loss: a random prefix of the buffered writes (possibly none, possibly all) reaches the
   * disk, the rest is lost. Returns the writes that survived and how many were lost.
   */
  crash(prng: Prng): { kept: DiskWrite[]; lost: number } {
    const kept = this.buffer.slice(0, prng.nextInt(this.buffer.length + 1));
    for (const write of kept) this.applyWrite(write);
    const lost = this.buffer.length - kept.length;
    this.buffer = [];
    return { kept, lost };
  }

  /** The durable state (what a restart sees). */
  durable(): DurableState {
    const snapshotIndex = this.snapshot.metadata.index;
    return {
      hardState: this.hardState,
      snapshot: this.snapshot,
      entries: this.log.filter((e) => e.index > snapshotIndex),
    };
  }

  /** The durable hard state. */
  durableHardState(): HardState {
    return this.hardState;
  }

  /** The durable snapshot's index. */
  snapshotIndex(): LogIndex {
    return this.snapshot.metadata.index;
  }

  /** The last durable log index (the snapshot's index when no entry follows it). */
  lastIndex(): LogIndex {
    return Math.max(this.logOffset + this.log.length - 1, this.snapshot.metadata.index);
  }

  /**
   * The durable term at `index`: from the log, or the snapshot's term at its own index;
   * undefined when the index is compacted away or not stored.
   */
  termAt(index: LogIndex): Term | undefined {
    const entry = this.log[index - this.logOffset];
    if (entry !== undefined) return entry.term;
    if (index === this.snapshot.metadata.index) return this.snapshot.metadata.term;
    return index === 0 ? 0 : undefined;
  }

  /** The durable entry at `index`, if stored. */
  entryAt(index: LogIndex): Entry | undefined {
    return this.log[index - this.logOffset];
  }

  private applyWrite(write: DiskWrite): void {
    switch (write.kind) {
      case "entries":
        return this.appendEntries(write.entries);
      case "hardState":
        this.hardState = write.hardState;
        return;
      case "installSnapshot":
        this.snapshot = write.snapshot;
        this.log = [];
        this.logOffset = write.snapshot.metadata.index + 1;
        return;
      case "saveSnapshot":
        assert(
          write.snapshot.metadata.index >= this.snapshot.metadata.index,
          "a saved snapshot must not be older than the stored one",
        );
        this.snapshot = write.snapshot;
        return;
      case "compact":
        return this.compact(write.index);
    }
  }

  private appendEntries(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    assert(
      first.index >= this.logOffset && first.index <= this.lastIndex() + 1,
      () =>
        `entries from ${first.index} do not attach to the stored log [${this.logOffset}, ${this.lastIndex()}]`,
    );
    entries.forEach((e, i) =>
      assert(e.index === first.index + i, "appended entries must be consecutive"),
    );
    this.log.length = first.index - this.logOffset;
    this.log.push(...entries);
  }

  private compact(index: LogIndex): void {
    assert(index <= this.snapshot.metadata.index, "compaction may not pass the snapshot");
    if (index < this.logOffset) return;
    this.log = this.log.slice(index - this.logOffset + 1);
    this.logOffset = index + 1;
  }
}
