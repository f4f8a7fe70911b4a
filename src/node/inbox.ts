/**
 * The Ready loop's inbox (docs/ARCHITECTURE.md §4): socket handlers, HTTP handlers and timers never
 * touch the Raft core; they push here and wake the loop, which drains everything that arrived since
 * its last turn in one go. Whatever arrives while an fsync runs therefore lands in the next Ready
 * and shares its fsync (group commit).
 */
import type { Message } from "../raft/messages.js";
import type { ApplyResult, CommandType } from "../state-machine/index.js";
import type { NodeId } from "../util/ids.js";
import type { Pending } from "./pending.js";

/** A proposal waiting to be handed to the core: its encoded envelope and its caller. */
export interface QueuedProposal {
  readonly data: Uint8Array;
  readonly commandType: CommandType;
  readonly pending: Pending<ApplyResult>;
}

/** A request for the core that is not a proposal (leadership transfer, snapshot, …). */
export interface ControlRequest {
  /** Runs inside the loop, after the proposals that arrived with it. */
  run(): void;
  /** The loop will never run it (the node stopped). */
  cancel(error: Error): void;
}

/** Everything that arrived since the loop's last turn. */
export interface InboxContents {
  readonly ticks: number;
  readonly messages: readonly Message[];
  readonly unreachable: readonly NodeId[];
  readonly controls: readonly ControlRequest[];
  readonly proposals: readonly QueuedProposal[];
}

/** The inbox of one node's loop. */
export class Inbox {
  private ticks = 0;
  private messages: Message[] = [];
  private unreachable: NodeId[] = [];
  private controls: ControlRequest[] = [];
  private proposals: QueuedProposal[] = [];

  /** @param wake called after every push: schedules a turn of the loop */
  constructor(private readonly wake: () => void) {}

  tick(): void {
    this.ticks++;
    this.wake();
  }

  message(message: Message): void {
    this.messages.push(message);
    this.wake();
  }

  peerUnreachable(peer: NodeId): void {
    this.unreachable.push(peer);
    this.wake();
  }

  control(request: ControlRequest): void {
    this.controls.push(request);
    this.wake();
  }

  proposal(proposal: QueuedProposal): void {
    this.proposals.push(proposal);
    this.wake();
  }

  /** Takes everything, leaving the inbox empty. */
  take(): InboxContents {
    const contents: InboxContents = {
      ticks: this.ticks,
      messages: this.messages,
      unreachable: this.unreachable,
      controls: this.controls,
      proposals: this.proposals,
    };
    this.ticks = 0;
    this.messages = [];
    this.unreachable = [];
    this.controls = [];
    this.proposals = [];
    return contents;
  }

  /** Proposals still queued (not yet handed to the core). */
  get queuedProposals(): readonly QueuedProposal[] {
    return this.proposals;
  }
}
