/**
 * Client sessions for exactly-once writes (Raft thesis §6.3): the state machine remembers, per
 * client id, the last seq applied and its result; a retry with that seq answers the remembered
 * result, an older seq is refused. So each client id must have at most ONE request outstanding
 * — concurrent callers use different client ids (e.g. `${workerId}/heartbeat`,
 * `${workerId}/acquire`, `${workerId}/p/${planId}/${partitionId}`; the API hashes ids that are
 * not of the `[A-Za-z0-9._-]{1,64}` shape) — and a retry re-sends the SAME seq.
 */
import { clientIdHeaderCharsMax } from "../constants.js";
import { CoordinatorError } from "../errors.js";

/** A request's place in its client session: send it with every retry of that request. */
export interface ClientSession {
  readonly clientId: string;
  readonly seq: number;
}

/** Hands out the sessions of one client id. */
export interface Sequencer {
  readonly clientId: string;
  /** A session whose seq is greater than every seq this client id used before. */
  next(): ClientSession;
}

/** Seqs per millisecond of the clock: room for a million requests per second per client id. */
const SEQS_PER_MS = 1_000;
const CLIENT_ID = /^[\x21-\x7e]+$/;

/**
 * A sequencer for `clientId`. Seqs are `max(last + 1, clockMs · 1000)`, so they increase within
 * a process and also across restarts (a restarted process starts above what the previous one
 * used, unless the clock went back), without storing anything. Safe integers until the year
 * 2255.
 * @throws CoordinatorError invalid_request when `clientId` is not 1..255 visible ASCII characters
 */
export function createSequencer(clientId: string, clock: () => number = Date.now): Sequencer {
  if (clientId.length > clientIdHeaderCharsMax || !CLIENT_ID.test(clientId)) {
    throw new CoordinatorError(
      "invalid_request",
      `a client id is 1..${clientIdHeaderCharsMax} visible ASCII characters`,
    );
  }
  let last = 0;
  return {
    clientId,
    next() {
      last = Math.max(last + 1, Math.floor(clock()) * SEQS_PER_MS);
      return { clientId, seq: last };
    },
  };
}
