// Test helper (not a test): a MirrorStore in memory that behaves like RedisStore and the commit
// script — staging hashes with their sentinel, the guard, then rename / merge / write / expire /
// delete in order, empty hashes vanishing — so the flush's property test runs without Redis.
// test/mirror/commit-script.test.ts checks it against a real Redis on the same calls.
import type {
  CommitOutcome,
  CommitRequest,
  MirrorStore,
  StagingWrite,
} from "../../src/mirror/store.js";
import type { MirrorKeys } from "../../src/mirror/keys.js";
import type { HashContents } from "./expected.js";

export class MemoryStore implements MirrorStore {
  readonly hashes: HashContents = new Map();
  readonly strings = new Map<string, string>();
  /** key → seconds of the last EXPIRE (kept after writes, dropped by PERSIST). */
  readonly ttls = new Map<string, number>();
  /** Called before each stage() resolves (tests apply commands "while Redis works"). */
  onStage: () => void = () => undefined;
  /** When set, every call rejects with it (Redis unreachable). */
  failure: Error | null = null;

  constructor(private readonly keys: MirrorKeys) {}

  async stage(writes: readonly StagingWrite[], ttlSeconds: number): Promise<void> {
    this.check();
    for (const write of writes) {
      if (write.fresh) this.hashes.set(write.key, new Map([["", "1"]]));
      const hash = this.hash(write.key);
      for (const [field, value] of write.set) hash.set(field, value);
      for (const field of write.remove) hash.delete(field);
      this.tidy(write.key);
      if (this.hashes.has(write.key)) this.ttls.set(write.key, ttlSeconds);
    }
    this.onStage();
  }

  async commit(request: CommitRequest): Promise<CommitOutcome> {
    this.check();
    const staged = request.steps.flatMap((s) =>
      s.kind === "rename" || s.kind === "merge" ? [s.staging] : [],
    );
    const j = Number(this.strings.get(this.keys.appliedIndex) ?? 0);
    const t = Number(this.strings.get(this.keys.term) ?? 0);
    const lost = staged.find((key) => !this.hashes.get(key)?.has(""));
    let refusal: CommitOutcome | null = null;
    if (request.index < j || (request.index === j && request.term < t)) {
      refusal = { kind: "stale", mirrorIndex: j, mirrorTerm: t };
    } else if (request.base > j) refusal = { kind: "gap", mirrorIndex: j, mirrorTerm: t };
    else if (lost !== undefined) refusal = { kind: "lost", key: lost };
    if (refusal !== null) {
      for (const key of staged) this.delete(key);
      return refusal;
    }
    for (const step of request.steps) {
      switch (step.kind) {
        case "rename": {
          const hash = this.hashes.get(step.staging)!;
          this.delete(step.staging);
          hash.delete("");
          this.hashes.set(step.key, hash);
          this.ttls.delete(step.key);
          this.tidy(step.key);
          break;
        }
        case "merge": {
          const hash = this.hash(step.key);
          for (const [field, value] of this.hashes.get(step.staging)!) {
            if (field === "") continue;
            if (value === "") hash.delete(field);
            else hash.set(field, value);
          }
          this.delete(step.staging);
          this.tidy(step.key);
          break;
        }
        case "write": {
          if (step.replace) this.delete(step.key);
          const hash = this.hash(step.key);
          for (const [field, value] of step.fields) {
            if (value === null) hash.delete(field);
            else hash.set(field, value);
          }
          this.tidy(step.key);
          break;
        }
        case "expire":
          if (this.hashes.has(step.key)) this.ttls.set(step.key, step.seconds);
          break;
        case "delete":
          this.delete(step.key);
          break;
      }
    }
    this.strings.set(this.keys.appliedIndex, String(request.index));
    this.strings.set(this.keys.term, String(request.term));
    return { kind: "ok" };
  }

  async scanKeys(pattern: string): Promise<string[]> {
    this.check();
    const prefix = pattern.slice(0, -1);
    return [...this.hashes.keys(), ...this.strings.keys()].filter((key) => key.startsWith(prefix));
  }

  async discard(keys: readonly string[]): Promise<void> {
    this.check();
    for (const key of keys) this.delete(key);
  }

  async close(): Promise<void> {}

  /** The data hashes (no meta, no staging), like readRedisMirror's `hashes`. */
  dataHashes(): HashContents {
    return new Map([...this.hashes].filter(([key]) => !this.keys.isMetaKey(key)));
  }

  /** Staging hashes still present. */
  stagingKeys(): string[] {
    return [...this.hashes.keys()].filter((key) => this.keys.isMetaKey(key));
  }

  private check(): void {
    if (this.failure !== null) throw this.failure;
  }

  private hash(key: string): Map<string, string> {
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      hash = new Map();
      this.hashes.set(key, hash);
    }
    return hash;
  }

  private tidy(key: string): void {
    if (this.hashes.get(key)?.size === 0) this.delete(key);
  }

  private delete(key: string): void {
    this.hashes.delete(key);
    this.strings.delete(key);
    this.ttls.delete(key);
  }
}
