/**
 * Reconnect delays for a peer link: exponential backoff with "equal jitter" (the delay of attempt
 * n is drawn uniformly from [d/2, d) where d = min(max, min·2^n)), after the AWS Architecture
 * Blog's "Exponential Backoff and Jitter". Jitter keeps nodes that lost each other at the same
 * moment from redialing in lockstep; the randomness comes from an injected {@link Prng} so tests
 * are deterministic.
 */
import { assert } from "../util/assert.js";
import type { Prng } from "../util/prng.js";

/** The reconnect delays of one link (see the module header). */
export class ReconnectBackoff {
  private attempts = 0;

  constructor(
    private readonly prng: Prng,
    private readonly delayMsMin: number,
    private readonly delayMsMax: number,
  ) {
    assert(0 < delayMsMin && delayMsMin <= delayMsMax, "backoff bounds must be 0 < min <= max");
  }

  /** The delay before the next attempt, in ms; each call counts as one more failed attempt. */
  nextDelayMs(): number {
    const ceilingMs = Math.min(this.delayMsMax, this.delayMsMin * 2 ** this.attempts);
    if (ceilingMs < this.delayMsMax) this.attempts++;
    return ceilingMs / 2 + this.prng.nextFloat() * (ceilingMs / 2);
  }

  /** Back to the shortest delay (after a link came up). */
  reset(): void {
    this.attempts = 0;
  }
}
