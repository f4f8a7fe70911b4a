/**
 * The clients of a simulated cluster (docs/SIMULATION.md §2.4). They call the production
 * `NodeService` — the interface the HTTP routes call — of a random live node, and a write that
 * lands on a follower is forwarded once to the leader it names (one hop after a network delay,
 * as src/api forwards it). Each client has one request in flight and its own client session
 * (clientId, seq), so retries are exactly-once:
 *
 * - the submitter creates the seed's plans (retrying one whose outcome is unknown);
 * - workers register, heartbeat, acquire, write each partition's rows into the fencing
 *   resource under its token, checkpoint progress, and complete (or now and then fail) it;
 * - the operator pauses, resumes, cancels, retries failed partitions, transfers leadership and
 *   takes snapshots during the fault phase, and after healing resumes and retries what it must
 *   so that every plan can complete;
 * - the reader issues linearizable reads of the plan list on random nodes.
 */
import { CoordinatorError } from "../../src/errors.js";
import type { CoordinatorNode } from "../../src/node/coordinator-node.js";
import {
  listPlans,
  type ApplyResult,
  type Command,
  type CoordinatorState,
} from "../../src/state-machine/index.js";
import type { Prng } from "../../src/util/prng.js";
import type { CoordinatorChecker, Holding } from "./coordinator-checker.js";
import type { SimNode } from "./sim-cluster.js";
import type { World } from "./world.js";

/** How hard the clients push in one seed. */
export interface WorkloadConfig {
  readonly plans: number;
  readonly partitionsPerPlanMax: number;
  readonly rowsPerPartition: number;
  readonly workers: number;
  /** Mean virtual ms between two steps of one client. */
  readonly stepMsMean: number;
  readonly leaseTtlMs: number;
  readonly heartbeatIntervalMs: number;
  /** Chance a worker fails a partition instead of completing it. */
  readonly failProbability: number;
  /** Whether the operator acts during the fault phase. */
  readonly operator: boolean;
  /** A request not answered in this long has an unknown outcome (its node may have died). */
  readonly requestTimeoutMs: number;
}

type Outcome<T> =
  | { readonly kind: "answered"; readonly node: CoordinatorNode; readonly value: T }
  | { readonly kind: "refused"; readonly code: string }
  | { readonly kind: "unknown" };

/** Errors after which the request provably had no effect. */
const REFUSED = new Set(["not_leader", "no_leader", "node_stopping", "invalid_request"]);

/** What the workload did, for summaries. */
export interface WorkloadStats {
  requests: number;
  answered: number;
  refused: number;
  unknown: number;
  forwarded: number;
}

/**
 * The downstream resource the workers write into (as the demo's SQLite does): a write of a
 * partition is accepted only under a fencing token ≥ the highest it has seen for it.
 */
export class FencingResource {
  private readonly highest = new Map<string, number>();

  constructor(private readonly checker: CoordinatorChecker) {}

  /** Writes rows of partition `key` under `token`; whether the write was accepted. */
  write(key: string, token: number): boolean {
    const highest = this.highest.get(key) ?? 0;
    const accepted = token >= highest;
    if (accepted) this.highest.set(key, token);
    this.checker.resourceWrite(key, token, accepted);
    return accepted;
  }
}

/** Every client of one run. */
export class Workload {
  readonly stats: WorkloadStats = {
    requests: 0,
    answered: 0,
    refused: 0,
    unknown: 0,
    forwarded: 0,
  };
  private healed = false;
  private nextPlan = 0;
  private readonly cancelled = new Set<string>();
  private readonly created: string[] = [];
  private readonly seqs = new Map<string, number>();
  private stopped = false;
  readonly resource: FencingResource;

  constructor(
    private readonly world: World,
    private readonly nodes: readonly SimNode[],
    private readonly prng: Prng,
    private readonly config: WorkloadConfig,
    private readonly checker: CoordinatorChecker,
    private readonly trace: (line: () => string) => void,
  ) {
    this.resource = new FencingResource(checker);
  }

  /** Every client stops after its current request (the run is ending). */
  stop(): void {
    this.stopped = true;
  }

  /** Starts every client. */
  start(): void {
    this.loop("submitter", () => this.submit());
    for (let w = 1; w <= this.config.workers; w++) {
      const worker = new SimWorker(`w${w}`, this);
      this.loop(worker.workerId, () => worker.step());
    }
    this.loop("operator", () => this.operate());
    this.loop("reader", () => this.readPlans());
  }

  /** Faults are over: the operator now only mends (resumes, retries failed). */
  heal(): void {
    this.healed = true;
  }

  /** Plans whose creation was acknowledged and that were not cancelled. */
  plansToComplete(): string[] {
    return this.created.filter((planId) => !this.cancelled.has(planId));
  }

  /** Whether every plan was created and every one not cancelled is completed in `state`. */
  allPlansDone(state: CoordinatorState): boolean {
    if (this.created.length < this.config.plans) return false;
    const plans = listPlans(state, { limit: 1_000 }).items;
    return this.plansToComplete().every(
      (planId) => plans.find((p) => p.planId === planId)?.status === "completed",
    );
  }

  get checks(): CoordinatorChecker {
    return this.checker;
  }

  get settings(): WorkloadConfig {
    return this.config;
  }

  get now(): number {
    return this.world.nowMs;
  }

  drawFloat(): number {
    return this.prng.nextFloat();
  }

  /** Runs `step` of one client again and again, one at a time, with random pauses. */
  private loop(name: string, step: () => Promise<void>): void {
    const again = (): void =>
      this.world.at(
        this.world.nowMs + 1 + this.prng.nextInt(2 * this.config.stepMsMean),
        "client",
        -1,
        () => {
          if (this.stopped) return;
          void step().then(again, (error: unknown) => {
            this.trace(() => `client ${name} crashed: ${String(error)}`);
            throw error;
          });
        },
      );
    again();
  }

  /** Waits `ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.world.at(this.world.nowMs + ms, "client", -1, resolve));
  }

  /** A random live node's service, or null. */
  private anyNode(): CoordinatorNode | null {
    const node = this.nodes[this.prng.nextInt(this.nodes.length)];
    return node?.paused === false ? node.node : null;
  }

  /**
   * Calls `fn` on a random node; a `not_leader` answer is forwarded once to the named leader.
   * The outcome is unknown when no answer comes within the request timeout.
   */
  async call<T>(fn: (node: CoordinatorNode) => Promise<T>): Promise<Outcome<T>> {
    this.stats.requests++;
    const outcome = await this.within(async (): Promise<Outcome<T>> => {
      const first = this.anyNode();
      if (first === null) return { kind: "refused", code: "unreachable" };
      const answer = await this.attempt(first, fn);
      if (answer.kind !== "refused" || answer.code !== "not_leader") return answer;
      const leaderId = first.leader().leaderId;
      const leader = this.nodes.find((n) => n.id === leaderId);
      this.stats.forwarded++;
      await this.sleep(1 + this.prng.nextInt(5));
      if (leader?.node === null || leader?.node === undefined || leader.paused) {
        return { kind: "refused", code: "unreachable" };
      }
      return this.attempt(leader.node, fn);
    });
    this.stats[outcome.kind === "answered" ? "answered" : outcome.kind]++;
    return outcome;
  }

  private async attempt<T>(
    node: CoordinatorNode,
    fn: (node: CoordinatorNode) => Promise<T>,
  ): Promise<Outcome<T>> {
    try {
      return { kind: "answered", node, value: await fn(node) };
    } catch (error) {
      if (!(error instanceof CoordinatorError)) throw error;
      return REFUSED.has(error.code) || error.code === "proposal_dropped"
        ? { kind: "refused", code: error.code }
        : { kind: "unknown" };
    }
  }

  private within<T>(run: () => Promise<Outcome<T>>): Promise<Outcome<T>> {
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: Outcome<T>): void => {
        if (settled) return;
        settled = true;
        resolve(outcome);
      };
      const deadlineMs = this.world.nowMs + this.config.requestTimeoutMs;
      const expire = () => finish({ kind: "unknown" });
      this.world.at(deadlineMs, "client", -1, expire, () => !settled);
      void run().then(finish);
    });
  }

  /**
   * Proposes `command` in the session of `clientId` (a new seq, or `retrySeq`), and reports
   * an answer to the checker. Resolves with the result, null when refused, undefined when unknown.
   */
  async propose(
    clientId: string,
    command: Command,
    retrySeq?: number,
  ): Promise<{ result: ApplyResult | null | undefined; seq: number }> {
    const seq = retrySeq ?? (this.seqs.get(clientId) ?? 0) + 1;
    this.seqs.set(clientId, Math.max(seq, this.seqs.get(clientId) ?? 0));
    const outcome = await this.call((node) => node.propose(command, { clientId, seq }));
    if (outcome.kind === "answered") {
      this.checker.acknowledged(outcome.node.nodeId, clientId, seq);
      return { result: outcome.value, seq };
    }
    return { result: outcome.kind === "refused" ? null : undefined, seq };
  }

  private pendingPlanSeq: number | undefined;

  private async submit(): Promise<void> {
    if (this.nextPlan >= this.config.plans) return;
    const planId = `plan-${this.nextPlan + 1}`;
    const partitions = 1 + this.prng.nextInt(this.config.partitionsPerPlanMax);
    const size = this.config.rowsPerPartition;
    const command: Command = {
      type: "CreatePlan",
      planId,
      minId: 1,
      maxId: partitions * size,
      partitionSize: size,
      maxAttempts: 3,
    };
    const callAtMs = this.world.nowMs;
    const { result, seq } = await this.propose("submitter", command, this.pendingPlanSeq);
    if (result !== null) {
      this.checker.history.push({
        clientId: "submitter",
        input: { op: "create", planId },
        output: result === undefined ? undefined : { kind: "created" },
        callAtMs,
        returnAtMs: result === undefined ? Infinity : this.world.nowMs,
      });
    }
    this.pendingPlanSeq = result === undefined ? seq : undefined;
    if (result?.status === "ok") {
      this.checker.planCreated(planId);
      this.created.push(planId);
      this.nextPlan++;
      this.trace(() => `client submitter created ${planId} (${partitions} partitions)`);
    }
  }

  private async operate(): Promise<void> {
    if (this.created.length === 0) return;
    if (this.healed) return this.mend();
    if (!this.config.operator || this.prng.nextInt(10) !== 0) return;
    const planId = this.created[this.prng.nextInt(this.created.length)] ?? "p1";
    const action = this.prng.nextInt(12);
    if (action < 3) await this.propose("operator", { type: "PausePlan", planId });
    else if (action < 7) await this.propose("operator", { type: "ResumePlan", planId });
    else if (action < 8) {
      const { result } = await this.propose("operator", { type: "CancelPlan", planId });
      if (result !== null) this.cancelled.add(planId);
    } else if (action < 9) await this.propose("operator", { type: "RetryFailed", planId });
    else if (action < 11) await this.call((node) => node.transferLeadership());
    else await this.call((node) => node.snapshotNow());
  }

  /** After healing: resume paused plans and retry failed partitions, so every plan can end. */
  private async mend(): Promise<void> {
    const outcome = await this.call((node) =>
      node.read((state) => listPlans(state, { limit: 1_000 }).items, "linearizable"),
    );
    if (outcome.kind !== "answered") return;
    for (const plan of outcome.value) {
      if (this.cancelled.has(plan.planId)) continue;
      if (plan.status === "paused")
        await this.propose("operator", { type: "ResumePlan", planId: plan.planId });
      if (plan.counts.failed > 0)
        await this.propose("operator", { type: "RetryFailed", planId: plan.planId });
    }
  }

  /** A linearizable read of the plan list and of every client session's last seq. */
  private async readPlans(): Promise<void> {
    const mustSee = this.checker.readBegins();
    const clients = [...mustSee.seqs.keys()];
    const callAtMs = this.world.nowMs;
    const outcome = await this.call((node) =>
      node.read(
        (state) => ({
          planIds: listPlans(state, { limit: 1_000 }).items.map((p) => p.planId),
          seqs: clients.map((clientId) => state.sessions.get(clientId)?.seq ?? 0),
        }),
        "linearizable",
      ),
    );
    if (outcome.kind !== "answered") return;
    const { planIds, seqs } = outcome.value;
    this.checker.readAnswered(
      outcome.node.nodeId,
      mustSee,
      planIds,
      new Map(clients.map((c, i) => [c, seqs[i] ?? 0])),
    );
    this.checker.history.push({
      clientId: "reader",
      input: { op: "read" },
      output: { kind: "read", planIds },
      callAtMs,
      returnAtMs: this.world.nowMs,
    });
  }
}

interface Held {
  readonly key: string;
  readonly planId: string;
  readonly partitionId: number;
  readonly minId: number;
  readonly maxId: number;
  readonly holding: Holding;
  nextId: number;
}

/** One worker: its session, its lease and what it believes it holds. */
class SimWorker {
  private registered = false;
  private lastHeartbeatMs = -Infinity;
  private readonly held = new Map<string, Held>();

  constructor(
    readonly workerId: string,
    private readonly w: Workload,
  ) {}

  async step(): Promise<void> {
    if (!this.registered) return this.register();
    if (this.w.now - this.lastHeartbeatMs >= this.w.settings.heartbeatIntervalMs)
      return this.heartbeat();
    const first = this.held.values().next();
    if (first.done === true) return this.acquire();
    return this.work(first.value);
  }

  private async register(): Promise<void> {
    const { result } = await this.w.propose(this.workerId, {
      type: "RegisterWorker",
      workerId: this.workerId,
      leaseTtlMs: this.w.settings.leaseTtlMs,
      windowSize: 1,
    });
    if (result?.status !== "ok") return;
    this.dropAll();
    this.registered = true;
    this.lastHeartbeatMs = this.w.now;
  }

  private async heartbeat(): Promise<void> {
    const { result } = await this.w.propose(this.workerId, {
      type: "Heartbeat",
      workerId: this.workerId,
    });
    if (result === null || result === undefined) return;
    if (
      result.status !== "ok" ||
      result.type !== "Heartbeat" ||
      result.workerStatus === "expired"
    ) {
      this.registered = false;
      this.dropAll();
      return;
    }
    this.lastHeartbeatMs = this.w.now;
    const still = new Set(result.held.map((h) => `${h.planId}/${h.partitionId}#${h.fencingToken}`));
    for (const held of [...this.held.values()]) {
      if (still.has(`${held.key}#${held.holding.fencingToken}`)) {
        held.holding.confirmedUntilMs = result.leaseExpiresAtMs;
      } else this.drop(held);
    }
    // Granted by a request whose answer was lost: give it back, it cannot be resumed here.
    for (const h of result.held) {
      if (this.held.has(`${h.planId}/${h.partitionId}`)) continue;
      await this.w.propose(this.workerId, {
        type: "ReleasePartition",
        ...h,
        workerId: this.workerId,
      });
    }
  }

  private async acquire(): Promise<void> {
    const { result } = await this.w.propose(this.workerId, {
      type: "AcquirePartitions",
      workerId: this.workerId,
      max: 1,
    });
    if (result === null || result === undefined) return;
    if (result.status !== "ok" || result.type !== "AcquirePartitions") {
      if (result.status !== "ok") this.registered = false;
      return;
    }
    if (result.duplicate) return;
    const grantedAtMs = result.leaseExpiresAtMs - this.w.settings.leaseTtlMs;
    for (const grant of result.granted) {
      const holding = this.w.checks.granted(this.workerId, grant, grantedAtMs);
      holding.confirmedUntilMs = result.leaseExpiresAtMs;
      const key = `${grant.planId}/${grant.partitionId}`;
      const nextId = (grant.checkpointId ?? grant.minId - 1) + 1;
      this.held.set(key, {
        key,
        planId: grant.planId,
        partitionId: grant.partitionId,
        minId: grant.minId,
        maxId: grant.maxId,
        holding,
        nextId,
      });
    }
  }

  /** Writes the next rows under the token, then checkpoints; completes (or fails) at the end. */
  private async work(held: Held): Promise<void> {
    const report = {
      planId: held.planId,
      partitionId: held.partitionId,
      workerId: this.workerId,
      fencingToken: held.holding.fencingToken,
    };
    if (held.nextId > held.maxId) {
      const fail = this.w.drawFloat() < this.w.settings.failProbability;
      const command: Command = fail
        ? { type: "FailPartition", ...report, error: "simulated failure", retryable: true }
        : { type: "CompletePartition", ...report };
      const { result } = await this.w.propose(this.workerId, command);
      if (result !== null && result !== undefined) this.drop(held);
      return;
    }
    const lastId = Math.min(held.maxId, held.nextId + 2);
    if (!this.w.resource.write(held.key, held.holding.fencingToken)) {
      this.drop(held);
      return;
    }
    const { result } = await this.w.propose(this.workerId, {
      type: "ReportProgress",
      ...report,
      checkpointId: lastId,
      processedCount: lastId - held.minId + 1,
    });
    if (result?.status === "ok") held.nextId = lastId + 1;
    else if (result !== null && result !== undefined) this.drop(held);
  }

  private drop(held: Held): void {
    this.held.delete(held.key);
    this.w.checks.released(held.key, held.holding);
  }

  private dropAll(): void {
    for (const held of [...this.held.values()]) this.drop(held);
  }
}
