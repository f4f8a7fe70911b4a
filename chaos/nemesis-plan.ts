/**
 * The nemesis schedule of a chaos run, drawn from its seed alone: the same seed,
 * duration and cluster shape give the same list of faults, each with its time, duration and
 * targets, printed at the start of the run so a failure can be replayed. Targets that depend on
 * the moment ("the leader", "follower #k") are resolved when the fault is struck. Node ids in a
 * fault name SLOTS: n<k> is whichever node holds slot k-1 when the fault strikes (a replaced
 * node's successor takes its slot, ./cluster.ts).
 */
import { FAILPOINTS, type Failpoint } from "../src/node/failpoints.js";
import { createPrng, type Prng } from "../src/util/prng.js";

/** A directed link. */
export interface Link {
  readonly from: string;
  readonly to: string;
}

/** What a fault does (targets already drawn where they do not depend on the leader). */
export type Fault =
  | { readonly kind: "kill-leader" }
  | { readonly kind: "kill-follower"; readonly follower: number }
  | { readonly kind: "pause-leader" }
  | { readonly kind: "pause-follower"; readonly follower: number }
  | { readonly kind: "isolate-leader" }
  | { readonly kind: "split-minority"; readonly minority: readonly string[] }
  | {
      readonly kind: "one-way-cut";
      readonly leaderOutbound: boolean;
      readonly links: readonly Link[];
    }
  | { readonly kind: "ring"; readonly cut: readonly Link[] }
  | {
      readonly kind: "flaky-links";
      readonly lossy: readonly Link[];
      readonly delayed: readonly Link[];
      readonly dropProbability: number;
      readonly delayMs: number;
    }
  /** `slot`: where the search for a worker that is mid-partition starts (at strike time). */
  | { readonly kind: "kill-worker"; readonly slot: number }
  | { readonly kind: "pause-worker"; readonly slot: number }
  | { readonly kind: "kill-all-nodes" }
  | {
      readonly kind: "failpoint";
      readonly onLeader: boolean;
      readonly follower: number;
      readonly failpoint: Failpoint;
      readonly armAfterMs: number;
      /**
       * How long the node stays down before it restarts armed: long enough, for the snapshot
       * failpoints, to fall behind the leader's log tail and be sent a snapshot; else 0.
       */
      readonly downMs: number;
    }
  /**
   * SIGKILL a node, wipe its data directory and replace it through the membership API with a new
   * node under a new id (./replace-node.ts).
   */
  | { readonly kind: "replace-node"; readonly onLeader: boolean; readonly follower: number };

/** One scheduled fault. */
export interface NemesisEvent {
  readonly index: number;
  /** When it strikes, from the run's start. */
  readonly atMs: number;
  /** How long it lasts before it is healed. */
  readonly durationMs: number;
  readonly fault: Fault;
}

/** The shape of the run the schedule is for. */
export interface NemesisShape {
  readonly seed: number;
  readonly durationMs: number;
  readonly nodes: number;
  readonly workers: number;
  /** The workers' lease: a paused worker sleeps longer than this. */
  readonly workerLeaseTtlMs: number;
  /** Draw only these kinds of fault (default: all, by {@link FAULT_WEIGHTS}). */
  readonly kinds?: readonly FaultKind[];
}

/** Quiet time at the start (the cluster settles) and before the end (it heals). */
const LEAD_IN_MS = 3_000;
const LEAD_OUT_MS = 3_000;
/** Every schedule is bounded: at most one fault per this many ms of run. */
const EVENTS_PER_MS_MAX = 1 / 1_000;
/** Replacements per run at most, so that node ids stay few (ids are never reused). */
export const REPLACEMENTS_MAX = 2;

/** The kinds of fault. */
export type FaultKind = Fault["kind"];
type Kind = FaultKind;
/** Every kind with its relative weight: leader faults, worker pauses and netsplits most often. */
export const FAULT_WEIGHTS: readonly (readonly [FaultKind, number])[] = [
  ["kill-leader", 3],
  ["kill-follower", 2],
  ["pause-leader", 2],
  ["pause-follower", 1],
  ["isolate-leader", 2],
  ["split-minority", 2],
  ["one-way-cut", 2],
  ["ring", 1],
  ["flaky-links", 2],
  ["kill-worker", 2],
  ["pause-worker", 3],
  ["kill-all-nodes", 1],
  ["failpoint", 2],
  ["replace-node", 2],
];

/** The schedule for `shape` (pure: same shape, same schedule). */
export function planNemeses(shape: NemesisShape): NemesisEvent[] {
  const prng = createPrng(shape.seed);
  const weights = FAULT_WEIGHTS.filter(([kind]) => shape.kinds?.includes(kind) ?? true);
  if (weights.length === 0) return [];
  const ids = Array.from({ length: shape.nodes }, (_unused, i) => `n${i + 1}`);
  const events: NemesisEvent[] = [];
  const eventsMax = Math.floor(shape.durationMs * EVENTS_PER_MS_MAX);
  let atMs = LEAD_IN_MS;
  let replacements = 0;
  while (events.length < eventsMax) {
    const allowed =
      replacements < REPLACEMENTS_MAX ? weights : weights.filter(([k]) => k !== "replace-node");
    if (allowed.length === 0) break;
    const fault = drawFault(prng, ids, shape, allowed);
    const durationMs = drawDuration(prng, fault, shape.workerLeaseTtlMs);
    if (atMs + durationMs > shape.durationMs - LEAD_OUT_MS) break;
    events.push({ index: events.length, atMs, durationMs, fault });
    if (fault.kind === "replace-node") replacements += 1;
    atMs += durationMs + between(prng, 1_000, 3_000);
  }
  return events;
}

function drawFault(
  prng: Prng,
  ids: readonly string[],
  shape: NemesisShape,
  weights: typeof FAULT_WEIGHTS,
): Fault {
  const kind = drawKind(prng, weights);
  const follower = prng.nextInt(ids.length - 1);
  switch (kind) {
    case "kill-leader":
    case "pause-leader":
    case "isolate-leader":
    case "kill-all-nodes":
      return { kind };
    case "kill-follower":
    case "pause-follower":
      return { kind, follower };
    case "split-minority":
      return {
        kind,
        minority: shuffle(prng, ids).slice(0, 1 + prng.nextInt(Math.floor((ids.length - 1) / 2))),
      };
    case "one-way-cut":
      return drawOneWay(prng, ids);
    case "ring":
      return { kind, cut: ringCuts(shuffle(prng, ids)) };
    case "flaky-links":
      return drawFlaky(prng, ids);
    case "kill-worker":
    case "pause-worker":
      return { kind, slot: prng.nextInt(shape.workers) };
    case "failpoint": {
      const failpoint = FAILPOINTS[prng.nextInt(FAILPOINTS.length)]!;
      const needsSnapshot = failpoint.includes("snapshot");
      return {
        kind,
        // A snapshot is only ever sent to a follower.
        onLeader: !needsSnapshot && prng.nextInt(2) === 0,
        follower,
        failpoint,
        armAfterMs: needsSnapshot ? 0 : between(prng, 200, 1_500),
        downMs: needsSnapshot ? SNAPSHOT_DOWN_MS : 0,
      };
    }
    case "replace-node":
      // Mostly a follower, the leader one time in four.
      return { kind, onLeader: prng.nextInt(4) === 0, follower };
  }
}

/** A follower down this long is far enough behind (at tens of entries a second) for a snapshot. */
const SNAPSHOT_DOWN_MS = 8_000;

function drawKind(prng: Prng, weights: typeof FAULT_WEIGHTS): Kind {
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  let draw = prng.nextInt(total);
  for (const [kind, weight] of weights) {
    if (draw < weight) return kind;
    draw -= weight;
  }
  return weights[0]![0];
}

function drawDuration(prng: Prng, fault: Fault, workerLeaseTtlMs: number): number {
  const kind = fault.kind;
  switch (kind) {
    case "pause-worker":
      return workerLeaseTtlMs + between(prng, 1_500, 4_000);
    case "pause-leader":
    case "pause-follower":
      return between(prng, 3_000, 5_000);
    case "kill-all-nodes":
    case "kill-worker":
      return between(prng, 1_000, 3_000);
    case "failpoint":
      // A restarted node takes 1–4 s to start (tsx), then arms after armAfterMs.
      return (fault.kind === "failpoint" ? fault.downMs : 0) + between(prng, 6_000, 9_000);
    case "replace-node":
      // The new node starts (1–4 s, tsx), catches up, is promoted; the old one is removed.
      return between(prng, 15_000, 20_000);
    default:
      return between(prng, 2_000, 6_000);
  }
}

function drawOneWay(prng: Prng, ids: readonly string[]): Fault {
  if (prng.nextInt(2) === 0) return { kind: "one-way-cut", leaderOutbound: true, links: [] };
  const [from, to] = shuffle(prng, ids);
  return { kind: "one-way-cut", leaderOutbound: false, links: [{ from: from!, to: to! }] };
}

function drawFlaky(prng: Prng, ids: readonly string[]): Fault {
  const lossy: Link[] = [];
  const delayed: Link[] = [];
  for (const from of ids) {
    for (const to of ids) {
      if (from === to) continue;
      const draw = prng.nextInt(4);
      if (draw === 0) lossy.push({ from, to });
      if (draw === 1) delayed.push({ from, to });
    }
  }
  const dropProbability = between(prng, 10, 40) / 100;
  return { kind: "flaky-links", lossy, delayed, dropProbability, delayMs: between(prng, 20, 200) };
}

/**
 * Both directions of every link between nodes that are not neighbours on the ring `order`
 * (each node keeps itself and its two neighbours: a majority of five, overlapping majorities).
 * With three nodes every pair are neighbours, so one pair is cut instead: n_a and n_c each keep
 * a majority through n_b.
 */
function ringCuts(order: readonly string[]): Link[] {
  const n = order.length;
  const cut: Link[] = [];
  const distance = (i: number, j: number) => Math.min(Math.abs(i - j), n - Math.abs(i - j));
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const far = n <= 3 ? (i === 0 && j === 2) || (i === 2 && j === 0) : distance(i, j) > 1;
      if (i !== j && far) cut.push({ from: order[i]!, to: order[j]! });
    }
  }
  return cut;
}

function shuffle(prng: Prng, ids: readonly string[]): string[] {
  const copy = [...ids];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = prng.nextInt(i + 1);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

function between(prng: Prng, min: number, max: number): number {
  return min + prng.nextInt(max - min + 1);
}

/** One line per event, for the log and the report. */
export function describeEvent(event: NemesisEvent): string {
  const { fault } = event;
  const at = `@${(event.atMs / 1000).toFixed(1)}s +${(event.durationMs / 1000).toFixed(1)}s`;
  const links = (list: readonly Link[]) => list.map((l) => `${l.from}→${l.to}`).join(" ");
  switch (fault.kind) {
    case "kill-follower":
    case "pause-follower":
      return `${at} ${fault.kind} #${fault.follower}`;
    case "split-minority":
      return `${at} ${fault.kind} [${fault.minority.join(",")}]`;
    case "one-way-cut":
      return `${at} ${fault.kind} ${fault.leaderOutbound ? "leader→all" : links(fault.links)}`;
    case "ring":
      return `${at} ring cut ${links(fault.cut)}`;
    case "flaky-links":
      return `${at} flaky lossy(${fault.dropProbability}) [${links(fault.lossy)}] delayed(${fault.delayMs}ms) [${links(fault.delayed)}]`;
    case "kill-worker":
    case "pause-worker":
      return `${at} ${fault.kind} slot ${fault.slot + 1} (or the next one mid-partition)`;
    case "failpoint":
      return `${at} failpoint ${fault.failpoint}@${fault.armAfterMs}ms on ${fault.onLeader ? "leader" : `follower #${fault.follower}`} after ${fault.downMs} ms down`;
    case "replace-node":
      return `${at} replace-node ${fault.onLeader ? "leader" : `follower #${fault.follower}`} with a new id`;
    default:
      return `${at} ${fault.kind}`;
  }
}
