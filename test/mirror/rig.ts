// Test helper (not a test): a coordinator state fed command by command, a dirty set fed by
// the results, the resolver and an in-memory store, with flushes run against them and a check
// that the store holds exactly the mirror of the state.
import { expect } from "vitest";
import { apply, createState, type CommandEnvelope } from "../../src/state-machine/index.js";
import type { CompletedPolicy } from "../../src/mirror/config.js";
import { DirtySet } from "../../src/mirror/dirty-set.js";
import { Flush, type FlushDeps } from "../../src/mirror/flush.js";
import { MirrorKeys } from "../../src/mirror/keys.js";
import { Resolver } from "../../src/mirror/resolver.js";
import { expectedMirror, plain } from "./expected.js";
import { MemoryStore } from "./memory-store.js";

export const PREFIX = "t:";
/** Client sessions the state remembers (the command generator's setting). */
export const SESSIONS = 2;

/** A state fed command by command, a dirty set fed by its results, a store, a resolver. */
export class Rig {
  readonly state = createState(SESSIONS);
  readonly keys = new MirrorKeys(PREFIX);
  readonly dirty = new DirtySet(10_000);
  readonly store = new MemoryStore(this.keys);
  readonly resolver: Resolver;
  index = 0;
  /** The index of the last landed commit (what `settle` passes as base). */
  base = 0;
  private next = 0;
  private flushes = 0;

  constructor(
    private readonly envelopes: CommandEnvelope<unknown>[],
    readonly policy: CompletedPolicy,
    private readonly chunk: number,
  ) {
    this.resolver = new Resolver({ keys: this.keys, completed: policy });
    this.dirty.markResync();
  }

  get finished(): boolean {
    return this.next >= this.envelopes.length;
  }

  /** Queues more commands. */
  push(...envelopes: CommandEnvelope<unknown>[]): this {
    this.envelopes.push(...envelopes);
    return this;
  }

  applyNext(count = 1): void {
    for (let k = 0; k < count && !this.finished; k++) {
      const envelope = this.envelopes[this.next++]!;
      this.index++;
      this.dirty.markApplied(envelope, apply(this.state, envelope, this.index));
    }
  }

  flush(isCurrent: () => boolean = () => true): Flush {
    const deps: FlushDeps = {
      store: this.store,
      keys: this.keys,
      dirty: this.dirty,
      resolver: this.resolver,
      readState: async (query) => query(this.state, this.index),
      chunkPartitionsMax: this.chunk,
      stagingTtlSeconds: 60,
      writer: `n1.1.${++this.flushes}`,
      isCurrent,
    };
    return new Flush(deps);
  }

  /** Applies everything queued, flushes until a commit lands, and checks the mirror. */
  async settle(): Promise<void> {
    this.applyNext(Number.MAX_SAFE_INTEGER);
    const result = await this.flush().run(this.base, 1);
    expect(result.outcome.kind).toBe("ok");
    this.base = result.index;
    this.expectMirrorsState();
  }

  expectMirrorsState(): void {
    expect(plain(this.store.dataHashes())).toEqual(
      plain(expectedMirror(this.state, PREFIX, this.policy)),
    );
    expect(this.store.stagingKeys()).toEqual([]);
    expect(this.store.strings.get(this.keys.appliedIndex)).toBe(String(this.index));
    for (const key of this.store.dataHashes().keys()) {
      const ttl = key.endsWith(":completed") && this.policy.kind === "expire";
      expect(this.store.ttls.get(key), key).toBe(ttl ? 30 : undefined);
    }
  }
}
