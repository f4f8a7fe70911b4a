/**
 * Graceful drain on SIGTERM/SIGINT: the first signal starts `worker.stop()` (stop
 * acquiring, finish or release what runs, deregister); a second one while draining calls
 * `onForced` (the CLI exits at once — the cluster re-grants what the worker held once its lease
 * ends, and fencing keeps a late write from counting).
 */
import type { Worker } from "./worker.js";

/** What {@link drainOnSignals} does around the drain. */
export interface DrainOnSignalsOptions {
  /** Default SIGTERM and SIGINT. */
  readonly signals?: readonly NodeJS.Signals[];
  /** Overrides the worker's drain deadline. */
  readonly drainTimeoutMs?: number;
  /** The drain finished (with the error it failed with, if any). */
  readonly onDrained?: (error: unknown) => void;
  /** A second signal arrived during the drain. */
  readonly onForced?: (signal: NodeJS.Signals) => void;
}

/**
 * Drains `worker` when the process receives one of the signals.
 * @returns removes the handlers
 */
export function drainOnSignals(worker: Worker, options: DrainOnSignalsOptions = {}): () => void {
  const signals = options.signals ?? ["SIGTERM", "SIGINT"];
  let draining = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (draining) {
      options.onForced?.(signal);
      return;
    }
    draining = true;
    const stopOptions =
      options.drainTimeoutMs === undefined ? {} : { drainTimeoutMs: options.drainTimeoutMs };
    worker.stop(stopOptions).then(
      () => options.onDrained?.(undefined),
      (error: unknown) => options.onDrained?.(error),
    );
  };
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
