// Test helper (not a test): a stand-in for a coordinator node as the metrics see it — typed
// events a test emits by hand, a settable Raft status, stale reads over a state-machine Driver —
// and a way to apply a command "as the node did", emitting its `applied` event.
import { NodeEvents } from "../../src/node/events.js";
import type { RaftStatusView } from "../../src/node/service.js";
import type { Command, CommandEnvelope, CoordinatorState } from "../../src/state-machine/index.js";
import type { LogIndex, NodeId, Term } from "../../src/util/ids.js";
import { Driver } from "../state-machine/driver.js";

export class FakeNode {
  readonly nodeId = "n1" as NodeId;
  readonly events = new NodeEvents((name, error) => {
    throw new Error(`listener of ${String(name)} threw: ${String(error)}`);
  });
  readonly driver = new Driver();
  status: RaftStatusView = {
    nodeId: this.nodeId,
    role: "Follower",
    term: 1,
    leaderId: null,
    commitIndex: 0,
    lastApplied: 0,
    lastLogIndex: 0,
    snapshotIndex: 0,
    peers: [],
    membership: { voters: [this.nodeId], learners: [], configIndex: 0, changeInFlight: false },
  };
  reads = 0;

  raftStatus(): RaftStatusView {
    return this.status;
  }

  async read<T>(query: (state: CoordinatorState) => T): Promise<T> {
    this.reads++;
    return query(this.driver.state);
  }

  /** Emits `role` (and makes raftStatus agree). */
  role(role: RaftStatusView["role"], leaderId: string | null, term: number): void {
    this.status = { ...this.status, role, leaderId: leaderId as NodeId | null, term };
    this.events.emit("role", { role, leaderId: leaderId as NodeId | null, term: term as Term });
  }

  /** Applies `command` to the driver's state and emits `applied` as an entry of `term`. */
  apply(command: Command, term: number) {
    const result = this.driver.run(command);
    const envelope: CommandEnvelope<unknown> = { proposedAtMs: this.driver.nowMs, command };
    this.events.emit("applied", {
      index: this.driver.index as LogIndex,
      term: term as Term,
      envelope,
      result,
    });
    return result;
  }
}
