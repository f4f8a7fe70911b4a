// Test helper (not a test): an in-memory cluster for worker unit tests. A FakeService (a real
// state machine, no Raft) stamps commands with a FakeClock; MemoryCluster.client() is a
// WorkerClient over it that calls the API's own command mapping (proposeOk, acquireLongPoll)
// without HTTP, remembers every call, and can fail or hold calls on demand.
import { acquireLongPoll } from "../../src/api/long-poll.js";
import { proposeOk } from "../../src/api/propose.js";
import { sessionIdOf } from "../../src/api/session.js";
import { CoordinatorError } from "../../src/errors.js";
import type { ProposeOptions } from "../../src/node/service.js";
import { getPartition, getPlan, getWorker, listPlans } from "../../src/state-machine/index.js";
import type { CallOptions } from "../../src/worker/client.js";
import type { WorkerClient } from "../../src/worker/worker-client.js";
import { FakeService } from "../api/fake-service.js";
import type { FakeClock } from "./fake-clock.js";

/** One call the worker made. */
export interface RecordedCall {
  readonly method: keyof WorkerClient;
  readonly args: readonly unknown[];
  readonly clientId: string | undefined;
  readonly seq: number | undefined;
}

type Method = Exclude<keyof WorkerClient, "close">;

interface Hold {
  readonly method: Method;
  readonly release: Promise<void>;
  /** Applied at once, only the answer waits. */
  readonly afterApply: boolean;
}

export class MemoryCluster {
  readonly service: FakeService;
  readonly calls: RecordedCall[] = [];
  private readonly failures = new Map<Method, Error[]>();
  private readonly holds: Hold[] = [];
  private readonly lostAnswers = new Set<Method>();
  private releaseHolds: (() => void) | null = null;

  constructor(readonly clock: FakeClock) {
    this.service = new FakeService({
      clock: () => clock.now(),
      timers: {
        setTimeout: (callback, delayMs) => clock.setTimeout(callback, delayMs),
        clearTimeout: (handle) => clock.clearTimeout(handle as object),
      },
    });
  }

  /** Creates a static plan over minId..maxId. */
  createPlan(planId: string, minId: number, maxId: number, partitionSize: number, extra = {}) {
    return this.service.applyNow({
      type: "CreatePlan",
      planId,
      minId,
      maxId,
      partitionSize,
      ...extra,
    });
  }

  /** Runs ExpireLeases at the current fake time (what a leader does when a lease is past due). */
  expireLeases() {
    return this.service.applyNow({ type: "ExpireLeases", nowMs: this.clock.now() });
  }

  plan(planId: string) {
    const plan = getPlan(this.service.state, planId);
    if (plan === undefined) throw new Error(`no plan ${planId}`);
    return plan;
  }

  partition(planId: string, partitionId: number) {
    const partition = getPartition(this.service.state, planId, partitionId);
    if (partition === undefined) throw new Error(`no partition ${planId}/${partitionId}`);
    return partition;
  }

  worker(workerId: string) {
    return getWorker(this.service.state, workerId);
  }

  /** Calls of `method` so far. */
  callsOf(method: keyof WorkerClient): RecordedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  /** The next calls of `method` fail with `errors`, one each, before anything is applied. */
  failNext(method: Method, ...errors: Error[]): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
  }

  /** The next call of `method` is applied, but its answer is lost (proposal_timeout). */
  loseAnswerOf(method: Method): void {
    this.lostAnswers.add(method);
  }

  /**
   * Calls of `method` from now on hang until {@link releaseAll}: unapplied, or with
   * `afterApply` applied at once and only their answers held back.
   */
  hold(method: Method, { afterApply = false } = {}): void {
    if (this.releaseHolds === null) {
      let release: () => void = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      this.releaseHolds = release;
      this.holds.push({ method, release: released, afterApply });
    } else {
      const first = this.holds[0]!;
      this.holds.push({ method, release: first.release, afterApply });
    }
  }

  /** Answers the held calls (they are then applied) and stops holding. */
  releaseAll(): void {
    this.releaseHolds?.();
    this.releaseHolds = null;
    this.holds.length = 0;
  }

  client(): WorkerClient {
    const service = this.service;
    const session = (o: CallOptions | undefined): ProposeOptions =>
      o?.session === undefined
        ? {}
        : { clientId: sessionIdOf(o.session.clientId), seq: o.session.seq };
    const call = <T>(
      method: Method,
      args: unknown[],
      o: CallOptions | undefined,
      run: () => Promise<T>,
    ) => this.intercept(method, args, o, run);
    return {
      registerWorker: (body, o) =>
        call("registerWorker", [body], o, () =>
          proposeOk(
            service,
            { type: "RegisterWorker", ...body, meta: { ...body.meta } },
            session(o),
          ),
        ),
      heartbeat: (workerId, body, o) =>
        call("heartbeat", [workerId, body], o, () =>
          proposeOk(service, { type: "Heartbeat", workerId, ...body }, session(o)),
        ),
      acquire: (workerId, body, o) =>
        call("acquire", [workerId, body], o, () => {
          const { waitMs = 0, ...fields } = body;
          return acquireLongPoll(
            service,
            { type: "AcquirePartitions", workerId, ...fields },
            {
              waitMs,
              session: session(o),
              clock: () => this.clock.now(),
              signal: o?.signal ?? new AbortController().signal,
            },
          );
        }),
      reportProgress: (planId, partitionId, body, o) =>
        call("reportProgress", [planId, partitionId, body], o, () =>
          proposeOk(service, { type: "ReportProgress", planId, partitionId, ...body }, session(o)),
        ),
      completePartition: (planId, partitionId, body, o) =>
        call("completePartition", [planId, partitionId, body], o, () =>
          proposeOk(
            service,
            { type: "CompletePartition", planId, partitionId, ...body },
            session(o),
          ),
        ),
      completePartitions: (workerId, body, o) =>
        call("completePartitions", [workerId, body], o, () =>
          proposeOk(service, { type: "CompletePartitions", workerId, ...body }, session(o)),
        ),
      failPartition: (planId, partitionId, body, o) =>
        call("failPartition", [planId, partitionId, body], o, () =>
          proposeOk(service, { type: "FailPartition", planId, partitionId, ...body }, session(o)),
        ),
      releasePartition: (planId, partitionId, body, o) =>
        call("releasePartition", [planId, partitionId, body], o, () =>
          proposeOk(
            service,
            { type: "ReleasePartition", planId, partitionId, ...body },
            session(o),
          ),
        ),
      deregisterWorker: (workerId, o) =>
        call("deregisterWorker", [workerId], o, () =>
          proposeOk(service, { type: "DeregisterWorker", workerId }, session(o)),
        ),
      appendPartitions: (planId, body, o) =>
        call("appendPartitions", [planId, body], o, () =>
          proposeOk(
            service,
            {
              type: "AppendPartitions",
              planId,
              ...body,
              ...(body.ranges === undefined ? {} : { ranges: body.ranges.map((r) => ({ ...r })) }),
            },
            session(o),
          ),
        ),
      getPlan: (planId, _query, o) =>
        call("getPlan", [planId], o, async () => {
          const plan = getPlan(service.state, planId);
          if (plan === undefined) throw new CoordinatorError("not_found", `plan ${planId}`);
          return { ...plan, rate: null, etaSeconds: null };
        }),
      listPlans: (query, o) =>
        call("listPlans", [query], o, async () => listPlans(service.state, { ...query })),
      close: async () => {},
    } as WorkerClient;
  }

  private async intercept<T>(
    method: Method,
    args: unknown[],
    o: CallOptions | undefined,
    run: () => Promise<T>,
  ): Promise<T> {
    this.calls.push({ method, args, clientId: o?.session?.clientId, seq: o?.session?.seq });
    const failure = this.failures.get(method)?.shift();
    if (failure !== undefined) throw failure;
    const hold = this.holds.find((h) => h.method === method);
    if (hold !== undefined && !hold.afterApply) await abortable(hold.release, o?.signal);
    const answer = await run();
    if (hold?.afterApply === true) await abortable(hold.release, o?.signal);
    if (this.lostAnswers.delete(method)) {
      throw new CoordinatorError("proposal_timeout", `the answer of ${method} was lost`);
    }
    return answer;
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  return new Promise((resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    void promise.then(resolve);
  });
}
