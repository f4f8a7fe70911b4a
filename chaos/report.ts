/**
 * The report of a chaos run: a human summary, then — as the LAST line — one JSON object with the
 * figures README "Chaos" lists (`{"ok":true,"seed":…,…,"failoverMsMax":…}`). On failure the summary
 * names the seed, every violated property and the artifacts directory.
 */
import type { CheckResult } from "./checker.js";
import type { NemesisTally } from "./nemesis.js";

/** The last line, field by field, in a fixed order. */
export interface ChaosVerdict {
  readonly ok: boolean;
  readonly seed: number;
  readonly seconds: number;
  readonly nemesisEvents: number;
  readonly leaderKills: number;
  readonly netsplits: number;
  readonly pauses: number;
  /** Nodes killed, wiped and replaced by a new node under a new id (replace-node). */
  readonly nodeReplacements: number;
  readonly partitions: number;
  readonly acceptedWrites: number;
  readonly rejectedStaleWrites: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly gaps: number;
  readonly linearizable: boolean | "unknown";
  readonly failoverMsP50: number | null;
  readonly failoverMsMax: number | null;
}

/** What the summary says beyond the verdict. */
export interface RunFacts {
  readonly artifactsDir: string;
  readonly plansAcknowledged: number;
  readonly plansUnacknowledged: number;
  readonly probeRounds: number;
  readonly probeRoundsCompleted: number;
  readonly probeOperations: number;
  readonly statusSamples: number;
  readonly failpointsFired: number;
  readonly workerExits: readonly string[];
}

/** The verdict from the check and the nemesis tally. */
export function verdictOf(
  seed: number,
  seconds: number,
  result: CheckResult,
  tally: NemesisTally,
): ChaosVerdict {
  const failovers = [...tally.failoverMs].sort((a, b) => a - b);
  return {
    ok: result.violations.length === 0 && result.linearizable === true,
    seed,
    seconds,
    nemesisEvents: tally.events,
    leaderKills: tally.leaderKills,
    netsplits: tally.netsplits,
    pauses: tally.pauses,
    nodeReplacements: tally.replacements,
    partitions: result.partitions,
    acceptedWrites: result.acceptedWrites,
    rejectedStaleWrites: result.rejectedStaleWrites,
    duplicates: result.duplicates,
    lost: result.lost,
    gaps: result.gaps,
    linearizable: result.linearizable,
    failoverMsP50:
      failovers.length === 0
        ? null
        : Math.round(failovers[Math.floor((failovers.length - 1) / 2)]!),
    failoverMsMax: failovers.length === 0 ? null : Math.round(failovers[failovers.length - 1]!),
  };
}

/** The summary lines, ending with the JSON line. */
export function reportLines(
  verdict: ChaosVerdict,
  result: CheckResult,
  tally: NemesisTally,
  facts: RunFacts,
): string[] {
  const lines = [
    `chaos run, seed ${verdict.seed}: ${verdict.seconds} s, ${verdict.nemesisEvents} faults ` +
      `(${verdict.leaderKills} leader kills, ${verdict.netsplits} netsplits, ${verdict.pauses} pauses, ` +
      `${facts.failpointsFired} failpoint crashes, ${verdict.nodeReplacements} nodes replaced)`,
    `  plans: ${facts.plansAcknowledged} acknowledged, ${facts.plansUnacknowledged} never acknowledged; ` +
      `${verdict.partitions} partitions`,
    `  fencing store: ${verdict.acceptedWrites} writes accepted, ${verdict.rejectedStaleWrites} stale ` +
      `writes rejected, ${result.staleAccepted} stale accepted; ${verdict.duplicates} duplicate ids, ` +
      `${verdict.lost} lost ids, ${verdict.gaps} gap ranges`,
    `  probe: ${facts.probeRounds} rounds (${facts.probeRoundsCompleted} completed), ` +
      `${facts.probeOperations} operations, linearizable: ${String(verdict.linearizable)}`,
    `  failover: p50 ${verdict.failoverMsP50 ?? "-"} ms, max ${verdict.failoverMsMax ?? "-"} ms over ` +
      `${tally.failoverMs.length}; ${facts.statusSamples} status samples`,
  ];
  if (facts.workerExits.length > 0)
    lines.push(`  workers that exited unasked: ${facts.workerExits.join("; ")}`);
  if (verdict.ok) {
    lines.push(`PASS (seed ${verdict.seed})`);
  } else {
    lines.push(`FAIL (seed ${verdict.seed}; replay with --seed ${verdict.seed})`);
    for (const violation of result.violations) lines.push(`  violated: ${violation}`);
    if (result.linearizable === "unknown")
      lines.push("  undecided: linearizability (budget spent)");
    lines.push(`  artifacts (logs, histories, data dirs): ${facts.artifactsDir}`);
  }
  lines.push(JSON.stringify(verdict));
  return lines;
}
