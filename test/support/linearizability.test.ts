// Proves the linearizability checker and the partition model on hand-made histories: it accepts
// linearizable ones (including overlapping calls and lost answers), rejects non-linearizable
// ones (a double grant, a stale read, a completion by a non-holder), and answers "unknown"
// rather than passing when its search budget runs out.
import { describe, expect, it } from "vitest";
import { checkByKey, checkLinearizable, type Model, type Operation } from "./linearizability.js";
import {
  partitionModel,
  type PartitionInput,
  type PartitionOutput,
} from "../../chaos/partition-model.js";

type Op = Operation<PartitionInput, PartitionOutput>;

function op(
  clientId: string,
  callAtMs: number,
  returnAtMs: number | null,
  input: PartitionInput,
  output?: PartitionOutput,
): Op {
  return { clientId, input, output, callAtMs, returnAtMs: returnAtMs ?? Infinity };
}

const acquire = (workerId: string): PartitionInput => ({ op: "acquire", workerId });
const complete = (workerId: string, token: number): PartitionInput => ({
  op: "complete",
  workerId,
  token,
});
const read: PartitionInput = { op: "read" };
const granted = (token: number): PartitionOutput => ({ kind: "granted", token });
const none: PartitionOutput = { kind: "none" };
const ok: PartitionOutput = { kind: "ok" };
const rejected: PartitionOutput = { kind: "rejected", code: "not_holder" };
const shows = (
  status: "pending" | "held" | "completed",
  workerId: string | null,
  token: number,
): PartitionOutput => ({ kind: "read", status, workerId, token });

const BUDGET = 100_000;

describe("the partition model through the checker", () => {
  it("accepts a sequential grant, completion and read", () => {
    const history = [
      op("a", 0, 1, acquire("a"), granted(7)),
      op("a", 2, 3, complete("a", 7), ok),
      op("r", 4, 5, read, shows("completed", "a", 7)),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("linearizable");
  });

  it("accepts two racing acquires when one wins and the other sees none, in either order", () => {
    const history = [op("b", 0, 10, acquire("b"), none), op("a", 1, 9, acquire("a"), granted(5))];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("linearizable");
  });

  it("rejects a double grant: two workers told they hold it at once", () => {
    const history = [
      op("a", 0, 10, acquire("a"), granted(5)),
      op("b", 1, 9, acquire("b"), granted(6)),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("not-linearizable");
  });

  it("rejects a read that goes back in time after a completion returned", () => {
    const history = [
      op("a", 0, 1, acquire("a"), granted(5)),
      op("a", 2, 3, complete("a", 5), ok),
      op("r", 4, 5, read, shows("held", "a", 5)),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("not-linearizable");
  });

  it("rejects a completion accepted from a worker that never held it", () => {
    const history = [op("a", 0, 1, acquire("a"), granted(5)), op("b", 2, 3, complete("b", 5), ok)];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("not-linearizable");
  });

  it("rejects a stale token accepted after a re-grant", () => {
    const history = [
      op("a", 0, 1, acquire("a"), granted(5)),
      op("a", 2, 3, { op: "release", workerId: "a", token: 5 }, ok),
      op("b", 4, 5, acquire("b"), granted(9)),
      op("a", 6, 7, complete("a", 5), ok),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("not-linearizable");
    history[3] = op("a", 6, 7, complete("a", 5), rejected);
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("linearizable");
  });

  it("lets a lost answer take effect later, or never", () => {
    const tookEffect = [
      op("a", 0, null, acquire("a")),
      op("r", 5, 6, read, shows("held", "a", 12)),
      op("b", 7, 8, acquire("b"), none),
    ];
    expect(checkLinearizable(partitionModel, tookEffect, BUDGET).kind).toBe("linearizable");
    const neverDid = [op("a", 0, null, acquire("a")), op("b", 5, 6, acquire("b"), granted(3))];
    expect(checkLinearizable(partitionModel, neverDid, BUDGET).kind).toBe("linearizable");
  });

  it("still refuses what no placement of a lost answer explains", () => {
    const history = [
      op("a", 0, null, acquire("a")),
      op("r", 5, 6, read, shows("held", "a", 12)),
      op("r", 7, 8, read, shows("pending", null, 0)),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("not-linearizable");
  });

  it("checks keys apart and names the broken one", () => {
    const keyed = [
      { ...op("a", 0, 1, acquire("a"), granted(5)), key: "p1/0" },
      { ...op("a", 0, 1, acquire("a"), granted(5)), key: "p2/0" },
      { ...op("b", 2, 3, acquire("b"), granted(6)), key: "p2/0" },
    ];
    const result = checkByKey(partitionModel, keyed, BUDGET);
    expect(result.verdict.kind).toBe("not-linearizable");
    expect(result.key).toBe("p2/0");
    expect(result.keys).toBe(2);
  });
});

// A register (write / read) to drive the search hard: many overlapping operations.
type RegisterInput = { readonly write: number } | { readonly read: true };
const register: Model<number, RegisterInput, number | "ok"> = {
  initial: 0,
  key: (value) => String(value),
  step(value, input, output) {
    if ("write" in input) return output === undefined || output === "ok" ? [input.write] : [];
    return output === undefined || output === value ? [value] : [];
  },
};

describe("the search", () => {
  it("answers unknown, never a pass, when the budget is spent", () => {
    const history: Operation<RegisterInput, number | "ok">[] = [];
    for (let i = 0; i < 14; i += 1) {
      history.push({
        clientId: `w${i}`,
        input: { write: i + 1 },
        output: "ok",
        callAtMs: 0,
        returnAtMs: 100,
      });
    }
    history.push({
      clientId: "r",
      input: { read: true },
      output: 99,
      callAtMs: 0,
      returnAtMs: 100,
    });
    const verdict = checkLinearizable(register, history, 50);
    expect(verdict.kind).toBe("unknown");
  });

  it("decides a wide concurrent register history within budget", () => {
    const history: Operation<RegisterInput, number | "ok">[] = [];
    for (let i = 0; i < 10; i += 1) {
      history.push({
        clientId: `w${i}`,
        input: { write: i + 1 },
        output: "ok",
        callAtMs: i,
        returnAtMs: 50 + i,
      });
    }
    history.push({
      clientId: "r",
      input: { read: true },
      output: 99,
      callAtMs: 60,
      returnAtMs: 70,
    });
    expect(checkLinearizable(register, history, BUDGET).kind).toBe("not-linearizable");
    history[10] = { clientId: "r", input: { read: true }, output: 7, callAtMs: 60, returnAtMs: 70 };
    expect(checkLinearizable(register, history, BUDGET).kind).toBe("linearizable");
  });
});

describe("calls that provably did nothing", () => {
  it("leave the state alone wherever they fall", () => {
    const history = [
      op("a", 0, 1, acquire("a"), granted(5)),
      op("b", 2, 3, acquire("b"), { kind: "failed" }),
      op("r", 4, 5, read, shows("held", "a", 5)),
    ];
    expect(checkLinearizable(partitionModel, history, BUDGET).kind).toBe("linearizable");
  });
});
