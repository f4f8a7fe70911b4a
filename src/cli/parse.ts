/**
 * Parsing of command-line values: integers with bounds and JSON, each failure a
 * {@link UsageError} naming the option.
 */
import { UsageError } from "./exit-codes.js";

/**
 * A whole number ≥ `min` written in decimal (`"1000"`, or `"-5"` when `min` allows; pass
 * `-Infinity` for any integer).
 * @throws UsageError otherwise
 */
export function parseCount(text: string, option: string, min = 0): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min) {
    const bound = min === -Infinity ? "" : ` ≥ ${min}`;
    throw new UsageError(`${option} must be a whole number${bound}, got "${text}"`);
  }
  return value;
}

/**
 * The JSON value `text` holds.
 * @throws UsageError when it is not JSON
 */
export function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${option} must be JSON: ${reason}`);
  }
}
