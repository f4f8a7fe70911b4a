// Proves the command codec: every envelope round-trips (undefined fields dropped), and bytes that
// are not a version-1 envelope — garbage, truncated, trailing data, wrong shapes — throw a
// CommandDecodeError that is a CoordinatorError with code invalid_request.
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { CoordinatorError } from "../../src/errors.js";
import { apply, createState } from "../../src/state-machine/index.js";
import type { Command, CommandEnvelope } from "../../src/state-machine/index.js";
import {
  COMMAND_ENVELOPE_VERSION,
  CommandDecodeError,
  decodeCommand,
  encodeCommand,
} from "../../src/wire/command-codec.js";
import { MALFORMED } from "../state-machine/command-generator.js";

const raw = new Packr({ useRecords: false, mapsAsObjects: true });
const envelope: CommandEnvelope<Command> = {
  proposedAtMs: 1_700_000_000_000,
  clientId: "client-1",
  seq: 12,
  command: {
    type: "CreatePlan",
    planId: "x",
    minId: 0,
    maxId: 2 ** 40,
    partitionSize: 1_000_000,
    options: { deep: [1, "two", null, { three: 3.5 }] },
  },
};

describe("encodeCommand / decodeCommand", () => {
  it("round-trips an envelope", () => {
    expect(decodeCommand(encodeCommand(envelope))).toEqual(envelope);
  });

  it("round-trips an envelope without a session, dropping undefined fields", () => {
    const bare = {
      proposedAtMs: 5,
      command: { type: "Heartbeat", workerId: "w1", draining: undefined },
    } as unknown as CommandEnvelope<Command>;
    const decoded = decodeCommand(encodeCommand(bare));
    expect(decoded).toEqual({ proposedAtMs: 5, command: { type: "Heartbeat", workerId: "w1" } });
    expect(Object.keys(decoded.command as object)).toEqual(["type", "workerId"]);
  });

  // A `__proto__` key is not carried faithfully by msgpackr; checkCommand refuses it before a
  // command is ever encoded (test/state-machine/check-command.test.ts), so it is excluded here,
  // at the top level as well as inside values.
  const plainJson = fc
    .jsonValue()
    .filter((value) => !JSON.stringify(value).includes('"__proto__"'));
  const plainKey = fc.string().filter((key) => key !== "__proto__");

  it("round-trips any JSON-shaped command", () => {
    fc.assert(
      fc.property(fc.nat(), fc.dictionary(plainKey, plainJson), (proposedAtMs, command) => {
        const decoded = decodeCommand(
          encodeCommand({ proposedAtMs, command: command as unknown as Command }),
        );
        expect(decoded.command).toEqual(JSON.parse(JSON.stringify(command)));
      }),
    );
  });

  it("hands malformed commands through for apply to refuse", () => {
    const state = createState();
    MALFORMED.filter(
      (command) => typeof command === "object" && command !== null && !Array.isArray(command),
    ).forEach((command, k) => {
      const decoded = decodeCommand(
        encodeCommand({ proposedAtMs: 1, command: command as Command }),
      );
      expect(apply(state, decoded, k + 1)).toMatchObject({ status: "invalid_request" });
    });
  });

  it.each([
    ["garbage", Uint8Array.from([0xc1])],
    ["nothing", new Uint8Array(0)],
    ["a truncated envelope", encodeCommand(envelope).slice(0, 10)],
    ["trailing bytes", Uint8Array.from([...encodeCommand(envelope), 0])],
    ["a map instead of an array", raw.pack({ proposedAtMs: 1, command: {} })],
    ["four elements", raw.pack([COMMAND_ENVELOPE_VERSION, 1, null, null])],
    ["version 2", raw.pack([2, 1, null, null, { type: "Heartbeat" }])],
    ["a string proposedAtMs", raw.pack([COMMAND_ENVELOPE_VERSION, "1", null, null, {}])],
    ["a numeric clientId", raw.pack([COMMAND_ENVELOPE_VERSION, 1, 7, 1, {}])],
    ["a string seq", raw.pack([COMMAND_ENVELOPE_VERSION, 1, "c", "1", {}])],
    ["an array command", raw.pack([COMMAND_ENVELOPE_VERSION, 1, null, null, []])],
    ["a null command", raw.pack([COMMAND_ENVELOPE_VERSION, 1, null, null, null])],
  ])("refuses %s with a typed invalid_request error", (_, bytes) => {
    let thrown: unknown;
    try {
      decodeCommand(bytes);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CommandDecodeError);
    expect(thrown).toBeInstanceOf(CoordinatorError);
    expect((thrown as CoordinatorError).code).toBe("invalid_request");
  });
});
