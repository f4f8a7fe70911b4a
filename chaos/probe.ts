/**
 * The linearizability probe of a chaos run: the harness itself plays two workers racing for ONE
 * partition, round after round, through the real API while the nemesis strikes — acquire,
 * complete, release, a deliberately stale complete, and linearizable reads — each a single
 * attempt recorded in the {@link History}. Each round has its own namespace, plan and workers,
 * so an acquire can only ever concern that round's partition; the probe's workers hold one
 * partition at most and their leases outlive the run (the model of ./partition-model.ts needs
 * no expiry). {@link probeOperations} turns the history into the checker's input.
 */
import { workerLeaseTtlMsMax } from "../src/constants.js";
import type { Prng } from "../src/util/prng.js";
import type { CoordinatorClient } from "../src/worker/client.js";
import type { History } from "./history.js";
import { type HistoryEntry, type Outcome } from "./history.js";
import type { Operation } from "../test/support/linearizability.js";
import { sleep } from "./nemesis.js";
import type { PartitionInput, PartitionOutput } from "./partition-model.js";

/** A round that has not seen its partition completed by then is abandoned. */
const ROUND_MS_MAX = 15_000;
/** Operations one probe worker makes in a round, at most. */
const STEPS_PER_ROUND_MAX = 300;
/**
 * A probe worker leaves its round after this many calls with unknown outcomes: each may take
 * effect at any later point, so each doubles the orders the checker may have to search.
 */
const UNKNOWN_OUTCOMES_PER_WORKER_MAX = 3;
/** Setup calls (create the plan, register a worker) are retried this many times. */
const SETUP_ATTEMPTS_MAX = 40;
const SETUP_RETRY_MS = 250;
/** Deregistering a round's workers may take this long; the final clean-up this long. */
const DEREGISTER_MS_MAX = 5_000;
const FINISH_MS_MAX = 30_000;
const PARTITION_LEASE_TTL_MS = 24 * 60 * 60_000;
/** The history's op names the model understands. */
const MODEL_OPS: ReadonlySet<string> = new Set(["acquire", "complete", "release", "read"]);

interface Round {
  readonly planId: string;
  readonly namespace: string;
  readonly key: string;
  done: boolean;
}

/** Plays the two racing workers. */
export class LinearizabilityProbe {
  rounds = 0;
  completedRounds = 0;
  /** The probe's workers still registered (they count as live workers). */
  readonly workers: string[] = [];

  constructor(
    private readonly client: CoordinatorClient,
    private readonly history: History,
    private readonly prng: Prng,
    private readonly tag: string,
    private readonly nowMs: () => number,
  ) {}

  /** Plays rounds until `untilMs` (run time) or the abort. */
  async run(untilMs: number, signal: AbortSignal): Promise<void> {
    while (this.nowMs() < untilMs && !signal.aborted) {
      const k = this.rounds++;
      const planId = `probe-${this.tag}-${k}`;
      const round: Round = { planId, namespace: planId, key: `${planId}/0`, done: false };
      const ids = [`${planId}-a`, `${planId}-b`];
      if (!(await this.setUp(round, ids, untilMs, signal))) continue;
      const deadline = Math.min(untilMs, this.nowMs() + ROUND_MS_MAX);
      await Promise.all(ids.map((id) => this.play(round, id, deadline, signal)));
      if (round.done) this.completedRounds += 1;
      await this.deregister(ids, this.nowMs() + DEREGISTER_MS_MAX, signal);
    }
  }

  /** Deregisters every probe worker still registered (their partitions go back to pending). */
  async finish(signal: AbortSignal): Promise<void> {
    await this.deregister([...this.workers], this.nowMs() + FINISH_MS_MAX, signal);
  }

  private async setUp(round: Round, ids: readonly string[], untilMs: number, signal: AbortSignal) {
    const created = await this.retry(
      untilMs,
      signal,
      () =>
        this.client.createPlan(
          {
            planId: round.planId,
            namespace: round.namespace,
            minId: 0,
            maxId: 0,
            partitionSize: 1,
            maxAttempts: 10,
            partitionLeaseTtlMs: PARTITION_LEASE_TTL_MS,
          },
          { idempotencyKey: round.planId, retryDeadlineMs: 0 },
        ),
      "createPlan",
      round.planId,
    );
    if (!created) return false;
    for (const workerId of ids) {
      const registered = await this.retry(
        untilMs,
        signal,
        () =>
          this.client.registerWorker(
            {
              workerId,
              namespace: round.namespace,
              windowSize: 1,
              leaseTtlMs: workerLeaseTtlMsMax,
            },
            { idempotencyKey: workerId, retryDeadlineMs: 0 },
          ),
        "registerWorker",
        workerId,
      );
      if (!registered) return false;
      this.workers.push(workerId);
    }
    return true;
  }

  /** One probe worker's loop for a round. */
  private async play(round: Round, workerId: string, deadline: number, signal: AbortSignal) {
    let holding: number | null = null;
    let unknowns = 0;
    for (let step = 0; step < STEPS_PER_ROUND_MAX; step += 1) {
      if (round.done || this.nowMs() >= deadline || signal.aborted) return;
      if (unknowns >= UNKNOWN_OUTCOMES_PER_WORKER_MAX) return;
      if (this.prng.nextFloat() < 0.2) await this.read(round, workerId);
      let settled: boolean;
      if (holding === null) {
        const outcome = await this.acquire(round, workerId);
        if (outcome.kind === "ok" && outcome.value.kind === "granted")
          holding = outcome.value.token;
        settled = outcome.kind !== "unknown";
        if (!settled) unknowns += 1;
      } else {
        const draw = this.prng.nextFloat();
        const op = draw < 0.6 ? "complete" : draw < 0.85 ? "release" : "stale-complete";
        const outcome = await this.finishOp(round, workerId, op, holding);
        if (outcome.kind === "ok" && op === "complete") round.done = true;
        if (outcome.kind === "ok" && op === "release") holding = null;
        settled = outcome.kind === "ok" || op === "stale-complete";
        if (outcome.kind === "unknown") unknowns += 1;
      }
      if (!settled) holding = await this.resync(round, workerId, holding);
      await sleep(10 + this.prng.nextInt(40), signal);
    }
  }

  private acquire(round: Round, workerId: string): Promise<Outcome<PartitionOutput>> {
    const input: PartitionInput = { op: "acquire", workerId };
    return this.history.record(workerId, "acquire", round.key, input, async () => {
      const answer = await this.client.acquire(workerId, { max: 1 }, { retryDeadlineMs: 0 });
      const grant = answer.granted.find((g) => g.planId === round.planId);
      return grant === undefined
        ? ({ kind: "none" } as const)
        : ({ kind: "granted", token: grant.fencingToken } as const);
    });
  }

  private finishOp(
    round: Round,
    workerId: string,
    op: "complete" | "release" | "stale-complete",
    token: number,
  ): Promise<Outcome<PartitionOutput>> {
    const used = op === "stale-complete" ? token - 1 : token;
    const kind = op === "release" ? "release" : "complete";
    const input: PartitionInput = { op: kind, workerId, token: used };
    return this.history.record(workerId, kind, round.key, input, async () => {
      const body = { workerId, fencingToken: used };
      const options = { retryDeadlineMs: 0 };
      if (kind === "release") await this.client.releasePartition(round.planId, 0, body, options);
      else await this.client.completePartition(round.planId, 0, body, options);
      return { kind: "ok" } as const;
    });
  }

  private read(round: Round, clientId: string): Promise<Outcome<PartitionOutput>> {
    const input: PartitionInput = { op: "read" };
    return this.history.record(`${clientId}-reader`, "read", round.key, input, async () => {
      const p = await this.client.getPartition(round.planId, 0, {}, { retryDeadlineMs: 0 });
      const status = p.status === "claimed" || p.status === "running" ? "held" : p.status;
      return { kind: "read", status, workerId: p.workerId, token: p.fencingToken } as const;
    });
  }

  /** After an unclear answer: read until the truth is known; returns what this worker holds. */
  private async resync(round: Round, workerId: string, holding: number | null) {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const outcome = await this.read(round, workerId);
      if (outcome.kind !== "ok" || outcome.value.kind !== "read") continue;
      const seen = outcome.value;
      if (seen.status === "completed") round.done = true;
      return seen.status === "held" && seen.workerId === workerId ? seen.token : null;
    }
    return holding;
  }

  private async deregister(ids: readonly string[], untilMs: number, signal: AbortSignal) {
    for (const workerId of ids) {
      const done = await this.retry(
        untilMs,
        signal,
        () => this.client.deregisterWorker(workerId, { retryDeadlineMs: 0 }),
        "deregisterWorker",
        workerId,
      );
      if (done) this.workers.splice(this.workers.indexOf(workerId), 1);
    }
  }

  /** A setup call, retried until it succeeds, is refused or `untilMs` (recorded each time). */
  private async retry(
    untilMs: number,
    signal: AbortSignal,
    call: () => Promise<unknown>,
    op: string,
    key: string,
  ): Promise<boolean> {
    for (let attempt = 0; attempt < SETUP_ATTEMPTS_MAX && !signal.aborted; attempt += 1) {
      if (this.nowMs() >= untilMs) return false;
      const outcome = await this.history.record("probe-setup", op, key, {}, call);
      if (outcome.kind === "ok") return true;
      if (outcome.kind === "rejected")
        return outcome.code === "not_found" && op === "deregisterWorker";
      await sleep(SETUP_RETRY_MS, signal);
    }
    return false;
  }
}

/** The probe's partition operations as the linearizability checker's input, keyed by partition. */
export function probeOperations(
  entries: readonly HistoryEntry[],
): (Operation<PartitionInput, PartitionOutput> & { readonly key: string })[] {
  return (
    entries
      .filter((entry) => MODEL_OPS.has(entry.op))
      // A read changes nothing: one without an answer constrains nothing, so it is left out.
      .filter((entry) => entry.op !== "read" || entry.outcome.kind === "ok")
      .map((entry) => ({
        key: entry.key,
        clientId: entry.clientId,
        input: entry.args as PartitionInput,
        output: outputOf(entry.outcome),
        callAtMs: entry.callAtMs,
        returnAtMs: entry.returnAtMs ?? Infinity,
      }))
  );
}

function outputOf(outcome: Outcome<unknown>): PartitionOutput | undefined {
  switch (outcome.kind) {
    case "ok":
      return outcome.value as PartitionOutput;
    case "rejected":
      return { kind: "rejected", code: outcome.code };
    case "failed":
      return { kind: "failed" };
    case "unknown":
      return undefined;
  }
}
