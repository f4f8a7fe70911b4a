/**
 * The node's Raft state as the role modules (candidate.ts, follower.ts, leader.ts,
 * replication.ts) read and change it: the fields and methods of the `Raft` class (raft.ts), which
 * implements this interface. It lives apart from raft.ts because raft.ts dispatches to the roles:
 * were the roles to import raft.ts back, the two would form an import cycle (a tidy test forbids
 * any). Like the class's fields, this is internal to src/raft; the API is `RawNode`.
 */
import type { LogIndex, NodeId, Term } from "../util/ids.js";
import type { RaftConfig } from "./config.js";
import type { ConfigHistory } from "./config-history.js";
import type { RaftLog } from "./log.js";
import type { Message } from "./messages.js";
import type { ReadOnly } from "./read-only.js";
import type { ReadIndexFailure, ReadState, SoftState } from "./ready.js";
import type { SnapshotAssembly } from "./snapshot-assembly.js";
import type { ProgressTracker } from "./tracker.js";
import type { CommandEntry, ConfigEntry, HardState, Role, Snapshot } from "./types.js";
import type { UncommittedTail } from "./uncommitted-tail.js";

/** A message as a role writes it: the sender and (by default) the term are filled in. */
export type Outgoing = Message extends infer M
  ? M extends Message
    ? Omit<M, "from" | "term">
    : never
  : never;

/** How an election starts: after a PreVote round, directly, or forced by TimeoutNow. */
export type CampaignKind = "PreVote" | "Election" | "Transfer";

/** What a leader appends: an entry without its position. */
export type EntryContent =
  Pick<CommandEntry, "type" | "data"> | Pick<ConfigEntry, "type" | "data" | "config">;

/** A read waiting for the leader's first commit in its term (thesis §6.4 step 1). */
export interface DeferredRead {
  readonly requestId: string;
  readonly from: NodeId;
}

/** One node's Raft state and transitions; each member is documented on the `Raft` class. */
export interface RaftCore {
  readonly id: NodeId;
  readonly config: RaftConfig;
  term: Term;
  vote: NodeId | null;
  leaderId: NodeId | null;
  role: Role;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  readonly configs: ConfigHistory;
  electionElapsed: number;
  heartbeatElapsed: number;
  randomizedElectionTimeoutTicks: number;
  leadTransferee: NodeId | null;
  readOnly: ReadOnly;
  deferredReads: DeferredRead[];
  readonly uncommittedTail: UncommittedTail;
  readonly snapshotAssembly: SnapshotAssembly;
  appendPending: boolean;
  heartbeatPending: boolean;
  messages: Message[];
  readStates: ReadState[];
  readIndexFailures: ReadIndexFailure[];
  hardState(): HardState;
  softState(): SoftState;
  promotable(): boolean;
  send(message: Outgoing, term?: Term): void;
  tick(): void;
  step(m: Message): void;
  campaign(kind: CampaignKind): void;
  poll(from: NodeId, granted: boolean): void;
  becomeFollower(term: Term, leaderId: NodeId | null): void;
  becomePreCandidate(): void;
  becomeCandidate(): void;
  becomeLeader(): void;
  appendEntry(content: EntryContent): { index: LogIndex; term: Term };
  propose(data: Uint8Array): { index: LogIndex; term: Term };
  restore(snapshot: Snapshot): void;
  onPersisted(): void;
  flush(): void;
  hasPendingBroadcast(): boolean;
}
