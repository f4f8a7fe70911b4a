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

/**
 * `host:port` (IPv6 hosts in brackets: `[::1]:9464`); port 0 picks a free one.
 * @throws UsageError otherwise
 */
export function parseHostPort(
  text: string,
  option: string,
): { readonly host: string; readonly port: number } {
  const match = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2] ?? NaN);
  if (match === null || port > 65_535) {
    throw new UsageError(`${option} must be host:port with a port 0..65535, got "${text}"`);
  }
  return { host: (match[1] ?? "").replace(/^\[|\]$/g, ""), port };
}
