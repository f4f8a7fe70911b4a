/**
 * Stop signals for long-running commands (`node`, `dev`): the first SIGINT or SIGTERM asks for
 * a graceful stop, a later one for an immediate exit. A repeat within
 * {@link SIGNAL_REPEAT_IGNORED_MS} of the first counts as the same request: a terminal's Ctrl-C
 * reaches every process of the foreground group, so a process started through a wrapper (npx,
 * tsx) receives it once from the terminal and once relayed by the wrapper.
 */

/** Repeats of a stop signal this soon after the first are the same Ctrl-C, delivered twice. */
export const SIGNAL_REPEAT_IGNORED_MS = 1_000;

/** What to do on the first stop request, and on a later one. */
export interface StopHandlers {
  readonly stop: (reason: string) => void;
  readonly stopNow: (reason: string) => void;
}

/**
 * Installs the handlers for SIGINT and SIGTERM, and for the loss of the parent process's IPC
 * channel when there is one (a node started by `dev` stops with its parent).
 * @returns a function that removes them again
 */
export function onStopSignals(handlers: StopHandlers, clock: () => number = Date.now): () => void {
  let firstAtMs: number | null = null;
  const request = (reason: string) => {
    const nowMs = clock();
    if (firstAtMs === null) {
      firstAtMs = nowMs;
      handlers.stop(reason);
    } else if (nowMs - firstAtMs >= SIGNAL_REPEAT_IGNORED_MS) {
      handlers.stopNow(reason);
    }
  };
  const onInterrupt = () => request("SIGINT");
  const onTerminate = () => request("SIGTERM");
  const onDisconnect = () => request("the parent process went away");
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onTerminate);
  if (process.connected) process.on("disconnect", onDisconnect);
  return () => {
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onTerminate);
    process.off("disconnect", onDisconnect);
  };
}
