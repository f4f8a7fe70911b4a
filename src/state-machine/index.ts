/**
 * The coordinator state machine's public surface (docs/state-machine.md): create a state, `apply`
 * committed commands to it, read it through queries, snapshot and restore it, compare states by
 * `stateHash`. Everything here is pure and deterministic; other modules import this file only.
 */
export { apply } from "./apply.js";
export { createState } from "./state.js";
export type { CoordinatorState } from "./state.js";
export type * from "./commands.js";
export { APPLY_STATUSES, isRejection } from "./results.js";
export type * from "./results.js";
export type { JsonValue } from "./json-value.js";
export { RESERVED_PLAN_ID, checkCommand } from "./check-command.js";
export { ID_PATTERN } from "./field-reader.js";
export { DEFAULT_NAMESPACE } from "./plan-commands.js";
export {
  getPartition,
  getPlan,
  getWorker,
  grantableAtMs,
  listPartitions,
  listPlans,
  listWorkers,
  nextLeaseExpiryAtMs,
  planGaps,
  stateClock,
} from "./queries.js";
export type * from "./queries.js";
export { partitionBuckets } from "./partition-buckets.js";
export type { PartitionBuckets } from "./partition-buckets.js";
export { SnapshotFormatError, encodeSnapshot, restoreSnapshot, stateHash } from "./snapshot.js";
export { retryBackoffMs } from "./partition-lifecycle.js";
