// Proves the lease keeper on a fake clock: a renewal started at t proves the lease until
// t + ttl - margin; it heartbeats every interval (and at once on beatNow), says `draining` when
// asked, reports failures with the mark they were sent under, and calls onUnproven exactly
// once per lapse when acknowledgements stop.
import { beforeEach, describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import type { HeartbeatAnswer, LeaseKeeperDeps, SendMark } from "../../src/worker/lease-keeper.js";
import { LeaseKeeper } from "../../src/worker/lease-keeper.js";
import { WorkerSessions } from "../../src/worker/sessions.js";
import { FakeClock, settle } from "./fake-clock.js";
import { MemoryCluster } from "./memory-cluster.js";

let clock: FakeClock;
let cluster: MemoryCluster;
let answers: HeartbeatAnswer[];
let failures: [unknown, SendMark][];
let unproven: number;
let draining: boolean;

beforeEach(async () => {
  clock = new FakeClock();
  cluster = new MemoryCluster(clock);
  await cluster.client().registerWorker({ workerId: "w1" });
  answers = [];
  failures = [];
  unproven = 0;
  draining = false;
});

function keeper(overrides: Partial<LeaseKeeperDeps> = {}): LeaseKeeper {
  return new LeaseKeeper({
    client: cluster.client(),
    workerId: "w1",
    sessions: new WorkerSessions("w1", () => clock.now()),
    clock,
    leaseTtlMs: 10_000,
    safetyMarginMs: 2_000,
    heartbeatIntervalMs: 2_000,
    draining: () => draining,
    mark: () => ({ grants: 7, registrations: 1 }),
    onHeartbeat: (answer) => answers.push(answer),
    onHeartbeatFailed: async (error, mark) => {
      failures.push([error, mark]);
    },
    onUnproven: () => unproven++,
    ...overrides,
  });
}

describe("LeaseKeeper", () => {
  it("proves the lease until sentAt + ttl - margin, and only forward", () => {
    const k = keeper();
    expect(k.proven()).toBe(false);
    const t = clock.now();
    k.renewed(t);
    expect(k.provenUntil()).toBe(t + 8_000);
    k.renewed(t - 5_000);
    expect(k.provenUntil()).toBe(t + 8_000);
    expect(k.proven()).toBe(true);
    k.stop();
  });

  it("heartbeats every interval, renews on each answer, and says draining when asked", async () => {
    const k = keeper();
    const stop = new AbortController();
    const loop = k.run(stop.signal);
    await clock.advance(6_000);
    expect(answers).toHaveLength(4);
    expect(answers[0]!.mark).toEqual({ grants: 7, registrations: 1 });
    expect(k.provenUntil()).toBe(answers[3]!.sentAtMs + 8_000);
    draining = true;
    k.beatNow();
    await settle();
    expect(answers).toHaveLength(5);
    expect(cluster.callsOf("heartbeat").at(-1)!.args[1]).toEqual({ draining: true });
    stop.abort();
    await loop;
    k.stop();
  });

  it("calls onUnproven once when acknowledgements stop, and reports the failures", async () => {
    const k = keeper();
    const stop = new AbortController();
    const loop = k.run(stop.signal);
    await clock.advance(100);
    const lastAck = answers.at(-1)!.sentAtMs;
    cluster.failNext(
      "heartbeat",
      ...Array.from({ length: 20 }, () => new CoordinatorError("unreachable")),
    );
    await clock.advance(lastAck + 8_000 - clock.now() - 1);
    expect(unproven).toBe(0);
    await clock.advance(1);
    expect(unproven).toBe(1);
    await clock.advance(20_000);
    expect(unproven).toBe(1);
    expect(failures.length).toBeGreaterThan(5);
    expect(failures[0]![1]).toEqual({ grants: 7, registrations: 1 });
    stop.abort();
    await loop;
    k.stop();
  });
});
