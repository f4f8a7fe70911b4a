/**
 * CompletePartitions: many completions by one worker in one command, then optionally an acquire
 * (complete-and-acquire-next), so a worker finishing a batch of partitions pays for one Raft
 * entry and one round trip instead of one per partition plus one for the next grants.
 *
 * The batch adds no rule of its own: each item is a CompletePartition with the batch's worker,
 * checked and applied in item order (fencing per partition: a stale token, another holder or an
 * ended lease rejects that item alone and changes nothing for it), and the acquire part is an
 * AcquirePartitions with `max = acquireMax`, run after every item. Because the handlers are the
 * single-partition ones, the batch cannot drift from them (docs/state-machine.md).
 */
import { asWorkerId } from "../util/ids.js";
import type { CompletionItem } from "./commands.js";
import type { ApplyContext, Handler } from "./handler-context.js";
import { ok } from "./handler-context.js";
import { completePartition } from "./partition-commands.js";
import { isRejection } from "./results.js";
import type { BatchAcquireResult, CompletionItemResult } from "./results.js";
import { acquirePartitions } from "./worker-commands.js";

function completeItem(
  ctx: ApplyContext,
  workerId: string,
  item: CompletionItem,
): CompletionItemResult {
  const result = completePartition(ctx, {
    type: "CompletePartition",
    workerId,
    planId: item.planId,
    partitionId: item.partitionId,
    fencingToken: item.fencingToken,
    processedCount: item.processedCount,
  });
  const at = { planId: item.planId, partitionId: item.partitionId };
  if (isRejection(result)) return { status: result.status, ...at, detail: result.detail };
  return { status: "ok", ...at, planStatus: result.planStatus };
}

function acquireAfter(ctx: ApplyContext, workerId: string, max: number): BatchAcquireResult {
  const result = acquirePartitions(ctx, {
    type: "AcquirePartitions",
    workerId,
    max,
    namespace: undefined,
  });
  if (isRejection(result)) return { status: result.status, detail: result.detail };
  return { status: "ok", leaseExpiresAtMs: result.leaseExpiresAtMs, granted: result.granted };
}

/** Completes every item in order, each fenced on its own; then acquires when asked. */
export const completePartitions: Handler<"CompletePartitions"> = (ctx, command) => {
  const results = command.items.map((item) => completeItem(ctx, command.workerId, item));
  const acquire =
    command.acquireMax === undefined
      ? null
      : acquireAfter(ctx, command.workerId, command.acquireMax);
  const workerId = asWorkerId(command.workerId);
  return ok("CompletePartitions", { workerId, results, acquire });
};
