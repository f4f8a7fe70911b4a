/**
 * One flush of the mirror: rounds of (take the dirty marks, resolve them against the applied
 * state, render) until a round is small enough to render at once, then one guarded commit.
 *
 * A small round — the common case, a few hundred changes — is rendered in one synchronous step
 * and written by the commit script itself. A large one (a resync, a new plan of a million
 * partitions) is rendered in chunks, each written to staging hashes while the node keeps
 * running; every chunk reads the state of its own moment, and whatever changed meanwhile is in
 * the next round's marks. The last round is rendered at one applied index i and committed with
 * it, so when the commit lands every entry it wrote or staged describes the state at i
 * (docs/REDIS-MIRROR.md, "Consistency").
 */
import type { CoordinatorState } from "../state-machine/index.js";
import { assert } from "../util/assert.js";
import type { DirtySet } from "./dirty-set.js";
import type { HashOp, HashOps } from "./hash-ops.js";
import type { MirrorKeys } from "./keys.js";
import type { Resolver } from "./resolver.js";
import type { RoundWork } from "./round-work.js";
import type { CommitOutcome, CommitStep, MirrorStore, StagingWrite } from "./store.js";

/** Runs `query` on the applied state; `appliedIndex` is the index that state describes. */
export type StateReader = <T>(
  query: (state: CoordinatorState, appliedIndex: number) => T,
) => Promise<T>;

/** What a flush works with. */
export interface FlushDeps {
  readonly store: MirrorStore;
  readonly keys: MirrorKeys;
  readonly dirty: DirtySet;
  readonly resolver: Resolver;
  readonly readState: StateReader;
  /** Partitions per render step, and the most a final round may hold. */
  readonly chunkPartitionsMax: number;
  readonly stagingTtlSeconds: number;
  /** Names this flush's staging keys: unique per node, term and flush. */
  readonly writer: string;
  /** False once the node stopped leading (or the mirror stopped): the flush gives up. */
  readonly isCurrent: () => boolean;
}

/** What a flush did. */
export interface FlushResult {
  readonly outcome: CommitOutcome;
  /** The applied index the commit describes. */
  readonly index: number;
  /** Whether it rewrote everything. */
  readonly resync: boolean;
  readonly rounds: number;
  /** Entries written or deleted, over every round. */
  readonly entries: number;
}

/** The flush was abandoned: the node no longer leads, or the mirror stopped. */
export class FlushAborted extends Error {
  override readonly name = "FlushAborted";
}

interface Staging {
  readonly key: string;
  replace: boolean;
}

/** A round's first step: either final (rendered whole at `index`) or to be staged. */
type RoundStart =
  | {
      readonly final: true;
      readonly resync: boolean;
      readonly ops: HashOps;
      readonly index: number;
    }
  | { readonly final: false; readonly resync: boolean; readonly work: RoundWork };

/** One flush; create, `run` once. */
export class Flush {
  private readonly stagings = new Map<string, Staging>();
  private readonly expiries = new Map<string, number>();
  private readonly touched = new Set<string>();
  private stagingCount = 0;
  private resync = false;
  private scanned: readonly string[] = [];
  private rounds = 0;
  private entries = 0;

  constructor(private readonly deps: FlushDeps) {}

  /**
   * Runs the flush on top of a mirror the writer last committed at `base` (ignored when the
   * marks ask for a resync), as a leader of `term`.
   * @throws FlushAborted when the node stops leading; anything the store or the state reader throws
   */
  async run(base: number, term: number): Promise<FlushResult> {
    for (;;) {
      const start = await this.startRound();
      if (start.resync) await this.beginResync();
      if (start.final) {
        const request = { base: this.resync ? 0 : base, index: start.index, term };
        const outcome = await this.deps.store.commit({ ...request, steps: this.steps(start.ops) });
        return {
          outcome,
          index: start.index,
          resync: this.resync,
          rounds: this.rounds,
          entries: this.entries,
        };
      }
      while (!start.work.done) {
        const chunk = await this.read((state) =>
          start.work.nextChunk(state, this.deps.chunkPartitionsMax),
        );
        await this.stage(chunk);
      }
    }
  }

  private async read<T>(query: (state: CoordinatorState, appliedIndex: number) => T): Promise<T> {
    if (!this.deps.isCurrent()) throw new FlushAborted("the node no longer leads");
    return this.deps.readState(query);
  }

  private startRound(): Promise<RoundStart> {
    this.rounds++;
    return this.read((state, index): RoundStart => {
      const work = this.deps.resolver.resolve(this.deps.dirty.take(), state);
      if (work.size > this.deps.chunkPartitionsMax)
        return { final: false, resync: work.resync, work };
      const ops = work.nextChunk(state, this.deps.chunkPartitionsMax);
      assert(work.done, "a round within one chunk is rendered whole");
      return { final: true, resync: work.resync, ops, index };
    });
  }

  /** A resync supersedes what was staged; it needs the keys now under the prefix. */
  private async beginResync(): Promise<void> {
    this.resync = true;
    const abandoned = [...this.stagings.values()].map((staging) => staging.key);
    this.stagings.clear();
    this.expiries.clear();
    this.touched.clear();
    if (abandoned.length > 0) await this.deps.store.discard(abandoned);
    this.scanned = await this.deps.store.scanKeys(this.deps.keys.everyKeyPattern);
  }

  private async stage(chunk: HashOps): Promise<void> {
    const writes: StagingWrite[] = [];
    for (const op of chunk.ops()) writes.push(this.stagingWrite(op));
    this.entries += chunk.size;
    if (writes.length > 0) await this.deps.store.stage(writes, this.deps.stagingTtlSeconds);
  }

  /** The staging write of `op`: into the key's replace staging, or its merge staging. */
  private stagingWrite(op: HashOp): StagingWrite {
    this.note(op);
    let staging = this.stagings.get(op.key);
    const fresh = staging === undefined || op.replace;
    if (staging === undefined) {
      staging = {
        key: this.deps.keys.staging(this.deps.writer, this.stagingCount++),
        replace: false,
      };
      this.stagings.set(op.key, staging);
    }
    if (op.replace) staging.replace = true;
    const set = new Map<string, string>();
    const remove: string[] = [];
    for (const [field, value] of op.fields) {
      // A replace staging is the future hash itself; a merge staging records deletions as "".
      if (value !== null) set.set(field, value);
      else if (staging.replace) remove.push(field);
      else set.set(field, "");
    }
    return { key: staging.key, fresh, set, remove };
  }

  private note(op: HashOp): void {
    this.touched.add(op.key);
    if (op.expireSeconds !== null) this.expiries.set(op.key, op.expireSeconds);
  }

  /** The commit's steps: staged hashes, the final round's writes, expiries, stale keys. */
  private steps(final: HashOps): CommitStep[] {
    this.entries += final.size;
    const steps: CommitStep[] = [];
    for (const [key, staging] of this.stagings) {
      steps.push({ kind: staging.replace ? "rename" : "merge", staging: staging.key, key });
    }
    for (const op of final.ops()) {
      this.note(op);
      steps.push({ kind: "write", key: op.key, replace: op.replace, fields: op.fields });
    }
    for (const [key, seconds] of this.expiries) steps.push({ kind: "expire", key, seconds });
    if (this.resync) {
      for (const key of this.scanned) {
        if (!this.touched.has(key) && !this.deps.keys.isMetaKey(key)) {
          steps.push({ kind: "delete", key });
        }
      }
    }
    return steps;
  }
}
