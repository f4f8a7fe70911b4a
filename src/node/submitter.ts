/**
 * How work enters the Ready loop from outside it (docs/ARCHITECTURE.md §4): proposals — a
 * client's (already encoded) and the node's own — wait in a {@link Pending} with a deadline on
 * the timers port and are answered by (index, term); requests that must run inside the loop
 * (leadership transfer, snapshot now) run as inbox controls. Every outcome of a proposal is
 * reported as a `proposal` event (latency and outcome, for metrics).
 */
import { CoordinatorError } from "../errors.js";
import type { ApplyResult, Command } from "../state-machine/index.js";
import { encodeCommand } from "../wire/command-codec.js";
import type { NodeConfig } from "./config.js";
import type { NodeEvents, ProposalOutcome } from "./events.js";
import { Pending, type Settlement } from "./pending.js";
import type { NodeClock, NodeTimers } from "./ports.js";
import type { MemberDirectory } from "./member-directory.js";
import type { ReadyLoop } from "./ready-loop.js";
import type { LeaderInfo } from "./service.js";

/** Whether the node takes new work: running, and its loop not halted. */
export class NodePhase {
  /** Set by the lifecycle (./lifecycle.ts) only. */
  value: "running" | "stopping" | "stopped" = "running";

  constructor(private readonly loop: ReadyLoop) {}

  /** Whether new proposals and reads are taken. */
  accepting(): boolean {
    return this.value === "running" && !this.loop.halted;
  }
}

/** The leader as `loop` knows it, with its URL from the member directory. */
export function leaderInfo(directory: MemberDirectory, loop: ReadyLoop): LeaderInfo {
  const leaderId = loop.leaderId;
  return { leaderId, leaderUrl: leaderId === null ? null : directory.url(leaderId) };
}

/** The error a write gets on a node that does not lead: where the leader is, if known. */
export function notLeaderError({ leaderId, leaderUrl }: LeaderInfo): CoordinatorError {
  if (leaderId === null) {
    return new CoordinatorError("no_leader", "no leader is known right now", { leaderId });
  }
  return new CoordinatorError("not_leader", `the leader is ${leaderId} (${leaderUrl ?? "?"})`, {
    leaderId,
    leaderUrl,
  });
}

/** What a {@link Submitter} hands work to. */
export interface SubmitterDeps {
  readonly config: NodeConfig;
  readonly loop: ReadyLoop;
  readonly phase: NodePhase;
  readonly clock: NodeClock;
  readonly timers: NodeTimers;
  readonly events: NodeEvents;
}

/** Hands proposals and in-loop requests to the loop's inbox. */
export class Submitter {
  constructor(private readonly deps: SubmitterDeps) {}

  /** A proposal whose envelope is encoded already (a client's), answered once applied. */
  submit(data: Uint8Array, command: Command, timeoutMs: number): Promise<ApplyResult> {
    const { clock, timers, loop } = this.deps;
    const startedAtMs = clock.monotonicMs();
    const commandType = command.type;
    const pending = new Pending<ApplyResult>(
      timers,
      timeoutMs,
      () =>
        new CoordinatorError(
          "proposal_timeout",
          `the ${commandType} was not applied within ${timeoutMs} ms; its outcome is unknown`,
        ),
      (settlement) => this.report(commandType, startedAtMs, settlement),
    );
    loop.inbox.proposal({ data, commandType, pending });
    return pending.promise;
  }

  /** A command of the node's own (LeaderChanged, ExpireLeases): no client session. */
  proposeOwn(command: Command): Promise<ApplyResult> {
    if (!this.deps.phase.accepting()) {
      return Promise.reject(new CoordinatorError("node_stopping", "the node is stopping"));
    }
    const data = encodeCommand({ proposedAtMs: Math.floor(this.deps.clock.nowMs()), command });
    return this.submit(data, command, this.deps.config.proposalTimeoutMs);
  }

  /** Runs `fn` inside the loop (after the queued proposals) and answers with its value. */
  inLoop<T>(fn: () => T): Promise<T> {
    if (this.deps.loop.halted) {
      return Promise.reject(new CoordinatorError("node_stopping", "the node is stopping"));
    }
    return new Promise<T>((resolve, reject) => {
      this.deps.loop.inbox.control({
        run: () => {
          try {
            resolve(fn());
          } catch (error) {
            reject(error);
            // Typed errors are the caller's answer; anything else is the node's own failure.
            if (!(error instanceof CoordinatorError)) throw error;
          }
        },
        cancel: reject,
      });
    });
  }

  private report(
    commandType: Command["type"],
    startedAtMs: number,
    settlement: Settlement<ApplyResult>,
  ): void {
    const { events, clock } = this.deps;
    if (!events.has("proposal")) return;
    const outcome: ProposalOutcome = settlement.ok
      ? settlement.value.status
      : settlement.error instanceof CoordinatorError
        ? settlement.error.code
        : "internal_error";
    const latencyMs = clock.monotonicMs() - startedAtMs;
    events.emit("proposal", { commandType, outcome, latencyMs });
  }
}
