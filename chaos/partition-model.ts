/**
 * The sequential model of ONE partition as the API shows it (docs/state-machine.md), for the
 * linearizability checker: a partition is pending, held by one worker under a fencing token, or
 * completed. Acquire grants a pending partition with a token above every earlier one; complete
 * and release succeed only for the holder with the current token; a read shows the state exactly.
 *
 * The chaos probe keeps the model honest: its workers hold at most one partition (window 1),
 * never report failures (no retry backoff) and their leases outlive the run, so no lease expires
 * and no preemption happens behind the history's back.
 */
import type { Model } from "../test/support/linearizability.js";

/** The state of the partition. */
export interface PartitionState {
  readonly status: "pending" | "held" | "completed";
  /** The holder (held) or the worker that completed it; null when pending. */
  readonly workerId: string | null;
  /** The last grant's fencing token (0 before the first). */
  readonly token: number;
  /** False after a grant whose answer was lost: the token is then only known to be > `token`. */
  readonly tokenExact: boolean;
}

/** What the probe asked. */
export type PartitionInput =
  | { readonly op: "acquire"; readonly workerId: string }
  | { readonly op: "complete"; readonly workerId: string; readonly token: number }
  | { readonly op: "release"; readonly workerId: string; readonly token: number }
  | { readonly op: "read" };

/** What it was answered. */
export type PartitionOutput =
  | { readonly kind: "granted"; readonly token: number }
  | { readonly kind: "none" }
  | { readonly kind: "ok" }
  | { readonly kind: "rejected"; readonly code: string }
  /** Provably no effect (never reached a leader, refused before proposing). */
  | { readonly kind: "failed" }
  | {
      readonly kind: "read";
      /** The API's status, with claimed and running shown as "held". */
      readonly status: string;
      readonly workerId: string | null;
      readonly token: number;
    };

const INITIAL: PartitionState = { status: "pending", workerId: null, token: 0, tokenExact: true };

/** The model: {@link PartitionState} under {@link PartitionInput} / {@link PartitionOutput}. */
export const partitionModel: Model<PartitionState, PartitionInput, PartitionOutput> = {
  initial: INITIAL,
  key: (s) => `${s.status}|${s.workerId ?? ""}|${s.token}|${s.tokenExact ? 1 : 0}`,
  step(state, input, output) {
    if (output?.kind === "failed") return [state];
    switch (input.op) {
      case "acquire":
        return acquire(state, input.workerId, output);
      case "complete":
      case "release":
        return finish(state, input, output);
      case "read":
        return read(state, output);
    }
  },
};

function acquire(
  state: PartitionState,
  workerId: string,
  output: PartitionOutput | undefined,
): PartitionState[] {
  const grantable = state.status === "pending";
  if (output === undefined) {
    // Lost answer: nothing happened, or it was granted under a token we never saw.
    const granted: PartitionState = {
      status: "held",
      workerId,
      token: state.token,
      tokenExact: false,
    };
    return grantable ? [state, granted] : [state];
  }
  if (output.kind === "rejected") return [state]; // refused (e.g. an unknown worker): no grant
  if (output.kind === "none") return grantable ? [] : [state];
  if (output.kind !== "granted" || !grantable || output.token <= state.token) return [];
  return [{ status: "held", workerId, token: output.token, tokenExact: true }];
}

function finish(
  state: PartitionState,
  input: Extract<PartitionInput, { op: "complete" | "release" }>,
  output: PartitionOutput | undefined,
): PartitionState[] {
  const holds =
    state.status === "held" &&
    state.workerId === input.workerId &&
    (state.tokenExact ? state.token === input.token : input.token > state.token);
  const after: PartitionState =
    input.op === "complete"
      ? { status: "completed", workerId: input.workerId, token: input.token, tokenExact: true }
      : { status: "pending", workerId: null, token: input.token, tokenExact: true };
  if (output === undefined) return holds ? [state, after] : [state];
  if (output.kind === "ok") return holds ? [after] : [];
  if (output.kind === "rejected") return holds ? [] : [state];
  return [];
}

function read(state: PartitionState, output: PartitionOutput | undefined): PartitionState[] {
  if (output === undefined) return [state];
  if (output.kind !== "read" || output.status !== state.status) return [];
  if (output.workerId !== state.workerId) return [];
  if (state.tokenExact) return output.token === state.token ? [state] : [];
  return output.token > state.token ? [{ ...state, token: output.token, tokenExact: true }] : [];
}
