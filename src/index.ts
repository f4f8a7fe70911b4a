/**
 * The public library API of elk-coordinator (the package root): the worker SDK — processors,
 * planners, `createWorker` and its events — and the typed cluster client, with the error
 * catalogue their callers handle. README "Worker SDK" shows them in use.
 */
export { createWorker } from "./worker/worker.js";
export type {
  Worker,
  WorkerLogger,
  WorkerOptions,
  WorkerPhase,
  WorkerStats,
} from "./worker/worker.js";
export { PartitionError, isRetryable } from "./worker/processor.js";
export type {
  PartitionPlanner,
  PartitionTask,
  ProcessResult,
  Processor,
} from "./worker/processor.js";
export { PartitionAbortedError } from "./worker/partition-runner.js";
export { DEFAULT_BREAKER_OPTIONS } from "./worker/circuit-breaker.js";
export type { BreakerState, CircuitBreakerOptions } from "./worker/circuit-breaker.js";
export type {
  LeaseLossReason,
  PartitionRef,
  WorkerEventName,
  WorkerEvents,
  WorkerListener,
} from "./worker/events.js";
export { systemClock } from "./worker/clock.js";
export type { TimerHandle, WorkerClock } from "./worker/clock.js";
export { drainOnSignals } from "./worker/signals.js";
export { createClient, createSequencer } from "./worker/client.js";
export type {
  CallOptions,
  ClientLogger,
  ClientOptions,
  ClientSession,
  CoordinatorClient,
  Sequencer,
} from "./worker/client.js";
export type { PartitionGrant } from "./worker/worker-client.js";
export { CoordinatorError, ERROR_CATALOGUE, isErrorCode } from "./errors.js";
export type { ErrorCode, ErrorSpec } from "./errors.js";
