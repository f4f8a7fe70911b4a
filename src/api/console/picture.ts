/**
 * What the console's push stream says (docs/API.md "Console"): the picture of the cluster as one
 * node sees it — every member's Raft status, the plans with their counts, rate and ETA, the
 * workers with their leases and held partitions — and the update from one picture to the next.
 * An update names only what changed: the plans and workers whose card differs (a plan's card
 * carries the change of its counts by status since the last message, so partition changes
 * arrive aggregated per plan however many partitions moved), the ones gone, and the node table
 * when it differs. Pure: pictures in, messages out.
 */
import type { RaftStatusView } from "../../node/service.js";
import type { PlanView, WorkerView } from "../../state-machine/index.js";
import type { HeldPartition, PartitionStatus } from "../../state-machine/index.js";
import type { PlanRate } from "../progress-sampler.js";

/** One member of the cluster as the streaming node sees it. */
export interface NodeCard {
  readonly id: string;
  /** Its HTTP base URL; the console reconnects to another member through it. */
  readonly url: string;
  /** The streaming node itself. */
  readonly self: boolean;
  /** Its Raft status answered (the last poll, or itself); false: down or cut off from here. */
  readonly reachable: boolean;
  readonly role: RaftStatusView["role"] | null;
  readonly term: number | null;
  readonly leaderId: string | null;
  readonly commitIndex: number | null;
  readonly lastApplied: number | null;
  readonly lastLogIndex: number | null;
  readonly snapshotIndex: number | null;
  /** From the leader's progress view (null when no reachable leader tracks it, or it leads). */
  readonly matchIndex: number | null;
  /** Entries it lacks: the leader's last log index − its matchIndex. */
  readonly lagEntries: number | null;
  /** Whether the leader's peer link to it is up. */
  readonly connected: boolean | null;
  /** Ms since the leader last heard from it. */
  readonly lastContactMs: number | null;
}

/** A leader change or an election attempt this node saw. */
export interface TimelineEvent {
  readonly atMs: number;
  /** "leader": a leader became known; "election": this node stood (PreCandidate/Candidate); "no-leader": it lost sight of one. */
  readonly kind: "leader" | "election" | "no-leader";
  readonly term: number;
  readonly leaderId: string | null;
  /** The node that saw it. */
  readonly nodeId: string;
}

/** A plan on the console. */
export interface PlanCard {
  readonly planId: string;
  readonly name: string;
  readonly namespace: string;
  readonly status: PlanView["status"];
  readonly closed: boolean;
  readonly partitionCount: number;
  readonly counts: Readonly<Record<PartitionStatus, number>>;
  /** How `counts` changed since the previous message (absent in a full picture). */
  readonly countsDelta?: Partial<Record<PartitionStatus, number>>;
  readonly processedCount: number;
  readonly progress: number;
  readonly createdAtMs: number;
  readonly rate: PlanRate | null;
  readonly etaSeconds: number | null;
}

/** A worker on the console. */
export interface WorkerCard {
  readonly workerId: string;
  readonly namespace: string;
  readonly status: WorkerView["status"];
  readonly windowSize: number;
  readonly leaseTtlMs: number;
  readonly leaseExpiresAtMs: number;
  /** When its lease was last renewed (leaseExpiresAtMs − leaseTtlMs): its lease age is now − this. */
  readonly leaseRenewedAtMs: number;
  readonly held: readonly HeldPartition[];
  /** Partitions it completed per second over the rate window, as this node applied them. */
  readonly completedPerSecond: number;
  readonly meta: WorkerView["meta"];
}

/** The whole picture: the first message of a stream, and what a lagging client is sent. */
export interface Picture {
  readonly nodeId: string;
  readonly atMs: number;
  readonly appliedIndex: number;
  readonly leader: { readonly id: string | null; readonly term: number };
  readonly nodes: readonly NodeCard[];
  readonly commandsPerSecond: number;
  readonly plans: readonly PlanCard[];
  /** All plans, of which `plans` lists at most constants.consolePlansMax. */
  readonly plansTotal: number;
  readonly workers: readonly WorkerCard[];
  readonly workersTotal: number;
}

/** What changed between two pictures; empty sections are left out. */
export interface PictureUpdate {
  readonly atMs: number;
  readonly appliedIndex: number;
  readonly leader: Picture["leader"];
  readonly commandsPerSecond: number;
  readonly nodes?: readonly NodeCard[];
  readonly plans?: readonly PlanCard[];
  readonly plansRemoved?: readonly string[];
  readonly plansTotal: number;
  readonly workers?: readonly WorkerCard[];
  readonly workersRemoved?: readonly string[];
  readonly workersTotal: number;
}

/** The card of `plan` with this node's rate and ETA. */
export function planCard(plan: PlanView, rate: PlanRate | null, eta: number | null): PlanCard {
  return {
    planId: plan.planId,
    name: plan.name,
    namespace: plan.namespace,
    status: plan.status,
    closed: plan.closed,
    partitionCount: plan.partitionCount,
    counts: plan.counts,
    processedCount: plan.processedCount,
    progress: plan.progress,
    createdAtMs: plan.createdAtMs,
    rate,
    etaSeconds: eta,
  };
}

/** The card of `worker`, with its completion rate. */
export function workerCard(worker: WorkerView, completedPerSecond: number): WorkerCard {
  return {
    workerId: worker.workerId,
    namespace: worker.namespace,
    status: worker.status,
    windowSize: worker.windowSize,
    leaseTtlMs: worker.leaseTtlMs,
    leaseExpiresAtMs: worker.leaseExpiresAtMs,
    leaseRenewedAtMs: worker.leaseExpiresAtMs - worker.leaseTtlMs,
    held: worker.held,
    completedPerSecond,
    meta: worker.meta,
  };
}

/** Raft status of a member: its own view, or null when it did not answer. */
export interface MemberStatus {
  readonly id: string;
  readonly url: string;
  readonly status: RaftStatusView | null;
}

/**
 * The node table: each member's own status, with its replication progress taken from the
 * leader's view when a reachable member leads (only a leader tracks matchIndex).
 */
export function nodeCards(selfId: string, members: readonly MemberStatus[]): NodeCard[] {
  const leader = members.find((m) => m.status?.role === "Leader")?.status ?? null;
  return members.map(({ id, url, status }) => {
    const progress = leader?.peers.find((peer) => peer.id === id);
    return {
      id,
      url,
      self: id === selfId,
      reachable: status !== null,
      role: status?.role ?? null,
      term: status?.term ?? null,
      leaderId: status?.leaderId ?? null,
      commitIndex: status?.commitIndex ?? null,
      lastApplied: status?.lastApplied ?? null,
      lastLogIndex: status?.lastLogIndex ?? null,
      snapshotIndex: status?.snapshotIndex ?? null,
      matchIndex: progress?.matchIndex ?? null,
      lagEntries:
        progress === undefined || leader === null
          ? null
          : Math.max(0, leader.lastLogIndex - progress.matchIndex),
      connected: progress?.connected ?? null,
      lastContactMs: progress?.lastContactMs ?? null,
    };
  });
}

/** The update that turns `previous` into `next`. */
export function diffPictures(previous: Picture, next: Picture): PictureUpdate {
  const plans = changedCards(previous.plans, next.plans, (card) => card.planId);
  const workers = changedCards(previous.workers, next.workers, (card) => card.workerId);
  const before = new Map(previous.plans.map((card) => [card.planId, card]));
  const plansWithDelta = plans.changed.map((card) => withDelta(card, before.get(card.planId)));
  const nodesChanged = JSON.stringify(previous.nodes) !== JSON.stringify(next.nodes);
  return {
    atMs: next.atMs,
    appliedIndex: next.appliedIndex,
    leader: next.leader,
    commandsPerSecond: next.commandsPerSecond,
    ...(nodesChanged ? { nodes: next.nodes } : {}),
    ...(plansWithDelta.length > 0 ? { plans: plansWithDelta } : {}),
    ...(plans.removed.length > 0 ? { plansRemoved: plans.removed } : {}),
    plansTotal: next.plansTotal,
    ...(workers.changed.length > 0 ? { workers: workers.changed } : {}),
    ...(workers.removed.length > 0 ? { workersRemoved: workers.removed } : {}),
    workersTotal: next.workersTotal,
  };
}

/** Whether `update` says anything beyond the figures every update repeats. */
export function isQuiet(update: PictureUpdate, previous: Picture): boolean {
  return (
    update.nodes === undefined &&
    update.plans === undefined &&
    update.plansRemoved === undefined &&
    update.workers === undefined &&
    update.workersRemoved === undefined &&
    update.leader.id === previous.leader.id &&
    update.leader.term === previous.leader.term &&
    update.commandsPerSecond === previous.commandsPerSecond &&
    update.plansTotal === previous.plansTotal &&
    update.workersTotal === previous.workersTotal
  );
}

function changedCards<C>(
  previous: readonly C[],
  next: readonly C[],
  keyOf: (card: C) => string,
): { changed: C[]; removed: string[] } {
  const before = new Map(previous.map((card) => [keyOf(card), JSON.stringify(card)]));
  const changed = next.filter((card) => before.get(keyOf(card)) !== JSON.stringify(card));
  const present = new Set(next.map(keyOf));
  const removed = [...before.keys()].filter((key) => !present.has(key));
  return { changed, removed };
}

function withDelta(card: PlanCard, previous: PlanCard | undefined): PlanCard {
  const delta: Partial<Record<PartitionStatus, number>> = {};
  for (const [status, count] of Object.entries(card.counts) as [PartitionStatus, number][]) {
    const change = count - (previous?.counts[status] ?? 0);
    if (change !== 0) delta[status] = change;
  }
  return { ...card, countsDelta: delta };
}
