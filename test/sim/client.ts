/**
 * The simulated client: proposes commands throughout the fault phase to whichever node it
 * believes leads (learning from rejections, as the worker SDK does), keeps a few proposals in
 * flight, and issues ReadIndex reads to random nodes. A proposal is acknowledged when the node
 * that accepted it applies an entry at the returned index with the returned term; any other
 * entry there means it was lost to a leader change. Acknowledged writes go to the checker,
 * which proves at the end that every one of them is in the final log.
 */
import type { LogIndex, NodeId, Term } from "../../src/util/ids.js";
import type { Prng } from "../../src/util/prng.js";
import type { Entry } from "../../src/raft/types.js";
import type { InvariantChecker } from "./checker.js";
import { encodeCommand } from "./kv-app.js";
import type { Scenario } from "./scenario.js";
import type { ProposeResult, SimNode } from "./sim-node.js";

/** Keys the commands write (few, so the register sees overwrites). */
const KEYS_MAX = 8;

interface PendingProposal {
  readonly term: Term;
  readonly data: Uint8Array;
  readonly proposedAtMs: number;
}

/** What the client did, for summaries. */
export interface ClientStats {
  proposed: number;
  acknowledged: number;
  rejected: number;
  lost: number;
  readsIssued: number;
  readsAnswered: number;
  readsFailed: number;
}

/** The client of one simulated cluster. */
export class SimClient {
  readonly stats: ClientStats = {
    proposed: 0,
    acknowledged: 0,
    rejected: 0,
    lost: 0,
    readsIssued: 0,
    readsAnswered: 0,
    readsFailed: 0,
  };
  private believedLeader: SimNode;
  /** Proposals offered and not yet resolved (rejected, acknowledged or lost). */
  private inFlight = 0;
  /** Accepted proposals by node, then by log index. */
  private readonly pending = new Map<NodeId, Map<LogIndex, PendingProposal>>();
  private proposalCount = 0;
  private readCount = 0;

  constructor(
    private readonly nodes: readonly SimNode[],
    private readonly scenario: Scenario,
    private readonly prng: Prng,
    private readonly checker: InvariantChecker,
    private readonly nowMs: () => number,
  ) {
    this.believedLeader = this.randomNode();
    for (const node of nodes) this.pending.set(node.id, new Map());
  }

  private randomNode(): SimNode {
    const node = this.nodes[this.prng.nextInt(this.nodes.length)];
    if (node === undefined) throw new Error("a client needs nodes");
    return node;
  }

  private makeCommand(): Uint8Array {
    this.proposalCount += 1;
    const key = `k${this.prng.nextInt(KEYS_MAX)}`;
    const value = `p${this.proposalCount}`.padEnd(
      1 + this.prng.nextInt(this.scenario.commandBytesMax),
      ".",
    );
    return encodeCommand(key, value);
  }

  /** Offers one new command to the believed leader, unless enough are in flight. */
  propose(): void {
    if (this.inFlight >= this.scenario.proposalsInFlightMax) return;
    const node = this.believedLeader;
    const data = this.makeCommand();
    this.inFlight += 1;
    this.stats.proposed += 1;
    node.offer({ kind: "propose", data, onResult: (r) => this.proposeResult(node, data, r) });
  }

  private proposeResult(node: SimNode, data: Uint8Array, result: ProposeResult): void {
    if ("error" in result) {
      this.inFlight -= 1;
      this.stats.rejected += 1;
      if (result.error === "not_leader" || result.error === "node_down") this.relearnLeader(node);
      return;
    }
    this.pending.get(node.id)?.set(result.index, {
      term: result.term,
      data,
      proposedAtMs: this.nowMs(),
    });
  }

  /** Believe the leader `node` names, or try a random node when it names none. */
  private relearnLeader(node: SimNode): void {
    const hint = node.status()?.leaderId;
    const named = this.nodes.find((n) => n.id === hint);
    this.believedLeader = named ?? this.randomNode();
  }

  /** `nodeId` applied `entry`: resolves the proposal that node accepted at that index. */
  applied(nodeId: NodeId, entry: Entry): void {
    const waiting = this.pending.get(nodeId);
    const proposal = waiting?.get(entry.index);
    if (waiting === undefined || proposal === undefined) return;
    waiting.delete(entry.index);
    this.inFlight -= 1;
    if (proposal.term === entry.term) {
      this.stats.acknowledged += 1;
      this.checker.writeAcknowledged({ index: entry.index, term: entry.term, data: proposal.data });
    } else {
      this.stats.lost += 1;
    }
  }

  /** `nodeId` crashed: the outcome of what it accepted is unknown to the client. */
  nodeCrashed(nodeId: NodeId): void {
    const waiting = this.pending.get(nodeId);
    if (waiting === undefined) return;
    this.inFlight -= waiting.size;
    this.stats.lost += waiting.size;
    waiting.clear();
  }

  /** Gives up on proposals older than `timeoutMs` (their outcome stays unknown). */
  expire(timeoutMs: number): void {
    const now = this.nowMs();
    for (const waiting of this.pending.values()) {
      for (const [index, proposal] of waiting) {
        if (now - proposal.proposedAtMs <= timeoutMs) continue;
        waiting.delete(index);
        this.inFlight -= 1;
        this.stats.lost += 1;
        // A node that accepts but never commits is probably a deposed leader: look elsewhere.
        this.believedLeader = this.randomNode();
      }
    }
  }

  /** Issues a ReadIndex read on `node` (default: a random node) and returns its request id. */
  read(node: SimNode = this.randomNode()): string {
    this.readCount += 1;
    const requestId = `r${this.readCount}`;
    this.stats.readsIssued += 1;
    this.checker.readIssued(requestId);
    node.offer({ kind: "read", requestId });
    return requestId;
  }

  /** A read became servable on its node. */
  readAnswered(): void {
    this.stats.readsAnswered += 1;
  }

  /** A read was refused (no leader, leader not ready, leader stepped down). */
  readFailed(): void {
    this.stats.readsFailed += 1;
  }
}
