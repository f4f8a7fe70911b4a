// Test helper (not a test): applies commands to a fresh state with increasing log indexes and a
// controllable clock, and asserts the outcome a test expects.
import { expect } from "vitest";
import { apply, createState, stateHash } from "../../src/state-machine/index.js";
import type {
  ApplyResult,
  Command,
  CommandEnvelope,
  CoordinatorState,
  OkResults,
  PartitionGrant,
  Rejection,
  RejectionStatus,
} from "../../src/state-machine/index.js";

export interface RunOptions {
  /** proposedAtMs; default the driver's clock. */
  readonly at?: number;
  readonly clientId?: string;
  readonly seq?: number;
}

export class Driver {
  readonly state: CoordinatorState;
  /** Log index of the last command run. */
  index = 0;
  /** The clock used as proposedAtMs. */
  nowMs = 1_000;

  constructor(sessionCapacity?: number) {
    this.state = createState(sessionCapacity);
  }

  /** Moves the clock forward by `ms`. */
  advance(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  /** Applies `command` (anything, checked by apply) at the next log index. */
  run(command: unknown, options: RunOptions = {}): ApplyResult {
    this.index++;
    const envelope = {
      proposedAtMs: options.at ?? this.nowMs,
      command,
      ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
      ...(options.seq === undefined ? {} : { seq: options.seq }),
    };
    return apply(this.state, envelope, this.index);
  }

  /** Applies a raw envelope (possibly malformed) at the next log index. */
  applyEnvelope(envelope: object): ApplyResult {
    this.index++;
    return apply(this.state, envelope as CommandEnvelope<unknown>, this.index);
  }

  /** Applies `command` and asserts it is `ok`. */
  ok<C extends Command>(command: C, options?: RunOptions): OkResults[C["type"]] {
    const result = this.run(command, options);
    expect(result, JSON.stringify(command)).toMatchObject({ status: "ok", type: command.type });
    return result as OkResults[C["type"]];
  }

  /** Applies `command`, asserts it is rejected with `status`, and that nothing changed. */
  rejects(command: unknown, status: RejectionStatus): Rejection {
    const before = stateHash(this.state);
    const result = this.run(command);
    expect(result, JSON.stringify(command)).toMatchObject({ status, duplicate: false });
    expect(stateHash(this.state), "a rejection changes nothing").toBe(before);
    return result as Rejection;
  }
}

/** The fields of a report by `workerId` on the partition of `grant`, under its token. */
export function reportOn(grant: PartitionGrant | undefined, workerId: string) {
  if (grant === undefined) throw new Error("no grant to report on");
  const { planId, partitionId, fencingToken } = grant;
  return { planId, partitionId, workerId, fencingToken };
}

/** A driver with plan `plan` (`count` partitions of 10 ids from 0) and live workers `workers`. */
export function setup(count: number, workers: readonly string[], windowSize = 4): Driver {
  const driver = new Driver();
  driver.ok({
    type: "CreatePlan",
    planId: "plan",
    minId: 0,
    maxId: count * 10 - 1,
    partitionSize: 10,
  });
  for (const workerId of workers) driver.ok({ type: "RegisterWorker", workerId, windowSize });
  return driver;
}
