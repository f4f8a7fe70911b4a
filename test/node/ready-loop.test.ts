// Proves the Ready loop's write discipline on a single voter with a recording store: a Ready
// that moves only the commit index is not synced but rides with the next synced batch (or the
// final flush), every proposal's entry is durable before it applies, and any error inside a turn
// is reported as the node's failure.
import { NO_FAULTS } from "../../src/node/faults.js";
import { REAL_TIMERS } from "../../src/node/ports.js";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { Applier } from "../../src/node/applier.js";
import { ConditionWaiters } from "../../src/node/conditions.js";
import { NodeEvents } from "../../src/node/events.js";
import { Pending } from "../../src/node/pending.js";
import type { NodeStore } from "../../src/node/ports.js";
import { ProposalTracker } from "../../src/node/proposals.js";
import { ReadBatcher } from "../../src/node/reads.js";
import { ReadyLoop } from "../../src/node/ready-loop.js";
import { defaultRaftConfig } from "../../src/raft/config.js";
import { MemoryStorage } from "../../src/raft/memory-storage.js";
import { RawNode } from "../../src/raft/raw-node.js";
import type { ApplyResult } from "../../src/state-machine/index.js";
import type { PersistRequest } from "../../src/storage/raft-store.js";
import { asNodeId } from "../../src/util/ids.js";
import { createPrng } from "../../src/util/prng.js";
import { encodeCommand } from "../../src/wire/command-codec.js";
import { realClock, waitFor } from "./harness.js";

const n1 = asNodeId("n1");

function singleVoter(options: { failPersist?: boolean } = {}) {
  const writes: PersistRequest[] = [];
  const failures: unknown[] = [];
  const store: NodeStore = {
    dataDir: "/recording",
    load: () => Promise.reject(new Error("not used")),
    persist: async (request) => {
      if (options.failPersist === true) throw new Error("disk on fire");
      writes.push(request);
      return { syncDurationMs: 0, operations: 1, bytes: 1 };
    },
    saveSnapshot: () => Promise.reject(new Error("not used")),
    compact: () => Promise.reject(new Error("not used")),
    close: async () => undefined,
  };
  const storage = new MemoryStorage({ confState: { voters: [n1], learners: [] } });
  const raw = new RawNode({ ...defaultRaftConfig(n1, storage, createPrng(1)), applied: 0 });
  const proposals = new ProposalTracker();
  const events = new NodeEvents(() => undefined);
  const applier = new Applier(null, proposals, events, NO_FAULTS);
  const silent = () => undefined;
  const loop = new ReadyLoop(
    {
      raw,
      storage,
      store,
      transport: {
        subscribe: silent,
        send: silent,
        start: silent,
        close: async () => undefined,
        isConnected: () => false,
        setPeers: silent,
      },
      applier,
      proposals,
      reads: new ReadBatcher("n1"),
      conditions: new ConditionWaiters(REAL_TIMERS),
      events,
      clock: realClock,
      logger: { debug: silent, info: silent, warn: silent, error: silent },
      failpoints: new Set(),
      timers: REAL_TIMERS,
      faults: NO_FAULTS,
    },
    { term: 0, commitIndex: 0 },
  );
  loop.attach({
    onRoleChanged: silent,
    afterApply: silent,
    afterReady: silent,
    notLeader: () => new CoordinatorError("not_leader"),
    onFailure: (error) => failures.push(error),
    onCrash: silent,
  });
  const propose = () => {
    const pending = new Pending<ApplyResult>(
      REAL_TIMERS,
      5_000,
      () => new CoordinatorError("proposal_timeout"),
    );
    const data = encodeCommand({
      proposedAtMs: 1,
      command: { type: "RegisterWorker", workerId: "w" },
    });
    loop.inbox.proposal({ data, commandType: "RegisterWorker", pending });
    return pending.promise;
  };
  return { loop, raw, writes, failures, applier, propose };
}

describe("ReadyLoop", () => {
  it("syncs entries before applying them and lets a commit-only hard state ride along", async () => {
    const { loop, raw, writes, applier, propose } = singleVoter();
    raw.campaign();
    loop.wake();
    await waitFor("leader", () => loop.role === "Leader" && applier.appliedIndex === 1);
    expect(writes.map((w) => [w.entries.map((e) => e.index), w.hardState?.commit])).toEqual([
      [[1], 0], // term, vote and the NoOp
    ]);
    expect((await propose()).status).toBe("ok");
    // The NoOp's commit (1) was not synced on its own: it rode with entry 2.
    expect(writes.map((w) => [w.entries.map((e) => e.index), w.hardState?.commit])).toEqual([
      [[1], 0],
      [[2], 1],
    ]);
    expect(applier.appliedIndex).toBe(2);
    expect(loop.commitIndex).toBe(2);
    await loop.halt();
    await loop.flushHardState();
    expect(writes.at(-1)).toEqual({ hardState: { term: 1, vote: n1, commit: 2 }, entries: [] });
    expect(loop.stats().persists).toBe(2);
  });

  it("reports a failed write as the node's failure and stops", async () => {
    const { loop, raw, failures } = singleVoter({ failPersist: true });
    raw.campaign();
    loop.wake();
    await waitFor("the failure", () => failures.length > 0);
    expect(String(failures[0])).toContain("disk on fire");
    expect(loop.halted).toBe(true);
  });
});
