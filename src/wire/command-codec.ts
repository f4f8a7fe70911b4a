/**
 * The bytes of a state-machine command in the Raft log: a versioned MessagePack envelope
 * `[version, proposedAtMs, clientId | nil, seq | nil, command]` (an array, so field names are not
 * repeated in every entry). Decoding checks only the envelope; the command inside stays
 * `unknown` until `apply` checks it field by field (the state machine is the last line of
 * defence), so a command from a newer or older writer is judged in one place.
 *
 * Version 1 is the only version. A new version is added beside it, never by changing it: every
 * node must decode every entry it will ever find in its log.
 */
import { Packr } from "msgpackr";
import { CoordinatorError } from "../errors.js";
import type { Command, CommandEnvelope } from "../state-machine/index.js";

/** The envelope version this module writes. */
export const COMMAND_ENVELOPE_VERSION = 1;

/** The bytes are not a command envelope this version understands. Code `invalid_request`. */
export class CommandDecodeError extends CoordinatorError {
  constructor(message: string) {
    super("invalid_request", `malformed command entry: ${message}`);
  }
}

// Plain MessagePack maps and arrays only (no records, no extension types), undefined fields
// dropped as JSON.stringify drops them, 64-bit integers decoded as numbers (apply refuses any
// that is not a safe integer).
// `skipValues` is documented in msgpackr's README but missing from its type declarations.
const options: ConstructorParameters<typeof Packr>[0] & { skipValues: readonly unknown[] } = {
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  skipValues: [undefined],
  int64AsType: "number",
};
const packr = new Packr(options);

/** The log bytes of `envelope`. */
export function encodeCommand(envelope: CommandEnvelope<Command>): Uint8Array {
  return packr.pack([
    COMMAND_ENVELOPE_VERSION,
    envelope.proposedAtMs,
    envelope.clientId ?? null,
    envelope.seq ?? null,
    envelope.command,
  ]);
}

/**
 * The envelope in `bytes`, its command unchecked.
 * @throws CommandDecodeError when the bytes are not MessagePack, carry trailing data, or are not
 *   a version-1 envelope with a numeric `proposedAtMs`, optional string `clientId` and numeric
 *   `seq`, and an object `command`
 */
export function decodeCommand(bytes: Uint8Array): CommandEnvelope<unknown> {
  let decoded: unknown;
  try {
    decoded = packr.unpack(bytes);
  } catch (error) {
    throw new CommandDecodeError(error instanceof Error ? error.message : String(error));
  }
  if (!Array.isArray(decoded) || decoded.length !== 5) {
    throw new CommandDecodeError("not a five-element envelope");
  }
  const [version, proposedAtMs, clientId, seq, command] = decoded as unknown[];
  if (version !== COMMAND_ENVELOPE_VERSION) {
    throw new CommandDecodeError(`unsupported envelope version ${String(version)}`);
  }
  if (typeof proposedAtMs !== "number") throw new CommandDecodeError("proposedAtMs not a number");
  if (clientId !== null && typeof clientId !== "string") {
    throw new CommandDecodeError("clientId not a string");
  }
  if (seq !== null && typeof seq !== "number") throw new CommandDecodeError("seq not a number");
  if (typeof command !== "object" || command === null || Array.isArray(command)) {
    throw new CommandDecodeError("command not an object");
  }
  return {
    proposedAtMs,
    ...(clientId === null ? {} : { clientId }),
    ...(seq === null ? {} : { seq }),
    command,
  };
}
