/**
 * The node's copy of the coordinator state machine and the step of the Ready loop that feeds it
 * (docs/ARCHITECTURE.md §4.1): committed entries are decoded with the command codec and applied in
 * log order (NoOps skipped), each result is handed to the proposal waiting at that index, and
 * snapshots from the leader replace the state wholesale.
 */
import {
  apply,
  createState,
  restoreSnapshot,
  type ApplyResult,
  type CommandEnvelope,
  type CoordinatorState,
  type Rejection,
} from "../state-machine/index.js";
import type { Entry, Snapshot } from "../raft/types.js";
import { assert } from "../util/assert.js";
import type { LogIndex, Term } from "../util/ids.js";
import { CommandDecodeError, decodeCommand } from "../wire/command-codec.js";
import type { NodeEvents } from "./events.js";
import { NO_FAULTS, type NodeFaults } from "./faults.js";
import type { ProposalTracker } from "./proposals.js";

/** Decodes a Normal entry, or explains (as a rejection, the same on every node) why it cannot. */
function decodeEntry(entry: Entry): CommandEnvelope<unknown> | Rejection {
  try {
    return decodeCommand(entry.data);
  } catch (error) {
    if (!(error instanceof CommandDecodeError)) throw error;
    return { status: "invalid_request", detail: error.message, duplicate: false };
  }
}

/** The applied state of one node and its applied position. */
export class Applier {
  private current: CoordinatorState;
  private index: LogIndex;

  /**
   * Starts from `snapshot` (restored) or, without one, from the empty state at index 0.
   * @param faults deliberate bugs, TEST ONLY (./faults.ts)
   */
  constructor(
    snapshot: Snapshot | null,
    private readonly proposals: ProposalTracker,
    private readonly events: NodeEvents,
    private readonly faults: NodeFaults = NO_FAULTS,
  ) {
    this.current =
      snapshot === null || snapshot.metadata.index === 0
        ? createState()
        : restoreSnapshot(snapshot.data);
    this.index = snapshot?.metadata.index ?? 0;
  }

  /** The applied state (queries read it; only this class changes it). */
  get state(): CoordinatorState {
    return this.current;
  }

  /** `lastApplied`: the index of the last applied entry (or installed snapshot). */
  get appliedIndex(): LogIndex {
    return this.index;
  }

  /**
   * Replaces the state by a snapshot received from the leader (Raft §7); proposals it jumps
   * over learn that their outcome is unknown.
   * @throws SnapshotFormatError if the snapshot's data is not a valid coordinator snapshot
   */
  install(snapshot: Snapshot): void {
    const { index } = snapshot.metadata;
    assert(index > this.index, () => `snapshot ${index} is not past the applied ${this.index}`);
    if (this.faults.snapshotWithoutRestore !== true) this.current = restoreSnapshot(snapshot.data);
    this.index = index;
    this.proposals.onSnapshotInstalled(index);
  }

  /**
   * Applies committed entries in order: decodes each Normal entry, applies it, answers the
   * proposal at its index and emits `applied` (and `fenced` for stale fencing tokens).
   * @returns the term of the last NoOp applied (a leader's first entry of its term), or null
   */
  applyEntries(entries: readonly Entry[]): Term | null {
    let noOpTerm: Term | null = null;
    for (const entry of entries) {
      assert(
        entry.index === this.index + 1,
        () => `entry ${entry.index} does not follow the applied ${this.index}`,
      );
      // Only Normal entries carry coordinator commands; NoOp and Config entries are Raft's own
      // (docs/MEMBERSHIP.md: the configuration is applied by the Raft core, not the state machine).
      const result = entry.type === "Normal" ? this.applyNormal(entry) : null;
      this.index = entry.index;
      this.proposals.onApplied(entry.index, entry.term, result);
      if (entry.type === "NoOp") noOpTerm = entry.term;
    }
    return noOpTerm;
  }

  private applyNormal(entry: Entry): ApplyResult {
    const decoded = decodeEntry(entry);
    const envelope = "command" in decoded ? decoded : null;
    const result = "command" in decoded ? apply(this.current, decoded, entry.index) : decoded;
    if (this.events.has("applied")) {
      this.events.emit("applied", { index: entry.index, term: entry.term, envelope, result });
    }
    if (result.status === "stale_fencing_token") {
      const commandType = commandTypeOf(envelope);
      this.events.emit("fenced", { index: entry.index, commandType });
    }
    return result;
  }
}

/** The `type` of an envelope's (unchecked) command, for labels; "unknown" when it has none. */
export function commandTypeOf(envelope: CommandEnvelope<unknown> | null): string {
  const command = envelope?.command;
  if (typeof command === "object" && command !== null && "type" in command) {
    const type = (command as { type: unknown }).type;
    if (typeof type === "string") return type;
  }
  return "unknown";
}
