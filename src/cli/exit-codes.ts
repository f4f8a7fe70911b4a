/**
 * The CLI's exit codes (after the BSD sysexits convention of a distinct code for usage errors):
 * scripts can tell "I called it wrong" from "the cluster said no".
 */

/** Success. */
export const EXIT_OK = 0;
/** The command failed: the cluster answered an error, could not be reached, or a node failed. */
export const EXIT_FAILURE = 1;
/** The command line or configuration is wrong (unknown option, bad value, missing setting). */
export const EXIT_USAGE = 2;
/** A node was stopped by a second Ctrl-C or SIGTERM before its graceful stop finished. */
export const EXIT_INTERRUPTED = 130;

/** A mistake in how the CLI was called; printed as `error: …` and exits with EXIT_USAGE. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
