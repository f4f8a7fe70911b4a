// Proves the simulator can fail: each deliberately injected bug (two in the Raft core, six in the node) is reported, on the seed docs/SIMULATION.md lists, as the violation it causes.
import { describe, expect, it } from "vitest";
import type { InjectedBug } from "./bugs.js";
import { runOne } from "./run-seeds.js";

/** The first run that catches each bug (seeds 1.., 3 then 5 nodes, 1,500 steps; see the docs). */
const CAUGHT: readonly [InjectedBug, number, 3 | 5, readonly string[]][] = [
  ["ackBeforeFsync", 1, 3, ["durable-state"]],
  ["applyBeforeCommit", 1, 3, ["applied-le-committed"]],
  ["readBeforeApply", 3, 3, ["stale-read"]],
  ["answerByIndexOnly", 13, 3, ["acknowledged-command-lost"]],
  ["deposedLeaderExpiresLeases", 5, 5, ["lease-expiry-by-non-leader"]],
  ["snapshotWithoutRestore", 10, 5, ["state-machine-safety"]],
  ["commitPreviousTermByCounting", 4, 5, ["current-term-commit", "leader-completeness"]],
  ["grantVoteTwice", 6, 5, ["single-vote", "election-safety"]],
];

describe("injected bugs are caught", () => {
  for (const [bug, seed, nodeCount, invariants] of CAUGHT) {
    it(`${bug} (seed ${seed}, ${nodeCount} nodes)`, async () => {
      const outcome = await runOne({ seed, nodeCount }, 1_500, bug);
      expect(invariants).toContain(outcome.violated);
    }, 180_000);
  }

  it("the same runs without an injected bug stay clean", async () => {
    for (const [, seed, nodeCount] of CAUGHT.slice(0, 3)) {
      const outcome = await runOne({ seed, nodeCount }, 1_500);
      expect(outcome.failure).toBeNull();
    }
  }, 300_000);
});
