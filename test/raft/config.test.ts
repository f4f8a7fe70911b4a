// Proves the Raft configuration takes its defaults from src/constants.ts and refuses settings
// that cannot work or do not match the storage, with a typed error.
import { describe, expect, it } from "vitest";
import * as constants from "../../src/constants.js";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import { RaftConfigError, defaultRaftConfig, validateRaftConfig } from "../../src/raft/config.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import { RawNode } from "../../src/raft/raw-node.js";
import { logWithTerms } from "./harness.js";

const confState = { voters: [asNodeId("1")], learners: [] };

describe("RaftConfig", () => {
  it("defaults come from src/constants.ts, with PreVote and CheckQuorum on", () => {
    const config = defaultRaftConfig(
      asNodeId("1"),
      new MemoryStorage({ confState }),
      createPrng(1),
    );
    expect(config).toMatchObject({
      electionTimeoutTicks: constants.electionTimeoutTicks,
      heartbeatIntervalTicks: constants.heartbeatIntervalTicks,
      inflightMessagesMax: constants.raftInflightMessagesMax,
      inflightBytesMax: constants.raftInflightBytesMax,
      appendBytesMax: constants.raftAppendBytesMax,
      uncommittedBytesMax: constants.raftUncommittedBytesMax,
      snapshotChunkBytesMax: constants.snapshotChunkBytesMax,
      preVote: true,
      checkQuorum: true,
      applied: 0,
    });
    expect(() => validateRaftConfig(config)).not.toThrow();
  });

  it("refuses limits that cannot work", () => {
    const base = defaultRaftConfig(asNodeId("1"), new MemoryStorage({ confState }), createPrng(1));
    for (const bad of [
      { electionTimeoutTicks: 0 },
      { heartbeatIntervalTicks: 20 },
      { inflightMessagesMax: 1.5 },
      { appendBytesMax: -1 },
      { inflightBytesMax: 0 },
    ]) {
      expect(() => new RawNode({ ...base, ...bad }), JSON.stringify(bad)).toThrow(RaftConfigError);
    }
  });

  it("refuses an applied index the storage cannot back", () => {
    const storage = new MemoryStorage({
      confState,
      hardState: { term: 1, vote: null, commit: 2 },
      entries: logWithTerms([1, 1, 1]),
    });
    const base = defaultRaftConfig(asNodeId("1"), storage, createPrng(1));
    expect(() => validateRaftConfig({ ...base, applied: 3 })).toThrow(/beyond the commit index/);
    storage.createSnapshot(2, new Uint8Array());
    storage.compact(2);
    expect(() => validateRaftConfig({ ...base, applied: 1 })).toThrow(
      /restore the latest snapshot/,
    );
    expect(() => validateRaftConfig({ ...base, applied: 2 })).not.toThrow();
  });
});
