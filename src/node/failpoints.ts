/**
 * Failpoints: named places in the Ready loop where a chaos test can make the node die
 * as if killed, to prove that a crash at exactly that point loses nothing acknowledged. They are
 * armed through the node's configuration (the CLI maps an environment variable onto it); the
 * node then calls the injected `onCrash` — in production `process.exit(137)`, like a SIGKILL.
 */

/** Every failpoint, in the order the Ready loop passes them. */
export const FAILPOINTS = [
  "crash-before-persist",
  "crash-after-persist",
  "crash-before-send",
  "crash-before-apply-snapshot",
  "crash-after-apply-snapshot",
] as const;

/** The name of a failpoint. */
export type Failpoint = (typeof FAILPOINTS)[number];

/** Whether `name` is a failpoint. */
export function isFailpoint(name: string): name is Failpoint {
  return (FAILPOINTS as readonly string[]).includes(name);
}

/**
 * Thrown after `onCrash` returned (only in tests, where it does not exit): unwinds the Ready
 * loop so that the node does nothing more, exactly like a killed process.
 */
export class FailpointCrash extends Error {
  override readonly name = "FailpointCrash";
  constructor(readonly failpoint: Failpoint) {
    super(`failpoint ${failpoint} crashed the node`);
  }
}
