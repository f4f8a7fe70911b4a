// Proves a node's configuration is the latest Config entry of its log: in force on append, rolled
// back with a truncated suffix, restarted from the snapshot plus the stored entries after it.
import { describe, expect, it } from "vitest";
import { ConfigHistory, configHistoryOf } from "../../src/raft/config-history.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import type { ConfState, Entry } from "../../src/raft/types.js";
import { asNodeId } from "../../src/util/ids.js";

const conf = (...voters: string[]): ConfState => ({ voters: voters.map(asNodeId), learners: [] });
const config = (index: number, term: number, c: ConfState): Entry => ({
  index,
  term,
  type: "Config",
  data: new Uint8Array(0),
  config: c,
});
const normal = (index: number, term: number): Entry => ({
  index,
  term,
  type: "Normal",
  data: new Uint8Array([1]),
});

describe("ConfigHistory", () => {
  it("takes a configuration on append and rolls it back when its entry is replaced", () => {
    const h = new ConfigHistory(conf("1", "2", "3"), 0);
    expect(h.append([normal(1, 1), config(2, 1, conf("1", "2"))], 0)).toBe(true);
    expect(h.latest()).toEqual({ index: 2, confState: conf("1", "2") });
    expect(h.append([normal(3, 1)], 1)).toBe(false);
    expect(h.append([normal(2, 2)], 1)).toBe(true);
    expect(h.latest()).toEqual({ index: 0, confState: conf("1", "2", "3") });
  });

  it("forgets configurations superseded at or below the commit index", () => {
    const h = new ConfigHistory(conf("1"), 0);
    h.append([config(1, 1, conf("1", "2")), config(2, 1, conf("1", "2", "3"))], 2);
    h.append([normal(3, 1)], 2);
    expect(() => h.append([normal(2, 2)], 2)).toThrow(/replace the committed configuration/);
  });

  it("is rebuilt at start from the snapshot's configuration and the entries after it", () => {
    const storage = new MemoryStorage({
      confState: conf("1", "2", "3"),
      hardState: { term: 1, vote: null, commit: 3 },
      entries: [normal(1, 1), config(2, 1, conf("1", "2")), normal(3, 1)],
    });
    expect(configHistoryOf(storage).latest()).toEqual({ index: 2, confState: conf("1", "2") });
    storage.createSnapshot(3, new Uint8Array());
    storage.compact(3);
    expect(configHistoryOf(storage).latest()).toEqual({ index: 3, confState: conf("1", "2") });
  });
});
