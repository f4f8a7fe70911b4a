/**
 * Local snapshots and log compaction (Raft §7): every `snapshotEveryEntries` applied entries the
 * node encodes its state, hands the snapshot to MemoryStorage (so a lagging follower can be sent
 * it at once), drops the in-memory log behind it except a tail of `snapshotLogTailEntries`, and
 * makes both durable in the store in the background. The store runs operations in order, so the
 * compaction never lands before the snapshot that covers it; a failure of either stops the node.
 *
 * Only the encoding runs inside the Ready loop (it must see one consistent state); the write
 * does not block the loop, though the next persist queues behind it in the store. Because a
 * large state costs hundreds of ms per snapshot, automatic snapshots are also spaced so that they
 * take at most `dutyCyclePercentMax` percent of the time.
 */
import type { MemoryStorage } from "../raft/memory-storage.js";
import { encodeSnapshot, type CoordinatorState } from "../state-machine/index.js";
import type { LogIndex } from "../util/ids.js";
import type { NodeEvents } from "./events.js";
import type { NodeStore } from "./ports.js";

/** A snapshot made durable. */
export interface SnapshotInfo {
  readonly index: LogIndex;
  readonly bytes: number;
}

/** What the snapshotter works with. */
export interface SnapshotterDeps {
  readonly store: NodeStore;
  readonly storage: MemoryStorage;
  readonly everyEntries: number;
  readonly tailEntries: number;
  /** Automatic snapshots take at most this percentage of the time (see the constant). */
  readonly dutyCyclePercentMax: number;
  readonly monotonicMs: () => number;
  readonly events: NodeEvents;
  /** A snapshot or compaction could not be made durable: the node must stop. */
  readonly onFailure: (error: unknown) => void;
}

/** Takes the node's snapshots, one at a time. */
export class Snapshotter {
  private saving: Promise<SnapshotInfo> | null = null;
  /** No automatic snapshot before this (monotonic) time: the duty-cycle bound. */
  private notBeforeMs = -Infinity;

  constructor(private readonly deps: SnapshotterDeps) {}

  /** The index of the latest snapshot (taken here or received from the leader). */
  get snapshotIndex(): LogIndex {
    return this.deps.storage.snapshot().metadata.index;
  }

  /**
   * Takes a snapshot if `everyEntries` were applied since the last one, none is saving, and the
   * duty-cycle bound allows one now.
   */
  maybeTake(state: CoordinatorState, appliedIndex: LogIndex): void {
    if (this.saving !== null) return;
    if (appliedIndex - this.snapshotIndex < this.deps.everyEntries) return;
    if (this.deps.monotonicMs() < this.notBeforeMs) return;
    void this.take(state, appliedIndex);
  }

  /**
   * Snapshot now (POST /v1/raft/snapshot), from inside the loop: joins the snapshot being saved,
   * if any (it was taken at least as late as this call), or answers with the latest snapshot when
   * nothing was applied since it.
   */
  takeNow(state: CoordinatorState, appliedIndex: LogIndex): Promise<SnapshotInfo> {
    if (this.saving !== null) return this.saving;
    if (appliedIndex <= this.snapshotIndex) {
      const latest = this.deps.storage.snapshot();
      return Promise.resolve({ index: latest.metadata.index, bytes: latest.data.byteLength });
    }
    return this.take(state, appliedIndex);
  }

  /** Resolves once no snapshot is being saved. */
  async idle(): Promise<void> {
    if (this.saving !== null) await this.saving;
  }

  private take(state: CoordinatorState, index: LogIndex): Promise<SnapshotInfo> {
    const { storage, store, monotonicMs } = this.deps;
    const startedAtMs = monotonicMs();
    const data = encodeSnapshot(state);
    const encodeMs = monotonicMs() - startedAtMs;
    const snapshot = storage.createSnapshot(index, data);
    const compactTo = index - this.deps.tailEntries;
    if (compactTo > 0) storage.compact(compactTo);
    // Both writes are queued now, in this order; the store runs them one after the other.
    const saved = store.saveSnapshot(snapshot);
    const compacted = compactTo > 0 ? store.compact(compactTo) : Promise.resolve();
    const done = (async () => {
      await Promise.all([saved, compacted]);
      const doneAtMs = monotonicMs();
      const saveMs = doneAtMs - startedAtMs - encodeMs;
      const costMs = doneAtMs - startedAtMs;
      this.notBeforeMs = doneAtMs + costMs * (100 / this.deps.dutyCyclePercentMax - 1);
      const bytes = data.byteLength;
      this.deps.events.emit("snapshot", {
        origin: "local",
        index,
        bytes,
        encodeMs,
        saveMs,
        restoreMs: 0,
      });
      return { index, bytes };
    })();
    this.saving = done;
    done.then(
      () => (this.saving = null),
      (error: unknown) => {
        this.saving = null;
        this.deps.onFailure(error);
      },
    );
    return done;
  }
}
