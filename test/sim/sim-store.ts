/**
 * The simulated store of one node: the production `NodeStore` port (src/node/ports.ts) over a
 * {@link SimDisk}, so that the node's recovery is the production path (docs/SIMULATION.md §2).
 * Every operation buffers its writes at once and completes — fsynced, in call order — after a
 * drawn latency; what has not completed when the process crashes is lost or torn. On demand an
 * operation fails with a StorageError (the node must stop, fail-stop) and a load fails (the
 * restart fails and is tried again).
 */
import type { NodeStore } from "../../src/node/ports.js";
import type { Entry, Snapshot } from "../../src/raft/types.js";
import type { LoadedRaftState, PersistRequest, WriteReport } from "../../src/storage/raft-store.js";
import { StorageError } from "../../src/storage/storage-error.js";
import type { Prng } from "../../src/util/prng.js";
import type { DiskWrite, SimDisk } from "./disk.js";
import type { SimProcessTime, World } from "./world.js";

/** How the disk behaves in one seed. */
export interface DiskConfig {
  /** Each operation takes 0..this many virtual ms. */
  readonly latencyMsMax: number;
  /** Chance that a write operation fails (the node stops on it). */
  readonly writeErrorProbability: number;
  /** Chance that loading at start fails (the start fails). */
  readonly readErrorProbability: number;
}

/** What the store reports to the checkers. */
export interface StoreObserver {
  /** An operation's writes became durable; `entries` are the log entries among them. */
  synced(entries: readonly Entry[]): void;
}

/** The simulated store of one life of one node. */
export class SimStore implements NodeStore {
  readonly dataDir: string;
  /** When the last queued operation completes (operations complete in call order). */
  private lastDoneAtMs = 0;

  constructor(
    name: string,
    private readonly disk: SimDisk,
    private readonly world: World,
    private readonly time: SimProcessTime,
    private readonly prng: Prng,
    private readonly config: DiskConfig,
    private readonly observer: StoreObserver,
  ) {
    this.dataDir = `sim:${name}`;
  }

  load(): Promise<LoadedRaftState> {
    const failed = this.prng.nextFloat() < this.config.readErrorProbability;
    return this.complete(() => {
      if (failed) throw new StorageError(this.dataDir, "read_failed", "simulated read error");
      const { hardState, snapshot, entries } = this.disk.durable();
      return {
        hardState,
        snapshot: snapshot.metadata.index === 0 ? null : snapshot,
        entries: [...entries],
      };
    });
  }

  persist(request: PersistRequest): Promise<WriteReport> {
    const writes: DiskWrite[] = [];
    if (request.snapshot !== undefined) {
      writes.push({ kind: "installSnapshot", snapshot: request.snapshot });
    }
    if (request.entries.length > 0) writes.push({ kind: "entries", entries: request.entries });
    if (request.hardState !== undefined) {
      writes.push({ kind: "hardState", hardState: request.hardState });
    }
    return this.write(writes, request.entries);
  }

  saveSnapshot(snapshot: Snapshot): Promise<WriteReport> {
    return this.write([{ kind: "saveSnapshot", snapshot }], []);
  }

  compact(index: number): Promise<WriteReport> {
    return this.write([{ kind: "compact", index }], []);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private write(writes: DiskWrite[], entries: readonly Entry[]): Promise<WriteReport> {
    const failed = this.prng.nextFloat() < this.config.writeErrorProbability;
    if (!failed) for (const write of writes) this.disk.write(write);
    return this.complete(() => {
      if (failed) throw new StorageError(this.dataDir, "write_failed", "simulated write error");
      this.disk.syncFirst(writes.length);
      this.observer.synced(entries);
      return { syncDurationMs: 0, operations: writes.length, bytes: 0 };
    });
  }

  /** Runs `finish` when this operation completes, after the ones queued before it. */
  private complete<T>(finish: () => T): Promise<T> {
    const latencyMs = this.prng.nextInt(this.config.latencyMsMax + 1);
    const doneAtMs = Math.max(this.lastDoneAtMs, this.world.nowMs + latencyMs);
    this.lastDoneAtMs = doneAtMs;
    const incarnation = this.time.incarnation;
    return new Promise<T>((resolve, reject) => {
      const run = this.time.inLife(incarnation, () => {
        try {
          resolve(finish());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      this.world.at(doneAtMs, "disk", this.time.index, run);
    });
  }
}
