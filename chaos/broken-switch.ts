/**
 * The ONE test-only switch that breaks fencing on purpose, to prove the checker catches a broken
 * build: with `ELK_CHAOS_BREAK_FENCING=1` the resource store accepts writes whatever
 * their token, and the chaos processor ignores the abort signal the worker SDK raises when it
 * loses a lease — so a worker paused past its lease writes its rows after its successor did.
 * Only chaos/ reads it; the harness passes it on to the worker processes it starts.
 */

/** The variable's name. */
export const BREAK_FENCING_ENV = "ELK_CHAOS_BREAK_FENCING";

/** Whether this process runs the deliberately broken build. */
export function fencingBroken(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[BREAK_FENCING_ENV] === "1";
}
