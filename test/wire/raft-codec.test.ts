// Proves the Raft wire codec round-trips every message variant, entry, hard state and snapshot
// metadata exactly, and turns every malformed or hostile frame into a WireDecodeError.
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { raftConfMembersMax, raftEntriesPerMessageMax } from "../../src/constants.js";
import { MESSAGE_TYPES, type Message, type MessageType } from "../../src/raft/messages.js";
import type { ConfState, Entry, HardState, SnapshotMetadata } from "../../src/raft/types.js";
import { asNodeId, type NodeId } from "../../src/util/ids.js";
import {
  RAFT_WIRE_VERSION,
  WireDecodeError,
  decodeEntry,
  decodeHardState,
  decodeMessage,
  decodeSnapshotMetadata,
  encodeEntry,
  encodeHardState,
  encodeMessage,
  encodeSnapshotMetadata,
} from "../../src/wire/raft-codec.js";

type MessageOf<K extends MessageType> = Extract<Message, { type: K }>;

// Plain MessagePack, to build frames the codec itself would never write.
const raw = new Packr({ useRecords: false });
const unpackRaw = (bytes: Uint8Array): unknown[] => raw.unpack(bytes) as unknown[];

// ── Arbitraries ──────────────────────────────────────────────────────────────────────────────

/** Indexes and terms: small ones, and large ones past 2^32 (encoded as float64 on the wire). */
const nat = fc.oneof(fc.nat(1000), fc.maxSafeNat());
const nodeId = fc.string({ minLength: 1, maxLength: 12 }).map(asNodeId);
const envelope = fc
  .record({ from: nodeId, to: nodeId, term: nat })
  .filter(({ from, to }) => from !== to);
const bytes = fc.uint8Array({ maxLength: 48 });

const role = fc.constantFrom("voter", "learner", "removed");
const address = fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined });

/** A canonical ConfState: members sorted, addresses of members only, removed ids apart. */
const confState: fc.Arbitrary<ConfState> = fc
  .uniqueArray(fc.tuple(nodeId, role, address), { maxLength: 7, selector: ([id]) => id })
  .map((items) => {
    const sorted = [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const ofRole = (r: string) => sorted.filter(([, rr]) => rr === r).map(([id]) => id);
    const addresses = sorted.flatMap(([id, r, a]) =>
      r !== "removed" && a !== undefined ? [{ id, address: a }] : [],
    );
    const removed = ofRole("removed");
    return {
      voters: ofRole("voter"),
      learners: ofRole("learner"),
      ...(addresses.length > 0 ? { addresses } : {}),
      ...(removed.length > 0 ? { removed } : {}),
    };
  });

/** The content of an entry: a command, a NoOp or a configuration. */
const entryContent = fc.oneof(
  bytes.map((data) => ({ type: "Normal" as const, data })),
  fc.constant({ type: "NoOp" as const, data: new Uint8Array(0) }),
  confState.map((config) => ({ type: "Config" as const, data: new Uint8Array(0), config })),
);

/** An AppendEntries a correct leader could send: consecutive entries, non-decreasing terms. */
const appendEntries: fc.Arbitrary<MessageOf<"AppendEntries">> = fc
  .record({ env: envelope, prevLogIndex: fc.oneof(fc.constant(0), nat), leaderCommit: nat })
  .chain(({ env, prevLogIndex, leaderCommit }) =>
    fc
      .record({
        prevLogTerm: prevLogIndex === 0 ? fc.constant(0) : fc.integer({ min: 0, max: env.term }),
        entries: fc.array(fc.tuple(fc.nat(env.term), entryContent), { maxLength: 6 }),
      })
      .map(({ prevLogTerm, entries }) => {
        const terms = entries.map(([t]) => Math.max(t, prevLogTerm)).sort((a, b) => a - b);
        const built: Entry[] = entries.map(([, content], i) => ({
          index: prevLogIndex + 1 + i,
          term: terms[i]!,
          ...content,
        }));
        return {
          type: "AppendEntries" as const,
          ...env,
          prevLogIndex,
          prevLogTerm,
          entries: built,
          leaderCommit,
        };
      }),
  )
  .filter((m) => m.entries.every((e) => Number.isSafeInteger(e.index)));

const installSnapshot: fc.Arbitrary<MessageOf<"InstallSnapshot">> = fc
  .record({ env: envelope, confState, offset: nat, data: bytes, rest: nat, done: fc.boolean() })
  .chain(({ env, confState: cs, offset, data, rest, done }) =>
    fc.integer({ min: 0, max: env.term }).map((lastIncludedTerm) => ({
      type: "InstallSnapshot" as const,
      ...env,
      lastIncludedIndex: offset,
      lastIncludedTerm,
      confState: cs,
      offset,
      totalBytes: offset + data.byteLength + (done ? 0 : rest),
      data,
      done,
    })),
  )
  .filter((m) => Number.isSafeInteger(m.totalBytes));

const requestId = fc.string({ minLength: 1, maxLength: 40 });

/** One arbitrary per message type; the mapped type makes a missing variant a compile error. */
const MESSAGES: { [K in MessageType]: fc.Arbitrary<MessageOf<K>> } = {
  AppendEntries: appendEntries,
  AppendEntriesResponse: fc
    .record({ env: envelope, success: fc.boolean(), a: nat, b: nat, c: nat })
    .map(({ env, success, a, b, c }) => ({
      type: "AppendEntriesResponse" as const,
      ...env,
      success,
      matchIndex: a,
      conflictIndex: b,
      conflictTerm: c,
    })),
  Heartbeat: fc.record({ env: envelope, c: nat, r: nat }).map(({ env, c, r }) => ({
    type: "Heartbeat" as const,
    ...env,
    leaderCommit: c,
    readRound: r,
  })),
  HeartbeatResponse: fc.record({ env: envelope, r: nat }).map(({ env, r }) => ({
    type: "HeartbeatResponse" as const,
    ...env,
    readRound: r,
  })),
  RequestVote: fc
    .record({ env: envelope, i: nat, t: nat, transfer: fc.boolean() })
    .map(({ env, i, t, transfer }) => ({
      type: "RequestVote" as const,
      ...env,
      lastLogIndex: i,
      lastLogTerm: t,
      leadershipTransfer: transfer,
    })),
  RequestVoteResponse: fc.record({ env: envelope, g: fc.boolean() }).map(({ env, g }) => ({
    type: "RequestVoteResponse" as const,
    ...env,
    voteGranted: g,
  })),
  PreVote: fc.record({ env: envelope, i: nat, t: nat }).map(({ env, i, t }) => ({
    type: "PreVote" as const,
    ...env,
    lastLogIndex: i,
    lastLogTerm: t,
  })),
  PreVoteResponse: fc.record({ env: envelope, g: fc.boolean() }).map(({ env, g }) => ({
    type: "PreVoteResponse" as const,
    ...env,
    voteGranted: g,
  })),
  InstallSnapshot: installSnapshot,
  InstallSnapshotResponse: fc
    .record({ env: envelope, i: nat, o: nat, done: fc.boolean(), rejected: fc.boolean() })
    .map(({ env, i, o, done, rejected }) => ({
      type: "InstallSnapshotResponse" as const,
      ...env,
      lastIncludedIndex: i,
      nextOffset: o,
      done,
      rejected,
    })),
  TimeoutNow: envelope.map((env) => ({ type: "TimeoutNow" as const, ...env })),
  ReadIndex: fc.record({ env: envelope, id: requestId }).map(({ env, id }) => ({
    type: "ReadIndex" as const,
    ...env,
    requestId: id,
  })),
  ReadIndexResponse: fc
    .record({ env: envelope, id: requestId, index: fc.option(nat) })
    .map(({ env, id, index }) => ({
      type: "ReadIndexResponse" as const,
      ...env,
      requestId: id,
      index,
    })),
};

const anyMessage: fc.Arbitrary<Message> = fc.oneof(
  ...MESSAGE_TYPES.map((type) => MESSAGES[type] as fc.Arbitrary<Message>),
);

const entry: fc.Arbitrary<Entry> = fc
  .record({
    index: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    term: nat,
    content: entryContent,
  })
  .map(({ index, term, content }) => ({ index, term, ...content }));

const hardState: fc.Arbitrary<HardState> = fc.record({
  term: nat,
  vote: fc.option(nodeId),
  commit: nat,
});

const snapshotMetadata: fc.Arbitrary<SnapshotMetadata> = fc.record({
  index: nat,
  term: nat,
  confState,
});

// ── Helpers ──────────────────────────────────────────────────────────────────────────────────

function decodeError(decode: () => unknown): WireDecodeError {
  try {
    decode();
  } catch (error) {
    if (error instanceof WireDecodeError) return error;
    throw new Error(`expected a WireDecodeError, got ${String(error)}`, { cause: error });
  }
  throw new Error("expected a WireDecodeError, but the frame decoded");
}

/** The frame of `m`, with its positional fields edited by `edit`, re-packed. */
function editedFrame(m: Message, edit: (fields: unknown[]) => void): Uint8Array {
  const fields = unpackRaw(encodeMessage(m));
  edit(fields);
  return raw.pack(fields);
}

const id = (s: string): NodeId => asNodeId(s);
const normal = (index: number, term: number, text = "x"): Entry => ({
  index,
  term,
  type: "Normal",
  data: new TextEncoder().encode(text),
});
const append = (over: Partial<MessageOf<"AppendEntries">> = {}): MessageOf<"AppendEntries"> => ({
  type: "AppendEntries",
  from: id("n1"),
  to: id("n2"),
  term: 3,
  prevLogIndex: 5,
  prevLogTerm: 2,
  entries: [normal(6, 2), normal(7, 3)],
  leaderCommit: 5,
  ...over,
});
const snapshotChunk = (
  over: Partial<MessageOf<"InstallSnapshot">> = {},
): MessageOf<"InstallSnapshot"> => ({
  type: "InstallSnapshot",
  from: id("n1"),
  to: id("n2"),
  term: 3,
  lastIncludedIndex: 100,
  lastIncludedTerm: 2,
  confState: { voters: [id("n1"), id("n2"), id("n3")], learners: [] },
  offset: 0,
  totalBytes: 10,
  data: new Uint8Array(4),
  done: false,
  ...over,
});

// ── Round trips ──────────────────────────────────────────────────────────────────────────────

describe("round trips", () => {
  for (const type of MESSAGE_TYPES) {
    it(`${type} decodes to exactly what was encoded`, () => {
      fc.assert(
        fc.property(MESSAGES[type] as fc.Arbitrary<Message>, (m) => {
          expect(decodeMessage(encodeMessage(m))).toEqual(m);
        }),
        { numRuns: 300 },
      );
    });
  }

  it("entries, hard states and snapshot metadata decode to what was encoded", () => {
    fc.assert(
      fc.property(entry, hardState, snapshotMetadata, (e, h, s) => {
        expect(decodeEntry(encodeEntry(e))).toEqual(e);
        expect(decodeHardState(encodeHardState(h))).toEqual(h);
        expect(decodeSnapshotMetadata(encodeSnapshotMetadata(s))).toEqual(s);
      }),
      { numRuns: 300 },
    );
    const noOp: Entry = { index: 9, term: 4, type: "NoOp", data: new Uint8Array(0) };
    expect(decodeEntry(encodeEntry(noOp))).toEqual(noOp);
  });

  it("keeps non-ASCII node ids and request ids intact", () => {
    const m: Message = {
      type: "ReadIndex",
      from: id("nœud-1"),
      to: id("узел-2"),
      term: 1,
      requestId: "读-42",
    };
    expect(decodeMessage(encodeMessage(m))).toEqual(m);
  });

  it("decodes entry data and snapshot chunks as views into the frame, without a copy", () => {
    const frame = encodeMessage(append());
    const decoded = decodeMessage(frame) as MessageOf<"AppendEntries">;
    const data = decoded.entries[1]!.data;
    expect(data.constructor).toBe(Uint8Array);
    expect(data.buffer).toBe(frame.buffer);
    const chunkFrame = encodeMessage(snapshotChunk());
    const chunk = decodeMessage(chunkFrame) as MessageOf<"InstallSnapshot">;
    expect(chunk.data.buffer).toBe(chunkFrame.buffer);
  });

  it("writes the version first and a fixed code per message type", () => {
    const fields = unpackRaw(
      encodeMessage({ type: "TimeoutNow", from: id("a"), to: id("b"), term: 7 }),
    );
    expect(fields).toEqual([1, 11, "a", "b", 7]);
  });
});

// ── Rejections ───────────────────────────────────────────────────────────────────────────────

describe("versions", () => {
  const config: Entry = {
    index: 7,
    term: 2,
    type: "Config",
    data: new Uint8Array(0),
    config: {
      voters: [id("n1")],
      learners: [id("n2")],
      addresses: [{ id: id("n2"), address: "a:1" }],
    },
  };

  it("writes version 1 until a frame needs membership fields, then version 2", () => {
    expect(unpackRaw(encodeEntry(normal(1, 1)))[0]).toBe(1);
    expect(unpackRaw(encodeMessage(append()))[0]).toBe(1);
    expect(unpackRaw(encodeMessage(snapshotChunk()))[0]).toBe(1);
    expect(unpackRaw(encodeEntry(config))).toEqual([
      RAFT_WIRE_VERSION,
      7,
      2,
      3,
      [["n1"], ["n2"], [["n2", "a:1"]], []],
    ]);
    const withConfig = append({ entries: [normal(6, 2), { ...config, index: 7, term: 3 }] });
    expect(unpackRaw(encodeMessage(withConfig))[0]).toBe(RAFT_WIRE_VERSION);
    const removedOnly = { voters: [id("n1")], learners: [], removed: [id("n0")] };
    const snapshotFrame = encodeSnapshotMetadata({ index: 5, term: 1, confState: removedOnly });
    expect(unpackRaw(snapshotFrame)[0]).toBe(RAFT_WIRE_VERSION);
  });

  it("reads version-1 records as stored before membership changes", () => {
    const v1 = raw.pack([1, 10, 3, ["n1", "n2", "n3"], ["n4"]]);
    expect(decodeSnapshotMetadata(v1)).toEqual({
      index: 10,
      term: 3,
      confState: { voters: ["n1", "n2", "n3"], learners: ["n4"] },
    });
    expect(decodeEntry(raw.pack([1, 4, 2, 1, Uint8Array.of(9)]))).toEqual({
      index: 4,
      term: 2,
      type: "Normal",
      data: Uint8Array.of(9),
    });
  });

  it("refuses a Config entry or a four-field ConfState in a version-1 frame", () => {
    const v2 = unpackRaw(encodeEntry(config));
    expect(decodeError(() => decodeEntry(raw.pack([1, ...v2.slice(1)]))).message).toMatch(
      /unknown entry type code 3/,
    );
    const v1WithExtras = raw.pack([1, 10, 3, ["n1"], [], [], []]);
    expect(decodeError(() => decodeSnapshotMetadata(v1WithExtras)).message).toMatch(/fields, got/);
  });
});

describe("malformed frames", () => {
  it("arbitrary bytes never decode to anything but a message or a WireDecodeError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(WireDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("a field replaced by a value of the wrong type is rejected, whatever the field", () => {
    const badValues = [-1, 1.5, Number.NaN, 2 ** 53, "", { a: 1 }, [[[]]], BigInt(7)];
    fc.assert(
      fc.property(anyMessage, fc.nat(), fc.constantFrom(...badValues), (m, position, bad) => {
        const frame = editedFrame(m, (fields) => {
          fields[position % fields.length] = bad;
        });
        decodeError(() => decodeMessage(frame));
      }),
      { numRuns: 1000 },
    );
  });

  it("a missing or an extra field is rejected", () => {
    fc.assert(
      fc.property(anyMessage, (m) => {
        expect(decodeError(() => decodeMessage(editedFrame(m, (f) => f.pop()))).message).toMatch(
          /missing|expected/,
        );
        const extra = decodeError(() => decodeMessage(editedFrame(m, (f) => f.push(0))));
        expect(extra.message).toMatch(/fields, got/);
      }),
      { numRuns: 300 },
    );
  });

  it("rejects an unknown version, message type or entry type", () => {
    const m = append();
    expect(decodeError(() => decodeMessage(editedFrame(m, (f) => (f[0] = 3)))).message).toMatch(
      /unsupported frame version 3/,
    );
    expect(decodeError(() => decodeMessage(editedFrame(m, (f) => (f[0] = 0)))).message).toMatch(
      /unsupported frame version 0/,
    );
    expect(decodeError(() => decodeMessage(editedFrame(m, (f) => (f[1] = 99)))).message).toMatch(
      /unknown message type code 99/,
    );
    const badEntry = editedFrame(m, (f) => ((f[7] as unknown[][])[0]![2] = 7));
    expect(decodeError(() => decodeMessage(badEntry)).message).toMatch(
      /AppendEntries\.entries\[0\]\.type: unknown entry type code 7/,
    );
  });

  it("rejects a frame that is not an array, has trailing bytes or nests without end", () => {
    decodeError(() => decodeMessage(raw.pack({ type: "TimeoutNow" })));
    const valid = encodeMessage(append());
    const trailing = new Uint8Array(valid.byteLength + 1);
    trailing.set(valid);
    decodeError(() => decodeMessage(trailing));
    decodeError(() => decodeMessage(new Uint8Array(0)));
    // 100,000 nested one-element arrays (0x91): deeper than any stack.
    decodeError(() => decodeMessage(new Uint8Array(100_000).fill(0x91)));
    // An array header announcing 2^32-1 items in a 5-byte frame.
    decodeError(() => decodeMessage(Uint8Array.of(0xdd, 0xff, 0xff, 0xff, 0xff)));
  });

  it("rejects arrays and strings over the limits", () => {
    const entries = Array.from({ length: raftEntriesPerMessageMax + 1 }, (_, i) =>
      normal(i + 1, 1, ""),
    );
    const tooMany = append({ prevLogIndex: 0, prevLogTerm: 0, entries });
    expect(decodeError(() => decodeMessage(encodeMessage(tooMany))).message).toMatch(
      /entries: expected an array of at most/,
    );
    const members = Array.from({ length: raftConfMembersMax + 1 }, (_, i) =>
      id(`n${String(i).padStart(3, "0")}`),
    );
    const bigConf = snapshotChunk({ confState: { voters: members, learners: [] } });
    decodeError(() => decodeMessage(encodeMessage(bigConf)));
    const longId = { type: "TimeoutNow" as const, from: id("x".repeat(65)), to: id("b"), term: 1 };
    expect(decodeError(() => decodeMessage(encodeMessage(longId))).message).toMatch(
      /TimeoutNow\.from: expected a string of 1\.\.64/,
    );
  });

  it("rejects an AppendEntries a correct leader could not send (Raft §5.3)", () => {
    const cases: [Partial<MessageOf<"AppendEntries">>, RegExp][] = [
      [{ entries: [normal(6, 2), normal(8, 3)] }, /entries\[1\]: entries must follow prevLogIndex/],
      [{ entries: [normal(7, 2)] }, /entries\[0\]: entries must follow prevLogIndex/],
      [{ entries: [normal(6, 3), normal(7, 2)] }, /entries\[1\]: entry terms must not decrease/],
      [{ entries: [normal(6, 1)] }, /entries\[0\]: entry terms must not decrease/],
      [{ entries: [normal(6, 4)] }, /entries\[0\]: an entry term exceeds the message term/],
      [{ prevLogTerm: 4, entries: [] }, /prevLogTerm: exceeds the message term/],
      [{ prevLogIndex: 0, prevLogTerm: 1, entries: [] }, /prevLogTerm: must be 0 at index 0/],
    ];
    for (const [over, why] of cases) {
      expect(decodeError(() => decodeMessage(encodeMessage(append(over)))).message).toMatch(why);
    }
    const noOpWithData: Entry = { index: 6, term: 2, type: "NoOp", data: Uint8Array.of(1) };
    expect(
      decodeError(() => decodeMessage(encodeMessage(append({ entries: [noOpWithData] })))).message,
    ).toMatch(/a NoOp entry carries no data/);
  });

  it("rejects a snapshot chunk outside its snapshot and a malformed ConfState", () => {
    const cases: [Partial<MessageOf<"InstallSnapshot">>, RegExp][] = [
      [{ offset: 8 }, /the chunk extends past totalBytes/],
      [{ done: true }, /the last chunk must end at totalBytes/],
      [{ lastIncludedTerm: 4 }, /lastIncludedTerm: exceeds the message term/],
      [{ confState: { voters: [id("n2"), id("n1")], learners: [] } }, /sorted ids/],
      [{ confState: { voters: [id("n1"), id("n1")], learners: [] } }, /sorted ids/],
      [{ confState: { voters: [id("n1")], learners: [id("n1")] } }, /also be a voter/],
    ];
    for (const [over, why] of cases) {
      expect(decodeError(() => decodeMessage(encodeMessage(snapshotChunk(over)))).message).toMatch(
        why,
      );
    }
  });

  it("rejects a message addressed to its own sender", () => {
    const loop = { type: "TimeoutNow" as const, from: id("n1"), to: id("n1"), term: 1 };
    expect(decodeError(() => decodeMessage(encodeMessage(loop))).message).toMatch(
      /never sent to its sender/,
    );
  });

  it("rejects a ConfState whose addresses or removed ids contradict its members", () => {
    const members = { voters: [id("n1"), id("n2")], learners: [id("n3")] };
    const cases: [ConfState, RegExp][] = [
      [{ ...members, addresses: [{ id: id("n9"), address: "h:1" }] }, /only members have/],
      [{ ...members, removed: [id("n3")] }, /never a member/],
      [{ ...members, removed: [id("n8"), id("n7")] }, /sorted ids/],
      [{ ...members, addresses: [{ id: id("n1"), address: "" }] }, /address: expected a string/],
    ];
    for (const [confState, why] of cases) {
      const frame = encodeMessage(snapshotChunk({ confState }));
      expect(decodeError(() => decodeMessage(frame)).message).toMatch(why);
    }
  });

  it("rejects malformed entries, hard states and snapshot metadata records", () => {
    decodeError(() => decodeEntry(raw.pack([RAFT_WIRE_VERSION, 0, 1, 1, new Uint8Array(0)])));
    decodeError(() => decodeEntry(raw.pack([RAFT_WIRE_VERSION, 1, 1, 1, "not bytes"])));
    decodeError(() => decodeHardState(raw.pack([RAFT_WIRE_VERSION, 1, "", 0])));
    decodeError(() => decodeHardState(raw.pack([RAFT_WIRE_VERSION, 1, null])));
    decodeError(() => decodeSnapshotMetadata(raw.pack([RAFT_WIRE_VERSION, 1, 1, ["b", "a"], []])));
    decodeError(() => decodeHardState(encodeEntry(normal(1, 1))));
    expect(() => decodeEntry(Uint8Array.of(0xc1))).toThrow(WireDecodeError);
  });
});
