/**
 * A linearizability checker for recorded API histories, after Wing & Gong's search as
 * improved by Lowe ("Testing for linearizability", 2017) and used by Porcupine: walk the
 * history's call/return events, tentatively linearize a pending call whose model step is legal,
 * backtrack when a return is reached that was not linearized, and remember every
 * (set of linearized operations, model state) pair already explored so no branch is searched
 * twice. The model may be nondeterministic (a step returns every legal next state): an operation
 * whose outcome is unknown (a timeout, a reset connection) is given `output: undefined` and an
 * infinite return time, so it may take effect at any point after its call — or never.
 *
 * A search that exceeds its step budget answers "unknown", never a pass.
 */

/** One operation of a history, timed on ONE monotonic clock (the harness's). */
export interface Operation<I, O> {
  /** Who issued it: operations of one client never overlap. */
  readonly clientId: string;
  readonly input: I;
  /** What it returned; undefined when the outcome is unknown. */
  readonly output: O | undefined;
  /** When it was called (ms, monotonic). */
  readonly callAtMs: number;
  /** When it returned (ms, monotonic); Infinity when the outcome is unknown. */
  readonly returnAtMs: number;
}

/** A sequential specification. */
export interface Model<S, I, O> {
  readonly initial: S;
  /**
   * Every state the object may be in after applying `input` to `state` and answering `output`
   * (undefined: any answer). Empty when that answer is impossible from `state`.
   */
  step(state: S, input: I, output: O | undefined): readonly S[];
  /** A canonical string of a state, to remember explored states. */
  key(state: S): string;
}

/** The answer of {@link checkLinearizable}. */
export type Verdict =
  | { readonly kind: "linearizable"; readonly steps: number }
  | {
      readonly kind: "not-linearizable";
      readonly steps: number;
      /** The longest prefix order the search found (operation indices), for the report. */
      readonly longestPrefix: readonly number[];
    }
  | { readonly kind: "unknown"; readonly steps: number; readonly reason: string };

interface Entry {
  readonly opIndex: number;
  readonly isCall: boolean;
  readonly atMs: number;
  /** The matching return of a call (null for a return). */
  match: Entry | null;
  prev: Entry | null;
  next: Entry | null;
}

/**
 * Whether `history` is linearizable with respect to `model`.
 * @param stepsMax the search budget (model steps tried); beyond it the verdict is "unknown"
 */
export function checkLinearizable<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  stepsMax: number,
): Verdict {
  const head = buildEntries(history);
  const linearized = new Uint8Array(history.length);
  const explored = new Map<string, Set<string>>();
  const stack: { entry: Entry; state: S }[] = [];
  let state = model.initial;
  let entry = head.next;
  let steps = 0;
  let longest: number[] = [];
  while (head.next !== null) {
    if (steps > stepsMax) {
      return { kind: "unknown", steps, reason: `search budget of ${stepsMax} steps spent` };
    }
    if (entry === null) {
      return { kind: "not-linearizable", steps, longestPrefix: longest };
    }
    if (entry.isCall) {
      const op = history[entry.opIndex]!;
      steps += 1;
      linearized[entry.opIndex] = 1;
      const setKey = bitsKey(linearized);
      const seen = explored.get(setKey) ?? new Set<string>();
      const next = model
        .step(state, op.input, op.output)
        .find((candidate) => !seen.has(model.key(candidate)));
      if (next !== undefined) {
        seen.add(model.key(next));
        explored.set(setKey, seen);
        stack.push({ entry, state });
        state = next;
        lift(entry);
        if (stack.length > longest.length) longest = stack.map((frame) => frame.entry.opIndex);
        entry = head.next;
      } else {
        linearized[entry.opIndex] = 0;
        entry = entry.next;
      }
    } else {
      // A return reached: the call before it could not be placed; undo the last choice.
      const frame = stack.pop();
      if (frame === undefined) return { kind: "not-linearizable", steps, longestPrefix: longest };
      unlift(frame.entry);
      linearized[frame.entry.opIndex] = 0;
      state = frame.state;
      // Try the same call again: explored states are skipped, so its next candidate comes up.
      entry = frame.entry;
    }
  }
  return { kind: "linearizable", steps };
}

/**
 * Splits a history by key and checks each part alone (linearizability is compositional,
 * Herlihy & Wing 1990 §3.3). The first non-linearizable part wins; else any unknown part.
 */
export function checkByKey<S, I, O>(
  model: Model<S, I, O>,
  history: readonly (Operation<I, O> & { readonly key: string })[],
  stepsMaxPerKey: number,
): { readonly verdict: Verdict; readonly key: string | null; readonly keys: number } {
  const byKey = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  let undecided: { verdict: Verdict; key: string } | null = null;
  let steps = 0;
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const verdict = checkLinearizable(model, ops, stepsMaxPerKey);
    steps += verdict.steps;
    if (verdict.kind === "not-linearizable") return { verdict, key, keys: byKey.size };
    if (verdict.kind === "unknown") undecided ??= { verdict, key };
  }
  if (undecided !== null) return { ...undecided, keys: byKey.size };
  return { verdict: { kind: "linearizable", steps }, key: null, keys: byKey.size };
}

/** The events sorted by time (calls before returns at equal times: the permissive order). */
function buildEntries<I, O>(history: readonly Operation<I, O>[]): Entry {
  const events: Entry[] = [];
  history.forEach((op, opIndex) => {
    const call: Entry = {
      opIndex,
      isCall: true,
      atMs: op.callAtMs,
      match: null,
      prev: null,
      next: null,
    };
    const ret: Entry = {
      opIndex,
      isCall: false,
      atMs: op.returnAtMs,
      match: null,
      prev: null,
      next: null,
    };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.atMs - b.atMs || Number(b.isCall) - Number(a.isCall));
  const head: Entry = {
    opIndex: -1,
    isCall: false,
    atMs: -Infinity,
    match: null,
    prev: null,
    next: null,
  };
  let last = head;
  for (const event of events) {
    event.prev = last;
    last.next = event;
    last = event;
  }
  return head;
}

/** Removes a call and its return from the list. */
function lift(call: Entry): void {
  for (const entry of [call, call.match!]) {
    entry.prev!.next = entry.next;
    if (entry.next !== null) entry.next.prev = entry.prev;
  }
}

/** Puts a lifted call and its return back (the reverse order of {@link lift}). */
function unlift(call: Entry): void {
  for (const entry of [call.match!, call]) {
    entry.prev!.next = entry;
    if (entry.next !== null) entry.next.prev = entry;
  }
}

function bitsKey(bits: Uint8Array): string {
  return Buffer.from(bits).toString("latin1");
}
