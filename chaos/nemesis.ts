/**
 * Strikes the faults of a nemesis schedule (./nemesis-plan.ts) on a running chaos cluster, one
 * at a time: resolve the targets (who leads now), inject, wait the fault's duration, heal it.
 * For faults that take the leader away it measures the failover: the time until any node
 * reports leading a higher term. Every wait is bounded and stops early on the run's abort.
 * Node ids in a planned fault name slots (./nemesis-plan.ts): they are struck on the node that
 * holds the slot now, a replacement included.
 */
import type { ChaosCluster } from "./cluster.js";
import { describeEvent, type Link, type NemesisEvent } from "./nemesis-plan.js";
import { replaceNode } from "./replace-node.js";
import type { StatusSampler } from "./status-sampler.js";

/** A failover not seen within this long is recorded as this long. */
const FAILOVER_WAIT_MS_MAX = 20_000;
const FAILOVER_POLL_MS = 25;

/** What the nemesis needs from the run. */
export interface NemesisContext {
  readonly cluster: ChaosCluster;
  readonly sampler: StatusSampler;
  /** Ms since the run started (monotonic). */
  readonly nowMs: () => number;
  /** When (on `nowMs`) the schedule's time 0 is: the cluster has a leader. */
  readonly startAtMs: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
  /** Whether a worker wrote to the fencing store within `withinMs` (is mid-partition). */
  readonly wroteRecently: (workerId: string, withinMs: number) => boolean;
}

/** A worker that wrote this recently is taken to be mid-partition. */
const MID_PARTITION_MS = 200;

/** What was struck, for the report. */
export interface NemesisTally {
  events: number;
  leaderKills: number;
  netsplits: number;
  pauses: number;
  failpointsFired: number;
  /** Nodes replaced by new ones (replace-node). */
  replacements: number;
  readonly failoverMs: number[];
  /** One line per fault as struck (targets resolved). */
  readonly struck: string[];
}

/** Runs the schedule; resolves after the last fault is healed (or at once on abort). */
export async function runNemeses(
  events: readonly NemesisEvent[],
  context: NemesisContext,
): Promise<NemesisTally> {
  const tally: NemesisTally = {
    events: 0,
    leaderKills: 0,
    netsplits: 0,
    pauses: 0,
    failpointsFired: 0,
    replacements: 0,
    failoverMs: [],
    struck: [],
  };
  const failovers: Promise<void>[] = [];
  for (const event of events) {
    await sleep(context.startAtMs + event.atMs - context.nowMs(), context.signal);
    if (context.signal.aborted) break;
    const leaderBefore = context.sampler.leader;
    const struckAtMs = context.nowMs();
    const targets = await strike(event, context, tally);
    tally.events += 1;
    const line = `${describeEvent(event)} → ${targets}`;
    tally.struck.push(line);
    context.log(`nemesis ${line}`);
    if (leaderBefore !== null && takesLeaderAway(event, leaderBefore.nodeId)) {
      failovers.push(measureFailover(context, leaderBefore.term, tally));
    }
    await sleep(struckAtMs + event.durationMs - context.nowMs(), context.signal);
    await heal(event, context, tally);
  }
  await Promise.all(failovers);
  return tally;
}

/** Whether the fault cuts `leader` off from a majority or stops it (a failover must follow). */
function takesLeaderAway(event: NemesisEvent, leader: string): boolean {
  const { kind } = event.fault;
  if (event.fault.kind === "split-minority") return event.fault.minority.includes(leader);
  if (event.fault.kind === "replace-node") return event.fault.onLeader;
  return (
    kind === "kill-leader" ||
    kind === "pause-leader" ||
    kind === "isolate-leader" ||
    kind === "kill-all-nodes" ||
    (kind === "one-way-cut" && event.fault.leaderOutbound)
  );
}

async function measureFailover(context: NemesisContext, termBefore: number, tally: NemesisTally) {
  const started = context.nowMs();
  while (context.nowMs() - started < FAILOVER_WAIT_MS_MAX && !context.signal.aborted) {
    const leader = context.sampler.leader;
    if (leader !== null && leader.term > termBefore) {
      tally.failoverMs.push(Math.max(0, leader.atMs - started));
      return;
    }
    await sleep(FAILOVER_POLL_MS, context.signal);
  }
  tally.failoverMs.push(FAILOVER_WAIT_MS_MAX);
}

/** The last leader sampled, if it is still a node of the cluster (not replaced), else slot 0's. */
function leaderId(context: NemesisContext): string {
  const leader = context.sampler.leader?.nodeId;
  const ids = context.cluster.nodeIds;
  return leader !== undefined && ids.includes(leader) ? leader : ids[0]!;
}

/** The node that holds the slot `planned` names (n<k>: slot k-1, ./nemesis-plan.ts). */
function inSlot(context: NemesisContext, planned: string): string {
  return context.cluster.nodeIds[Number(planned.slice(1)) - 1] ?? planned;
}

function followerId(context: NemesisContext, k: number): string {
  const leader = leaderId(context);
  const followers = context.cluster.nodeIds.filter((id) => id !== leader);
  return followers[k % followers.length]!;
}

/**
 * The first slot from `drawn` on whose worker is mid-partition (so the kill or pause strikes
 * work in progress), else `drawn`.
 */
function busySlot(context: NemesisContext, drawn: number): number {
  const slots = context.cluster.workerSlots;
  for (let i = 0; i < slots; i += 1) {
    const slot = (drawn + i) % slots;
    if (context.wroteRecently(context.cluster.workerIdOf(slot), MID_PARTITION_MS)) return slot;
  }
  return drawn;
}

/** Injects the fault; returns the resolved targets as text. */
async function strike(event: NemesisEvent, context: NemesisContext, tally: NemesisTally) {
  const { cluster } = context;
  const fault = event.fault;
  switch (fault.kind) {
    case "kill-leader":
    case "kill-follower": {
      const id =
        fault.kind === "kill-leader" ? leaderId(context) : followerId(context, fault.follower);
      if (fault.kind === "kill-leader") tally.leaderKills += 1;
      await cluster.killNode(id);
      return id;
    }
    case "pause-leader":
    case "pause-follower": {
      const id =
        fault.kind === "pause-leader" ? leaderId(context) : followerId(context, fault.follower);
      tally.pauses += 1;
      cluster.pauseNode(id);
      return id;
    }
    case "kill-all-nodes":
      tally.leaderKills += 1;
      await Promise.all(cluster.nodeIds.map((id) => cluster.killNode(id)));
      return "all nodes";
    case "kill-worker": {
      const slot = busySlot(context, fault.slot);
      await cluster.killWorker(slot);
      return cluster.workerIdOf(slot);
    }
    case "pause-worker": {
      const slot = busySlot(context, fault.slot);
      tally.pauses += 1;
      cluster.pauseWorker(slot);
      return cluster.workerIdOf(slot);
    }
    case "failpoint": {
      const id = fault.onLeader ? leaderId(context) : followerId(context, fault.follower);
      await cluster.killNode(id);
      await sleep(fault.downMs, context.signal);
      cluster.restartNode(id, `${fault.failpoint}@${fault.armAfterMs}`);
      return id;
    }
    case "replace-node": {
      const id = fault.onLeader ? leaderId(context) : followerId(context, fault.follower);
      if (fault.onLeader) tally.leaderKills += 1;
      const newId = await replaceNode(context, id);
      tally.replacements += 1;
      return `${id} replaced by ${newId}`;
    }
    default: {
      tally.netsplits += 1;
      const cut = netsplitLinks(event, context);
      applyLinks(event, context, cut);
      return cut.map((link) => `${link.from}→${link.to}`).join(" ");
    }
  }
}

/** The directed links a netsplit cuts (or, for flaky links, degrades). */
function netsplitLinks(event: NemesisEvent, context: NemesisContext): Link[] {
  const ids = context.cluster.nodeIds;
  const fault = event.fault;
  const slotted = (links: readonly Link[]): Link[] =>
    links.map((link) => ({ from: inSlot(context, link.from), to: inSlot(context, link.to) }));
  const both = (a: string, b: string): Link[] => [
    { from: a, to: b },
    { from: b, to: a },
  ];
  switch (fault.kind) {
    case "isolate-leader": {
      const leader = leaderId(context);
      return ids.filter((id) => id !== leader).flatMap((id) => both(leader, id));
    }
    case "split-minority": {
      const minority = fault.minority.map((id) => inSlot(context, id));
      return minority.flatMap((a) =>
        ids.filter((b) => !minority.includes(b)).flatMap((b) => both(a, b)),
      );
    }
    case "one-way-cut": {
      if (!fault.leaderOutbound) return slotted(fault.links);
      const leader = leaderId(context);
      return ids.filter((id) => id !== leader).map((to) => ({ from: leader, to }));
    }
    case "ring":
      return slotted(fault.cut);
    case "flaky-links":
      return slotted([...fault.lossy, ...fault.delayed]);
    default:
      return [];
  }
}

function applyLinks(event: NemesisEvent, context: NemesisContext, links: readonly Link[]): void {
  const { cluster } = context;
  const fault = event.fault;
  if (fault.kind === "flaky-links") {
    // `links` are the lossy ones, then the delayed ones (netsplitLinks).
    for (const [i, link] of links.entries()) {
      cluster.links.set(
        link.from,
        link.to,
        i < fault.lossy.length
          ? { kind: "lossy", dropProbability: fault.dropProbability }
          : { kind: "delay", delayMs: fault.delayMs },
      );
    }
    return;
  }
  for (const link of links) cluster.links.set(link.from, link.to, { kind: "cut" });
}

/** Undoes the fault (a failpoint node that has not crashed by now is killed and restarted). */
async function heal(event: NemesisEvent, context: NemesisContext, tally: NemesisTally) {
  const { cluster } = context;
  const fault = event.fault;
  if (fault.kind === "failpoint") {
    for (const id of cluster.nodeIds.filter((node) => cluster.armedFailpoints(node))) {
      if (cluster.running(id)) await cluster.killNode(id);
      else tally.failpointsFired += 1;
    }
  }
  if (fault.kind === "kill-worker" || fault.kind === "pause-worker") {
    for (let slot = 0; slot < cluster.workerSlots; slot += 1) {
      cluster.resumeWorker(slot);
      cluster.restartWorker(slot);
    }
    return;
  }
  cluster.links.healAll();
  for (const id of cluster.nodeIds) {
    cluster.resumeNode(id);
    if (!cluster.running(id)) cluster.restartNode(id);
  }
}

/** Waits `ms` (nothing when ≤ 0), or less when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
