/**
 * `apply(state, envelope, logIndex)`: the one entry point that changes the coordinator state
 * (docs/state-machine.md). Every node calls it with the same committed commands in the same order
 * and reaches the same state, byte for byte (see snapshot.ts `stateHash`).
 *
 * - **Time** is an input (TigerBeetle's rule): the command's time is
 *   `max(lastNowMs, proposedAtMs)` (and the `nowMs` of ExpireLeases/LeaderChanged); no clock is read.
 * - **Sessions**: with a `clientId` and `seq`, a retry of the last applied `seq` returns the
 *   first result, marked `duplicate: true`, and changes nothing; an older `seq` is refused.
 * - **Rejections** change nothing but the client session remembering them.
 * - A broken invariant throws `InvariantViolation` — the node must stop, not continue on a guess.
 */
import { assert } from "../util/assert.js";
import { appendPartitions } from "./append-partitions.js";
import { checkCommand } from "./check-command.js";
import type { CheckedCommand } from "./check-command.js";
import type { CommandEnvelope, CommandType } from "./commands.js";
import { ID_PATTERN } from "./field-reader.js";
import { completePartitions } from "./complete-batch.js";
import type { ApplyContext, Handler } from "./handler-context.js";
import { expireLeases, leaderChanged } from "./lease-commands.js";
import {
  completePartition,
  failPartition,
  preemptPartition,
  releasePartition,
  reportProgress,
} from "./partition-commands.js";
import { cancelPlan, createPlan, pausePlan, resumePlan, retryFailed } from "./plan-commands.js";
import { isRejection, reject } from "./results.js";
import type { ApplyResult } from "./results.js";
import type { CoordinatorState } from "./state.js";
import {
  acquirePartitions,
  deregisterWorker,
  heartbeat,
  registerWorker,
} from "./worker-commands.js";

const HANDLERS: { [T in CommandType]: Handler<T> } = {
  CreatePlan: createPlan,
  AppendPartitions: appendPartitions,
  PausePlan: pausePlan,
  ResumePlan: resumePlan,
  CancelPlan: cancelPlan,
  RetryFailed: retryFailed,
  RegisterWorker: registerWorker,
  Heartbeat: heartbeat,
  AcquirePartitions: acquirePartitions,
  ReportProgress: reportProgress,
  CompletePartition: completePartition,
  CompletePartitions: completePartitions,
  FailPartition: failPartition,
  ReleasePartition: releasePartition,
  DeregisterWorker: deregisterWorker,
  ExpireLeases: expireLeases,
  LeaderChanged: leaderChanged,
  PreemptPartition: preemptPartition,
};

/**
 * Applies the command in `envelope`, committed at `logIndex`, to `state` (in place) and returns
 * its result. Never throws for anything a client can send: malformed envelopes and commands are
 * `invalid_request` results.
 * @param logIndex the entry's Raft log index: > every index applied before (a caller mistake
 *   otherwise, asserted); it becomes the fencing token of whatever the command grants
 * @throws InvariantViolation when `logIndex` does not increase, or an internal invariant breaks
 */
export function apply(
  state: CoordinatorState,
  envelope: CommandEnvelope<unknown>,
  logIndex: number,
): ApplyResult {
  assert(
    Number.isSafeInteger(logIndex) && logIndex > state.lastIndex,
    () => `log index ${logIndex} must exceed the last applied ${state.lastIndex}`,
  );
  const problem = envelopeProblem(envelope);
  if (problem !== undefined) return reject("invalid_request", problem);
  const { clientId, seq } = envelope;
  if (clientId === undefined || seq === undefined) return applyCommand(state, envelope, logIndex);
  const session = state.sessions.get(clientId);
  if (session !== undefined && seq === session.seq) return { ...session.result, duplicate: true };
  if (session !== undefined && seq < session.seq) {
    return reject("invalid_request", `client ${clientId} already sent seq ${session.seq}`);
  }
  const result = applyCommand(state, envelope, logIndex);
  state.sessions.record(clientId, seq, result, logIndex);
  state.lastIndex = logIndex;
  return result;
}

function applyCommand(
  state: CoordinatorState,
  envelope: CommandEnvelope<unknown>,
  logIndex: number,
): ApplyResult {
  const command = checkCommand(envelope.command);
  if ("status" in command) return command;
  const ctx: ApplyContext = { state, logIndex, nowMs: commandTime(state, envelope, command) };
  // The table pairs each type with its handler; TypeScript cannot follow that through a union.
  const handler = HANDLERS[command.type] as Handler<CommandType> as (
    ctx: ApplyContext,
    command: CheckedCommand,
  ) => ApplyResult;
  const result = handler(ctx, command);
  if (!isRejection(result)) {
    state.nowMs = ctx.nowMs;
    state.lastIndex = logIndex;
  }
  return result;
}

function commandTime(
  state: CoordinatorState,
  envelope: CommandEnvelope<unknown>,
  command: CheckedCommand,
): number {
  const own =
    command.type === "ExpireLeases" || command.type === "LeaderChanged" ? command.nowMs : 0;
  return Math.max(state.nowMs, envelope.proposedAtMs, own);
}

/** Why `envelope` is malformed, or undefined. */
function envelopeProblem(envelope: CommandEnvelope<unknown>): string | undefined {
  const { proposedAtMs, clientId, seq } = envelope;
  if (!Number.isSafeInteger(proposedAtMs) || proposedAtMs < 0) {
    return "proposedAtMs must be a non-negative safe integer";
  }
  if ((clientId === undefined) !== (seq === undefined)) {
    return "clientId and seq come together or not at all";
  }
  if (clientId !== undefined && (typeof clientId !== "string" || !ID_PATTERN.test(clientId))) {
    return `clientId must match ${ID_PATTERN.source}`;
  }
  if (seq !== undefined && (!Number.isSafeInteger(seq) || seq < 0)) {
    return "seq must be a non-negative safe integer";
  }
  return undefined;
}
