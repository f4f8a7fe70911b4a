/**
 * The configurations a node's log holds (Raft thesis §4.1): the one its snapshot (or bootstrap)
 * carries, then one per `Config` entry. A node uses the LATEST, committed or not, from the
 * moment the entry is appended; when a conflicting suffix is truncated (Raft §5.3) the
 * configurations it held are rolled back with it. Deriving the configuration from the log this
 * way means it needs no record of its own on disk (docs/MEMBERSHIP.md §4).
 *
 * Invariant: `items` is sorted by index and never empty; `items[0]` is at or below the commit
 * index, so truncation (which never reaches a committed entry) never removes it.
 */
import { assert } from "../util/assert.js";
import type { LogIndex } from "../util/ids.js";
import { canonicalConfState } from "./conf-change.js";
import type { Storage } from "./storage.js";
import type { ConfState, Entry } from "./types.js";

/** A configuration and the log index it took effect at. */
export interface IndexedConfState {
  /** The index of its `Config` entry; for a snapshot's (or bootstrap) configuration, its index. */
  readonly index: LogIndex;
  readonly confState: ConfState;
}

/** The configurations of one log, oldest first; see the module comment. */
export class ConfigHistory {
  private items: IndexedConfState[];

  /** @param base the configuration of the snapshot at `index` (0 and bootstrap for none). */
  constructor(base: ConfState, index: LogIndex) {
    this.items = [{ index, confState: canonicalConfState(base) }];
  }

  /** The configuration in force: the latest one in the log. */
  latest(): IndexedConfState {
    const last = this.items[this.items.length - 1];
    assert(last !== undefined, "a configuration history is never empty");
    return last;
  }

  /**
   * Entries were appended at `entries[0].index` (replacing our log from there on): drops the
   * configurations of the replaced suffix, adds those of `entries`, and forgets configurations
   * superseded at or below `committed` (they can never come back).
   * @returns whether the latest configuration changed
   */
  append(entries: readonly Entry[], committed: LogIndex): boolean {
    const first = entries[0];
    if (first === undefined) return false;
    const before = this.latest();
    // The common case, on every append: no configuration added and none truncated away.
    if (first.index > before.index && !entries.some((e) => e.type === "Config")) return false;
    const kept = this.items.filter((item) => item.index < first.index);
    assert(kept.length > 0, () => `entries at ${first.index} replace the committed configuration`);
    for (const e of entries) {
      if (e.type === "Config")
        kept.push({ index: e.index, confState: canonicalConfState(e.config) });
    }
    const lastCommitted = kept.findLastIndex((item) => item.index <= committed);
    this.items = kept.slice(Math.max(lastCommitted, 0));
    return this.latest() !== before;
  }

  /** Starts over from a snapshot's configuration (Raft §7: the snapshot replaces the log). */
  reset(base: ConfState, index: LogIndex): void {
    this.items = [{ index, confState: canonicalConfState(base) }];
  }
}

/**
 * The configurations of a stored log (at start): the storage's configuration at its snapshot,
 * then every `Config` entry after the snapshot.
 */
export function configHistoryOf(storage: Storage): ConfigHistory {
  const { hardState, confState } = storage.initialState();
  const snapshotIndex = storage.snapshot().metadata.index;
  const history = new ConfigHistory(confState, snapshotIndex);
  const lastIndex = storage.lastIndex();
  if (lastIndex > snapshotIndex) {
    history.append(storage.entries(snapshotIndex + 1, lastIndex + 1, Infinity), hardState.commit);
  }
  return history;
}
