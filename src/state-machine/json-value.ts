/**
 * JSON values carried by commands (plan options, worker meta, stored results): checking that an
 * untrusted value is plain JSON, and a canonical text for it (object keys sorted by UTF-16 code
 * unit, as `Array.prototype.sort` orders strings) so that equal values encode to equal bytes on
 * every node — the state hash depends on it.
 */

const FORBIDDEN_KEY = "__proto__";

/** A JSON value: what `JSON.parse` can return. */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Why `value` is not plain JSON no deeper than `depthMax`, or undefined when it is. Plain JSON
 * means: null, booleans, finite numbers, strings, arrays, and objects whose prototype is
 * `Object.prototype` or null (no Dates, Maps, typed arrays or class instances), and no key
 * `__proto__`: msgpackr (the log's codec) does not carry that key faithfully, so a value holding
 * it would change on its way through the log; the HTTP edge refuses it too (prototype poisoning).
 */
export function jsonProblem(value: unknown, depthMax: number): string | undefined {
  if (value === null || typeof value === "boolean" || typeof value === "string") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? undefined : "a non-finite number";
  if (typeof value !== "object") return `a ${typeof value}`;
  if (depthMax <= 0) return "nesting too deep";
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = jsonProblem(item, depthMax - 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return "an object that is not plain";
  for (const key of Object.keys(value)) {
    if (key === FORBIDDEN_KEY) return `the key "${FORBIDDEN_KEY}"`;
    const problem = jsonProblem((value as Record<string, unknown>)[key], depthMax - 1);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Whether `value` is an object literal (prototype `Object.prototype` or null), not an array. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The canonical JSON text of `value`: no whitespace, object keys sorted. `-0` is written as `0`
 * (JSON has no negative zero). The caller has checked `value` with {@link jsonProblem}.
 */
export function canonicalJson(value: JsonValue): string {
  // `undefined` (which a cast may smuggle in) is written as JSON.stringify writes it in an
  // array, and object keys holding it are dropped below, so the text always parses.
  if (value === undefined) return "null";
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) {
    return `[${(value as readonly JsonValue[]).map(canonicalJson).join(",")}]`;
  }
  const record = value as { readonly [key: string]: JsonValue };
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  const parts = keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key] ?? null)}`);
  return `{${parts.join(",")}}`;
}

/** `value` and everything inside it frozen, so views can hand it out without copying. */
function deepFreeze<T extends JsonValue>(value: T): T {
  if (value !== null && typeof value === "object") {
    for (const item of Object.values(value)) deepFreeze(item as JsonValue);
    Object.freeze(value);
  }
  return value;
}

/** The parsed, frozen value of a canonical JSON text. */
export function parseFrozenJson(text: string): JsonValue {
  return deepFreeze(JSON.parse(text) as JsonValue);
}

/** Bytes of `text` in UTF-8 (lone surrogates count as the 3 bytes of U+FFFD). */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
