/**
 * Invariant assertions. A broken invariant means our own code is wrong, so it crashes the
 * process rather than letting it continue on a guess (broken invariants crash,
 * caller mistakes are typed errors, domain rejections are results).
 */

/** Thrown when an internal invariant does not hold. Never caught by production code. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

/**
 * Asserts `condition`; throws {@link InvariantViolation} with `message` when it is false.
 * @param message a description of the invariant, or a function building it (called only on failure)
 * @throws InvariantViolation when `condition` is false
 */
export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) {
    throw new InvariantViolation(typeof message === "string" ? message : message());
  }
}

/**
 * Marks a branch the type checker proves unreachable (exhaustive `switch` over a union).
 * @throws InvariantViolation always, naming the unexpected value
 */
export function unreachable(value: never, what = "value"): never {
  throw new InvariantViolation(`unexpected ${what}: ${JSON.stringify(value)}`);
}
