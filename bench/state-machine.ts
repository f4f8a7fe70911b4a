// The state machine's figures: apply throughput of an acquire/heartbeat/complete mix,
// and a 1,000,000-partition plan's CreatePlan time, snapshot encode and restore times, and heap.
// Last line: {"applyPerSec", "applyWithCodecPerSec", "createPlan1MMs", "snapshot1MMs",
// "restore1MMs", "heapBytesPerPartition", "snapshot1MBytes"}. `applyPerSec` applies decoded
// command objects; `applyWithCodecPerSec` also encodes each envelope to its msgpackr log bytes
// and decodes it back first. Heap = heapUsed + arrayBuffers (the typed-array columns live in
// ArrayBuffers, outside heapUsed), after two forced collections.
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import {
  apply,
  createState,
  encodeSnapshot,
  restoreSnapshot,
  stateHash,
} from "../src/state-machine/index.js";
import type { Command, CommandEnvelope, CoordinatorState } from "../src/state-machine/index.js";
import { decodeCommand, encodeCommand } from "../src/wire/command-codec.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench does)");
const collect = gc;

const WORKERS = 64;
const WINDOW = 4;
const MIX_ROUNDS = 2_000;

function heapBytes(): number {
  collect();
  collect();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

interface Granted {
  readonly status: string;
  readonly granted?: readonly { planId: string; partitionId: number; fencingToken: number }[];
}
type Sink = (envelope: CommandEnvelope<Command>, logIndex: number) => Granted;

/** One round of the mix: every worker acquires its window, heartbeats, completes what it got. */
function mixRound(sink: Sink, next: () => number, nowMs: number): number {
  let applied = 0;
  for (let w = 0; w < WORKERS; w++) {
    const workerId = `w${w}`;
    const acquire = { type: "AcquirePartitions", workerId, max: WINDOW } as const;
    const acquired = sink({ proposedAtMs: nowMs, command: acquire }, next());
    sink({ proposedAtMs: nowMs, command: { type: "Heartbeat", workerId } }, next());
    applied += 2;
    for (const { planId, partitionId, fencingToken } of acquired.granted ?? []) {
      const command = {
        type: "CompletePartition",
        ...{ planId, partitionId, workerId, fencingToken, processedCount: 10 },
      } as const;
      assert.equal(sink({ proposedAtMs: nowMs, command }, next()).status, "ok");
      applied++;
    }
  }
  return applied;
}

/** Commands per second of the mix; with `withCodec` each is encoded and decoded first. */
function measureApply(withCodec: boolean): number {
  const state: CoordinatorState = createState();
  let index = 0;
  const next = () => ++index;
  const setup: Command[] = [
    { type: "CreatePlan", planId: "mix", minId: 0, maxId: 99_999_999, partitionSize: 100 },
    ...Array.from({ length: WORKERS }, (_, w) => ({
      type: "RegisterWorker" as const,
      workerId: `w${w}`,
      windowSize: WINDOW,
    })),
  ];
  for (const command of setup) apply(state, { proposedAtMs: 0, command }, next());
  const sink: Sink = withCodec
    ? (envelope, logIndex) => apply(state, decodeCommand(encodeCommand(envelope)), logIndex)
    : (envelope, logIndex) => apply(state, envelope, logIndex);
  mixRound(sink, next, 1); // warm-up
  let applied = 0;
  const started = performance.now();
  for (let round = 0; round < MIX_ROUNDS; round++) applied += mixRound(sink, next, 2 + round);
  return Math.round((applied / (performance.now() - started)) * 1000);
}

function measurePlan1M() {
  const state = createState();
  const before = heapBytes();
  let started = performance.now();
  const created = apply(
    state,
    {
      proposedAtMs: 1,
      command: {
        type: "CreatePlan",
        planId: "big",
        minId: 0,
        maxId: 999_999_999,
        partitionSize: 1000,
      },
    },
    1,
  );
  const createPlan1MMs = performance.now() - started;
  assert.equal(created.status, "ok");
  const heapBytesPerPartition = (heapBytes() - before) / 1_000_000;
  // Some activity, so the snapshot carries holders, tokens and errors, not only zeros.
  apply(
    state,
    { proposedAtMs: 2, command: { type: "RegisterWorker", workerId: "w", windowSize: 1000 } },
    2,
  );
  apply(
    state,
    { proposedAtMs: 3, command: { type: "AcquirePartitions", workerId: "w", max: 1000 } },
    3,
  );
  started = performance.now();
  const bytes = encodeSnapshot(state);
  const snapshot1MMs = performance.now() - started;
  started = performance.now();
  const restored = restoreSnapshot(bytes);
  const restore1MMs = performance.now() - started;
  assert.equal(stateHash(restored), stateHash(state));
  return {
    createPlan1MMs,
    snapshot1MMs,
    restore1MMs,
    heapBytesPerPartition,
    snapshot1MBytes: bytes.length,
  };
}

const applyPerSec = measureApply(false);
const applyWithCodecPerSec = measureApply(true);
const plan = measurePlan1M();
const round = (value: number) => Math.round(value * 10) / 10;
console.log(
  JSON.stringify({
    applyPerSec,
    applyWithCodecPerSec,
    createPlan1MMs: round(plan.createPlan1MMs),
    snapshot1MMs: round(plan.snapshot1MMs),
    restore1MMs: round(plan.restore1MMs),
    heapBytesPerPartition: round(plan.heapBytesPerPartition),
    snapshot1MBytes: plan.snapshot1MBytes,
  }),
);
