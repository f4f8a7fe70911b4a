/**
 * The Redis side of the mirror as the flush sees it (a port: ./redis-store.ts implements it with
 * ioredis; tests wrap it to delay or capture writes). Two kinds of write:
 *
 * - **staging**: hashes under `<prefix>mirror:staging:…` that no reader looks at, written in
 *   pipelined chunks while a large flush renders (each carries a sentinel field `""` so the
 *   commit can tell a staged-empty hash from one that expired or was never written);
 * - **commit**: one Lua script (./commit-script.ts) that checks the guard and then, atomically,
 *   moves the staged hashes into place, writes the final entries, and sets
 *   `mirror:applied_index` and `mirror:term`.
 */

/** Fields written into one staging hash. */
export interface StagingWrite {
  /** The staging key. */
  readonly key: string;
  /** (Re)create the staging hash: drop what it held, write the sentinel. */
  readonly fresh: boolean;
  /** field → value to set (a JSON text, or `""` as a deletion marker in a merge staging). */
  readonly set: ReadonlyMap<string, string>;
  /** Fields to remove from the staging hash. */
  readonly remove: readonly string[];
}

/** One step of a commit, applied in order after the guard passed. */
export type CommitStep =
  /** The live hash becomes the staged one (RENAME; sentinel removed; no TTL kept). */
  | { readonly kind: "rename"; readonly staging: string; readonly key: string }
  /** Each staged field is set on the live hash, or deleted where staged as `""`. */
  | { readonly kind: "merge"; readonly staging: string; readonly key: string }
  /** Fields set (JSON) or deleted (null); `replace` drops the hash first. */
  | {
      readonly kind: "write";
      readonly key: string;
      readonly replace: boolean;
      readonly fields: ReadonlyMap<string, string | null>;
    }
  | { readonly kind: "expire"; readonly key: string; readonly seconds: number }
  | { readonly kind: "delete"; readonly key: string };

/**
 * A guarded commit: it describes the applied state at log index `index`, written by a leader of
 * `term`, as changes on top of a mirror at `base` or later (`base` 0: a full rewrite).
 */
export interface CommitRequest {
  readonly base: number;
  readonly index: number;
  readonly term: number;
  readonly steps: readonly CommitStep[];
}

/**
 * How a commit ended. `stale`: the mirror already describes a later index (or the same index
 * from a later term); `gap`: the mirror is older than `base` (Redis lost data, or never had
 * it); `lost`: a staging hash is gone; `foreign`: a key the commit would merge into is not a
 * hash. Only `ok` wrote anything; the others dropped the commit's staging hashes.
 */
export type CommitOutcome =
  | { readonly kind: "ok" }
  | {
      readonly kind: "stale" | "gap";
      readonly mirrorIndex: number;
      readonly mirrorTerm: number;
    }
  | { readonly kind: "lost" | "foreign"; readonly key: string };

/** What the mirror needs from Redis. Every method rejects when Redis cannot be reached. */
export interface MirrorStore {
  /** Writes staging hashes (pipelined) and (re)sets their expiry to `ttlSeconds`. */
  stage(writes: readonly StagingWrite[], ttlSeconds: number): Promise<void>;
  /** Runs the guarded commit atomically. */
  commit(request: CommitRequest): Promise<CommitOutcome>;
  /** Every key matching the SCAN `pattern`. */
  scanKeys(pattern: string): Promise<string[]>;
  /** Deletes `keys` (abandoned staging hashes). */
  discard(keys: readonly string[]): Promise<void>;
  /** Closes the connection; pending commands are answered or fail. */
  close(): Promise<void>;
}

/** What a store reports about its connection (ioredis `ready` / `close`). */
export interface StoreHandlers {
  readonly onUp: () => void;
  readonly onDown: (reason: string) => void;
}
