/**
 * Reading the fields of an untrusted command object (the state machine is the last line
 * of defence). Each read checks presence, type and bounds; the first problem throws
 * {@link InvalidField}, which `checkCommand` turns into an `invalid_request` result — the
 * exception never leaves this module pair. Only own properties are read, so nothing can be
 * smuggled in through a prototype, and {@link FieldReader.finish} refuses fields nobody read.
 */
import { idBytesMax } from "../constants.js";
import { utf8ByteLength } from "./json-value.js";

/** A field failed its check; `message` says which and why. Caught only by `checkCommand`. */
export class InvalidField extends Error {
  override readonly name = "InvalidField";
}

/** The shape of every id a client may choose (plan, worker, namespace, client session). */
export const ID_PATTERN = new RegExp(`^[A-Za-z0-9._-]{1,${idBytesMax}}$`);

/** Reads and checks the fields of one object, remembering which ones it read. */
export class FieldReader {
  private readonly seen = new Set<string>();

  /** @param what names the object in messages ("CreatePlan", "ranges[2]") */
  constructor(
    private readonly raw: Readonly<Record<string, unknown>>,
    private readonly what: string,
  ) {}

  /** The raw own value of `name`, or undefined when absent. */
  value(name: string): unknown {
    this.seen.add(name);
    return Object.hasOwn(this.raw, name) ? this.raw[name] : undefined;
  }

  /** A required id matching {@link ID_PATTERN}. */
  id(name: string): string {
    const value = this.optionalId(name);
    if (value === undefined) this.fail(name, "is required");
    return value;
  }

  optionalId(name: string): string | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !ID_PATTERN.test(value)) {
      this.fail(name, `must match ${ID_PATTERN.source}`);
    }
    return value;
  }

  /** A required safe integer in [min, max]. */
  int(name: string, min: number, max: number): number {
    const value = this.optionalInt(name, min, max);
    if (value === undefined) this.fail(name, "is required");
    return value;
  }

  optionalInt(name: string, min: number, max: number): number | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (!Number.isSafeInteger(value)) this.fail(name, "must be a safe integer");
    return this.bounded(name, value as number, min, max);
  }

  bool(name: string): boolean {
    const value = this.optionalBool(name);
    if (value === undefined) this.fail(name, "is required");
    return value;
  }

  optionalBool(name: string): boolean | undefined {
    const value = this.value(name);
    if (value === undefined || typeof value === "boolean") return value;
    this.fail(name, "must be a boolean");
  }

  /** A required string of at most `bytesMax` UTF-8 bytes. */
  text(name: string, bytesMax: number): string {
    const value = this.optionalText(name, bytesMax);
    if (value === undefined) this.fail(name, "is required");
    return value;
  }

  optionalText(name: string, bytesMax: number): string | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (typeof value !== "string") this.fail(name, "must be a string");
    if (utf8ByteLength(value) > bytesMax) this.fail(name, `must be at most ${bytesMax} bytes`);
    return value;
  }

  /** An optional array of at most `lengthMax` items. */
  optionalArray(name: string, lengthMax: number): readonly unknown[] | undefined {
    const value = this.value(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) this.fail(name, "must be an array");
    if (value.length > lengthMax) this.fail(name, `must have at most ${lengthMax} items`);
    return value as readonly unknown[];
  }

  /** Refuses the object when it has a field no read asked for. */
  finish(): void {
    for (const key of Object.keys(this.raw)) {
      if (!this.seen.has(key)) throw new InvalidField(`${this.what}: unknown field "${key}"`);
    }
  }

  /** Throws {@link InvalidField} naming `name`. */
  fail(name: string, problem: string): never {
    throw new InvalidField(`${this.what}.${name} ${problem}`);
  }

  private bounded(name: string, value: number, min: number, max: number): number {
    if (value < min || value > max) this.fail(name, `must be in [${min}, ${max}]`);
    return value;
  }
}
