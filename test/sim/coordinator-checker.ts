/**
 * The coordinator's invariants in the simulator (docs/SIMULATION.md §3), on top of the Raft
 * ones of ./checker.ts, from what the clients were answered and what the nodes applied:
 *
 * - an acknowledged command was applied (by the node that answered, before it answered), and
 *   survives: the final state's client session holds every acknowledged sequence number;
 * - a linearizable read sees every plan whose creation was acknowledged before the read began;
 * - fencing tokens of one partition's grants strictly increase;
 * - at most one holder of a partition with an unexpired lease: a grant comes after every other
 *   holder's confirmed lease has ended (by the replicated clock of the leader that granted it);
 * - the fencing resource never accepts a write under a token older than one it has seen;
 * - only the leader proposes lease expiries.
 */
import type { CoordinatorState, PartitionGrant } from "../../src/state-machine/index.js";
import type { NodeId } from "../../src/util/ids.js";
import { checkLinearizable, type Model, type Operation } from "../support/linearizability.js";
import type { InvariantChecker } from "./checker.js";

/** An operation on the plan list: create one plan, or read the list. */
export type PlanListInput =
  { readonly op: "create"; readonly planId: string } | { readonly op: "read" };

/** What it answered: created (or already there), or the sorted list read. */
export type PlanListOutput =
  { readonly kind: "created" } | { readonly kind: "read"; readonly planIds: readonly string[] };

/** The plan list as a set that only grows (the simulated clients never delete a plan). */
const planListModel: Model<string, PlanListInput, PlanListOutput> = {
  initial: "",
  key: (state) => state,
  step(state, input, output) {
    const plans = state === "" ? [] : state.split(",");
    if (input.op === "create") {
      const after = [...new Set([...plans, input.planId])].sort().join(",");
      return output === undefined ? [state, after] : [after];
    }
    if (output === undefined) return [state];
    return output.kind === "read" && [...output.planIds].sort().join(",") === state ? [state] : [];
  },
};

/** Search budget of the final linearizability check (model steps). */
const LINEARIZABILITY_STEPS_MAX = 200_000;

/** What a linearizable read must at least see. */
export interface ReadFloor {
  readonly plans: ReadonlySet<string>;
  readonly seqs: ReadonlyMap<string, number>;
}

/** A holding a worker believes it has: its token and until when its lease is confirmed. */
export interface Holding {
  readonly workerId: string;
  readonly fencingToken: number;
  confirmedUntilMs: number;
}

function sessionKey(clientId: string, seq: number): string {
  return `${clientId}#${seq}`;
}

/** The coordinator invariants of one run. */
export class CoordinatorChecker {
  private readonly appliedKeys = new Set<string>();
  private readonly ackedSeq = new Map<string, number>();
  private readonly ackedPlans = new Set<string>();
  private readonly lastToken = new Map<string, number>();
  /** Every holding workers believe in, by partition key. */
  readonly holdings = new Map<string, Set<Holding>>();
  private readonly highestWritten = new Map<string, number>();
  /** The history of plan creations and linearizable plan-list reads (virtual ms). */
  readonly history: Operation<PlanListInput, PlanListOutput>[] = [];
  /** Counters for summaries. */
  readonly stats = { acknowledged: 0, reads: 0, grants: 0, writesAccepted: 0, writesFenced: 0 };

  constructor(private readonly raft: InvariantChecker) {}

  /** A node applied a command of client session (clientId, seq). */
  applied(clientId: string | undefined, seq: number | undefined): void {
    if (clientId !== undefined && seq !== undefined)
      this.appliedKeys.add(sessionKey(clientId, seq));
  }

  /** A client got an answer (a result, possibly a rejection) for (clientId, seq) from `node`. */
  acknowledged(node: NodeId, clientId: string, seq: number): void {
    this.stats.acknowledged++;
    if (!this.appliedKeys.has(sessionKey(clientId, seq))) {
      this.raft.report(
        "acknowledged-command-lost",
        node,
        `${clientId} seq ${seq} was answered, but no node applied it`,
      );
    }
    this.ackedSeq.set(clientId, Math.max(this.ackedSeq.get(clientId) ?? 0, seq));
  }

  /** The creation of `planId` was acknowledged. */
  planCreated(planId: string): void {
    this.ackedPlans.add(planId);
  }

  /** What a read must see: the plans and each session's seq acknowledged before it began. */
  readBegins(): ReadFloor {
    return { plans: new Set(this.ackedPlans), seqs: new Map(this.ackedSeq) };
  }

  /**
   * A linearizable read served by `node` saw `planIds` and, per client, the session's last
   * applied seq: it must cover everything acknowledged before it began.
   */
  readAnswered(
    node: NodeId,
    floor: ReadFloor,
    planIds: readonly string[],
    seqs: ReadonlyMap<string, number>,
  ): void {
    this.stats.reads++;
    const seen = new Set(planIds);
    const missing = [...floor.plans].filter((planId) => !seen.has(planId));
    for (const [clientId, seq] of floor.seqs) {
      const read = seqs.get(clientId) ?? 0;
      if (read < seq) missing.push(`${clientId} seq ${seq} (read ${read})`);
    }
    if (missing.length > 0) {
      this.raft.report(
        "stale-read",
        node,
        `a linearizable read missed ${missing.join(", ")}, acknowledged before it began`,
      );
    }
  }

  /**
   * `workerId` was granted `grant` by a command applied at replicated time `atMs`: its token
   * must be the partition's highest yet, and no other holder's confirmed lease may outlast
   * `atMs`.
   */
  granted(workerId: string, grant: PartitionGrant, atMs: number): Holding {
    this.stats.grants++;
    const key = `${grant.planId}/${grant.partitionId}`;
    const last = this.lastToken.get(key) ?? 0;
    if (grant.fencingToken <= last) {
      this.raft.report(
        "fencing-token-order",
        null,
        `${key} granted to ${workerId} under token ${grant.fencingToken}, after token ${last}`,
      );
    }
    this.lastToken.set(key, Math.max(last, grant.fencingToken));
    const holders = this.holdings.get(key) ?? new Set<Holding>();
    for (const other of holders) {
      if (other.confirmedUntilMs > atMs) {
        this.raft.report(
          "two-lease-holders",
          null,
          `${key} granted to ${workerId} at ${atMs}, while ${other.workerId}'s lease (token ${other.fencingToken}) runs to ${other.confirmedUntilMs}`,
        );
      }
    }
    const holding: Holding = { workerId, fencingToken: grant.fencingToken, confirmedUntilMs: 0 };
    holders.add(holding);
    this.holdings.set(key, holders);
    return holding;
  }

  /** A worker learned it no longer holds (key, holding). */
  released(key: string, holding: Holding): void {
    this.holdings.get(key)?.delete(holding);
  }

  /** The fencing resource decided on a write of `key` under `token`. */
  resourceWrite(key: string, token: number, accepted: boolean): void {
    const highest = this.highestWritten.get(key) ?? 0;
    if (accepted && token < highest) {
      this.raft.report(
        "stale-fencing-write",
        null,
        `the resource accepted ${key} under token ${token} after token ${highest}`,
      );
    }
    if (accepted) {
      this.stats.writesAccepted++;
      this.highestWritten.set(key, Math.max(highest, token));
    } else this.stats.writesFenced++;
  }

  /** `node` proposed an ExpireLeases; `leads` says whether its core leads right now. */
  leaseExpiryProposed(node: NodeId, leads: boolean): void {
    if (!leads) {
      this.raft.report(
        "lease-expiry-by-non-leader",
        node,
        "a node that does not lead proposed ExpireLeases",
      );
    }
  }

  /**
   * End of run: plan creations and linearizable reads form a linearizable history (Wing & Gong,
   * as the chaos suite checks its partitions). A search past its budget is not a violation.
   */
  checkLinearizable(): void {
    const verdict = checkLinearizable(planListModel, this.history, LINEARIZABILITY_STEPS_MAX);
    if (verdict.kind === "not-linearizable") {
      this.raft.report(
        "not-linearizable",
        null,
        `plan creations and reads are not linearizable (longest prefix ${verdict.longestPrefix.length} of ${this.history.length} operations)`,
      );
    }
  }

  /** End of run: `state` (a converged replica's) keeps every acknowledged client command. */
  checkDurable(node: NodeId, state: CoordinatorState): void {
    for (const [clientId, seq] of this.ackedSeq) {
      const kept = state.sessions.get(clientId)?.seq ?? 0;
      if (kept < seq) {
        this.raft.report(
          "acknowledged-command-lost",
          node,
          `${clientId} was answered up to seq ${seq}; the final state has seq ${kept}`,
        );
        return;
      }
    }
  }
}
