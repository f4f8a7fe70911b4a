/**
 * The Raft wire codec: peer {@link Message}s, log {@link Entry}s, the {@link HardState} and
 * {@link SnapshotMetadata} as versioned MessagePack frames (msgpackr).
 *
 * Layout. Every top-level frame is one MessagePack array whose first element is its version
 * (1 or {@link RAFT_WIRE_VERSION} = 2); the fields follow by position (no field names on the wire):
 *
 * | frame             | array                                                                     |
 * | ----------------- | ------------------------------------------------------------------------- |
 * | message           | `[version, typeCode, from, to, term, ...fields of the variant]`            |
 * | entry             | `[version, index, term, entryTypeCode, data \| confState]`                 |
 * | hard state        | `[version, term, vote \| nil, commit]`                                     |
 * | snapshot metadata | `[version, index, term, ...confState]`                                    |
 *
 * Inside a message, an entry is `[index, term, entryTypeCode, data]` (a `Config` entry:
 * `[index, term, 3, confState]`). A ConfState is `[voters[], learners[]]` in version 1 and
 * `[voters[], learners[], [[id, address]…], removed[]]` in version 2. Type codes are fixed below
 * and never reused.
 *
 * Versions. Version 2 added membership changes (docs/MEMBERSHIP.md §6): the `Config` entry type
 * and the addresses and removed ids of a ConfState. The encoder writes each frame in the oldest
 * version that can hold it, so a cluster that never changed its membership writes exactly the
 * version-1 frames it wrote before (and nodes of both versions understand each other until the
 * first change); the decoder reads both. Data stored by version 1 decodes unchanged.
 *
 * Decoding is strict, because a frame from the network is untrusted: anything but exactly the
 * expected shape (wrong types, missing or extra fields, negative or non-integer terms and
 * indexes, unknown type codes, arrays or strings over the limits of src/constants.ts, trailing
 * bytes) throws {@link WireDecodeError}, never another exception and never a half-valid object.
 * Beyond the shape, the decoder checks the rules a correct sender always keeps inside one message
 * (an AppendEntries' entries are consecutive after `prevLogIndex` with non-decreasing terms, a
 * ConfState is sorted without duplicates, a snapshot chunk lies inside the snapshot), so the
 * core's own assertions never fire on peer input.
 *
 * Bytes (entry data, snapshot chunks) are packed once into the frame and decoded as views into
 * the frame's buffer, without a copy.
 */
import { Packr, Unpackr } from "msgpackr";
import {
  memberAddressCharsMax,
  nodeIdCharsMax,
  raftConfMembersMax,
  raftConfRemovedIdsMax,
  raftEntriesPerMessageMax,
  readRequestIdCharsMax,
} from "../constants.js";
import type { Message, MessageType } from "../raft/messages.js";
import type {
  ConfState,
  Entry,
  EntryType,
  HardState,
  MemberAddress,
  SnapshotMetadata,
} from "../raft/types.js";
import { asNodeId, type NodeId } from "../util/ids.js";
import { unreachable } from "../util/assert.js";

/** The newest frame version this codec writes and reads (it also reads and writes 1). */
export const RAFT_WIRE_VERSION = 2;
/** The version before membership changes: no `Config` entries, ConfStates of two fields. */
const WIRE_VERSION_BEFORE_MEMBERSHIP = 1;

/**
 * A frame that is not a valid encoding of what was asked for. `message` says what is wrong and
 * where (e.g. `AppendEntries.entries[3].term: expected a non-negative safe integer`).
 */
export class WireDecodeError extends Error {
  override readonly name = "WireDecodeError";
}

const MESSAGE_TYPE_CODES = {
  AppendEntries: 1,
  AppendEntriesResponse: 2,
  Heartbeat: 3,
  HeartbeatResponse: 4,
  RequestVote: 5,
  RequestVoteResponse: 6,
  PreVote: 7,
  PreVoteResponse: 8,
  InstallSnapshot: 9,
  InstallSnapshotResponse: 10,
  TimeoutNow: 11,
  ReadIndex: 12,
  ReadIndexResponse: 13,
} as const satisfies Record<MessageType, number>;

const ENTRY_TYPE_CODES = { Normal: 1, NoOp: 2, Config: 3 } as const satisfies Record<
  EntryType,
  number
>;

const packr = new Packr({ useRecords: false, moreTypes: false });
const unpackr = new Unpackr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

// ── Encoding ─────────────────────────────────────────────────────────────────────────────────

type Packed = unknown[];

/** Whether `c` needs version 2: it has addresses or removed ids. */
const isExtendedConfState = (c: ConfState): boolean =>
  (c.addresses?.length ?? 0) > 0 || (c.removed?.length ?? 0) > 0;

/** The oldest version that can hold `entries` and `confState`. */
function versionFor(entries: readonly Entry[], confState?: ConfState): number {
  const needsV2 =
    entries.some((e) => e.type === "Config") ||
    (confState !== undefined && isExtendedConfState(confState));
  return needsV2 ? RAFT_WIRE_VERSION : WIRE_VERSION_BEFORE_MEMBERSHIP;
}

function packConfState(c: ConfState, version: number): Packed {
  if (version === WIRE_VERSION_BEFORE_MEMBERSHIP) return [c.voters, c.learners];
  const addresses = (c.addresses ?? []).map((a) => [a.id, a.address]);
  return [c.voters, c.learners, addresses, c.removed ?? []];
}

function packEntry(e: Entry, version: number): Packed {
  const body = e.type === "Config" ? packConfState(e.config, version) : e.data;
  return [e.index, e.term, ENTRY_TYPE_CODES[e.type], body];
}

/** The version a message is written in. */
function messageVersion(m: Message): number {
  if (m.type === "AppendEntries") return versionFor(m.entries);
  if (m.type === "InstallSnapshot") return versionFor([], m.confState);
  return WIRE_VERSION_BEFORE_MEMBERSHIP;
}

function packMessageFields(m: Message, version: number): Packed {
  switch (m.type) {
    case "AppendEntries": {
      const entries = m.entries.map((e) => packEntry(e, version));
      return [m.prevLogIndex, m.prevLogTerm, entries, m.leaderCommit];
    }
    case "AppendEntriesResponse":
      return [m.success, m.matchIndex, m.conflictIndex, m.conflictTerm];
    case "Heartbeat":
      return [m.leaderCommit, m.readRound];
    case "HeartbeatResponse":
      return [m.readRound];
    case "RequestVote":
      return [m.lastLogIndex, m.lastLogTerm, m.leadershipTransfer];
    case "PreVote":
      return [m.lastLogIndex, m.lastLogTerm];
    case "RequestVoteResponse":
    case "PreVoteResponse":
      return [m.voteGranted];
    case "InstallSnapshot":
      return [
        m.lastIncludedIndex,
        m.lastIncludedTerm,
        packConfState(m.confState, version),
        m.offset,
        m.totalBytes,
        m.data,
        m.done,
      ];
    case "InstallSnapshotResponse":
      return [m.lastIncludedIndex, m.nextOffset, m.done, m.rejected];
    case "TimeoutNow":
      return [];
    case "ReadIndex":
      return [m.requestId];
    case "ReadIndexResponse":
      return [m.requestId, m.index];
    default:
      return unreachable(m, "message");
  }
}

/**
 * Encodes a peer message as one frame. The result is a view into the encoder's buffer pool:
 * hand it on (socket, batch) as is; it is never overwritten by later encodes.
 */
export function encodeMessage(m: Message): Uint8Array {
  const version = messageVersion(m);
  const head = [version, MESSAGE_TYPE_CODES[m.type], m.from, m.to, m.term];
  return packr.pack([...head, ...packMessageFields(m, version)]);
}

/** Encodes a log entry (for stable storage) as one frame. */
export function encodeEntry(e: Entry): Uint8Array {
  const version = versionFor([e]);
  return packr.pack([version, ...packEntry(e, version)]);
}

/** Encodes a hard state (term, vote, commit) as one frame (its layout is the same in every version). */
export function encodeHardState(h: HardState): Uint8Array {
  return packr.pack([WIRE_VERSION_BEFORE_MEMBERSHIP, h.term, h.vote, h.commit]);
}

/** Encodes snapshot metadata (index, term, ConfState) as one frame. */
export function encodeSnapshotMetadata(s: SnapshotMetadata): Uint8Array {
  const version = versionFor([], s.confState);
  return packr.pack([version, s.index, s.term, ...packConfState(s.confState, version)]);
}

// ── Decoding ─────────────────────────────────────────────────────────────────────────────────

function fail(at: string, rule: string): never {
  throw new WireDecodeError(`${at}: ${rule}`);
}

function natAt(value: unknown, at: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    return fail(at, "expected a non-negative safe integer");
  }
  return value;
}

function textAt(value: unknown, at: string, charsMax: number): string {
  if (typeof value !== "string" || value.length === 0 || value.length > charsMax) {
    return fail(at, `expected a string of 1..${charsMax} characters`);
  }
  return value;
}

const nodeIdAt = (value: unknown, at: string): NodeId =>
  asNodeId(textAt(value, at, nodeIdCharsMax));

/** Reads the positional fields of one decoded array, naming each field in its errors. */
class FieldReader {
  private next = 0;

  private constructor(
    private readonly values: readonly unknown[],
    private where: string,
    /** The version of the frame being read (layouts of nested values depend on it). */
    readonly version: number,
  ) {}

  /** A reader over `value`, which must be an array; `where` names it in errors. */
  static of(value: unknown, where: string, version: number): FieldReader {
    if (!Array.isArray(value)) return fail(where, "expected an array");
    return new FieldReader(value as unknown[], where, version);
  }

  /** Names the fields read from now on as fields of `where`. */
  relabel(where: string): void {
    this.where = where;
  }

  at(name: string): string {
    return `${this.where}.${name}`;
  }

  private take(name: string): unknown {
    if (this.next >= this.values.length) return fail(this.at(name), "missing");
    return this.values[this.next++];
  }

  nat(name: string): number {
    return natAt(this.take(name), this.at(name));
  }

  natOrNull(name: string): number | null {
    const value = this.take(name);
    return value === null ? null : natAt(value, this.at(name));
  }

  bool(name: string): boolean {
    const value = this.take(name);
    if (typeof value !== "boolean") return fail(this.at(name), "expected a boolean");
    return value;
  }

  /** Bytes as a plain Uint8Array view on the frame's memory (msgpackr hands out Buffers). */
  bytes(name: string): Uint8Array {
    const value = this.take(name);
    if (!(value instanceof Uint8Array)) return fail(this.at(name), "expected bytes");
    return value.constructor === Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  text(name: string, charsMax: number): string {
    return textAt(this.take(name), this.at(name), charsMax);
  }

  nodeId(name: string): NodeId {
    return nodeIdAt(this.take(name), this.at(name));
  }

  nodeIdOrNull(name: string): NodeId | null {
    const value = this.take(name);
    return value === null ? null : nodeIdAt(value, this.at(name));
  }

  /** The array field `name` of at most `lengthMax` items, each read by `readItem`. */
  list<T>(name: string, lengthMax: number, readItem: (value: unknown, at: string) => T): T[] {
    const value = this.take(name);
    if (!Array.isArray(value) || value.length > lengthMax) {
      return fail(this.at(name), `expected an array of at most ${lengthMax} items`);
    }
    return (value as unknown[]).map((item, i) => readItem(item, `${this.at(name)}[${i}]`));
  }

  /** The array field `name`, read by `read`, which must consume all of it. */
  nested<T>(name: string, read: (reader: FieldReader) => T): T {
    const reader = FieldReader.of(this.take(name), this.at(name), this.version);
    const result = read(reader);
    reader.end();
    return result;
  }

  /** Every field must have been read: extra fields are an error, not ignored. */
  end(): void {
    if (this.next !== this.values.length) {
      fail(this.where, `expected ${this.next} fields, got ${this.values.length}`);
    }
  }
}

function check(condition: boolean, at: string, rule: string): void {
  if (!condition) fail(at, rule);
}

/** Unpacks a frame and checks its version; returns a reader positioned after the version. */
function openFrame(bytes: Uint8Array, what: string): FieldReader {
  let value: unknown;
  try {
    value = unpackr.unpack(bytes);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new WireDecodeError(`${what}: not a valid MessagePack frame (${reason})`, {
      cause: error,
    });
  }
  const version = FieldReader.of(value, what, 0).nat("version");
  check(
    version >= WIRE_VERSION_BEFORE_MEMBERSHIP && version <= RAFT_WIRE_VERSION,
    what,
    `unsupported frame version ${version}`,
  );
  const reader = FieldReader.of(value, what, version);
  reader.nat("version");
  return reader;
}

const ENTRY_TYPE_BY_CODE = new Map<number, EntryType>(
  Object.entries(ENTRY_TYPE_CODES).map(([type, code]) => [code, type as EntryType]),
);

/** Reads `[index, term, typeCode, data | confState]` and nothing more. */
function readEntry(r: FieldReader): Entry {
  const index = r.nat("index");
  const term = r.nat("term");
  const typeCode = r.nat("type");
  const type = ENTRY_TYPE_BY_CODE.get(typeCode);
  if (type === undefined || (type === "Config" && r.version === WIRE_VERSION_BEFORE_MEMBERSHIP)) {
    return fail(r.at("type"), `unknown entry type code ${typeCode}`);
  }
  check(index >= 1, r.at("index"), "a log index starts at 1");
  if (type === "Config") {
    const config = r.nested("config", readConfState);
    r.end();
    return { index, term, type, data: new Uint8Array(0), config };
  }
  const data = r.bytes("data");
  r.end();
  check(type === "Normal" || data.byteLength === 0, r.at("data"), "a NoOp entry carries no data");
  return { index, term, type, data };
}

function checkSortedUnique(ids: readonly NodeId[], at: string): void {
  for (let i = 1; i < ids.length; i++) {
    check((ids[i - 1] ?? "") < (ids[i] ?? ""), at, "expected sorted ids without duplicates");
  }
}

function readAddress(value: unknown, at: string): MemberAddress {
  const r = FieldReader.of(value, at, RAFT_WIRE_VERSION);
  const address = { id: r.nodeId("id"), address: r.text("address", memberAddressCharsMax) };
  r.end();
  return address;
}

/**
 * Reads `voters[], learners[]` (and from version 2 `addresses[], removed[]`): each sorted and
 * unique, voters and learners disjoint and together within the limit, addresses only of members,
 * removed ids never members.
 */
function readConfState(r: FieldReader): ConfState {
  const voters = r.list("voters", raftConfMembersMax, nodeIdAt);
  const learners = r.list("learners", raftConfMembersMax, nodeIdAt);
  checkSortedUnique(voters, r.at("voters"));
  checkSortedUnique(learners, r.at("learners"));
  const members = new Set<string>(voters);
  check(
    learners.every((id) => !members.has(id)),
    r.at("learners"),
    "a learner cannot also be a voter",
  );
  check(
    voters.length + learners.length <= raftConfMembersMax,
    r.at("voters"),
    `at most ${raftConfMembersMax} members`,
  );
  if (r.version === WIRE_VERSION_BEFORE_MEMBERSHIP) return { voters, learners };
  for (const id of learners) members.add(id);
  const addresses = r.list("addresses", raftConfMembersMax, readAddress);
  const removed = r.list("removed", raftConfRemovedIdsMax, nodeIdAt);
  checkSortedUnique(
    addresses.map((a) => a.id),
    r.at("addresses"),
  );
  check(
    addresses.every((a) => members.has(a.id)),
    r.at("addresses"),
    "only members have addresses",
  );
  checkSortedUnique(removed, r.at("removed"));
  check(
    removed.every((id) => !members.has(id)),
    r.at("removed"),
    "a removed id is never a member",
  );
  return {
    voters,
    learners,
    ...(addresses.length > 0 ? { addresses } : {}),
    ...(removed.length > 0 ? { removed } : {}),
  };
}

interface EnvelopeFields {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly term: number;
}

type MessageOf<K extends MessageType> = Extract<Message, { type: K }>;
type MessageDecoders = { [K in MessageType]: (r: FieldReader, e: EnvelopeFields) => MessageOf<K> };

/**
 * Raft §5.3: the entries of one AppendEntries follow `prevLogIndex` one by one; terms never
 * decrease along a log and never exceed the leader's term.
 */
function checkAppendEntries(m: MessageOf<"AppendEntries">, r: FieldReader): void {
  check(m.prevLogTerm <= m.term, r.at("prevLogTerm"), "exceeds the message term");
  check(m.prevLogIndex > 0 || m.prevLogTerm === 0, r.at("prevLogTerm"), "must be 0 at index 0");
  let previousTerm = m.prevLogTerm;
  m.entries.forEach((entry, i) => {
    const at = r.at(`entries[${i}]`);
    check(entry.index === m.prevLogIndex + 1 + i, at, "entries must follow prevLogIndex in order");
    check(entry.term >= previousTerm, at, "entry terms must not decrease");
    check(entry.term <= m.term, at, "an entry term exceeds the message term");
    previousTerm = entry.term;
  });
}

/** A snapshot chunk lies inside the snapshot, and the last one ends exactly at its end. */
function checkInstallSnapshot(m: MessageOf<"InstallSnapshot">, r: FieldReader): void {
  const end = m.offset + m.data.byteLength;
  check(end <= m.totalBytes, r.at("data"), "the chunk extends past totalBytes");
  check(!m.done || end === m.totalBytes, r.at("done"), "the last chunk must end at totalBytes");
  check(m.lastIncludedTerm <= m.term, r.at("lastIncludedTerm"), "exceeds the message term");
}

const MESSAGE_DECODERS: MessageDecoders = {
  AppendEntries: (r, e) => {
    const m: MessageOf<"AppendEntries"> = {
      type: "AppendEntries",
      ...e,
      prevLogIndex: r.nat("prevLogIndex"),
      prevLogTerm: r.nat("prevLogTerm"),
      entries: r.list("entries", raftEntriesPerMessageMax, (value, at) =>
        readEntry(FieldReader.of(value, at, r.version)),
      ),
      leaderCommit: r.nat("leaderCommit"),
    };
    checkAppendEntries(m, r);
    return m;
  },
  AppendEntriesResponse: (r, e) => ({
    type: "AppendEntriesResponse",
    ...e,
    success: r.bool("success"),
    matchIndex: r.nat("matchIndex"),
    conflictIndex: r.nat("conflictIndex"),
    conflictTerm: r.nat("conflictTerm"),
  }),
  Heartbeat: (r, e) => ({
    type: "Heartbeat",
    ...e,
    leaderCommit: r.nat("leaderCommit"),
    readRound: r.nat("readRound"),
  }),
  HeartbeatResponse: (r, e) => ({ type: "HeartbeatResponse", ...e, readRound: r.nat("readRound") }),
  RequestVote: (r, e) => ({
    type: "RequestVote",
    ...e,
    lastLogIndex: r.nat("lastLogIndex"),
    lastLogTerm: r.nat("lastLogTerm"),
    leadershipTransfer: r.bool("leadershipTransfer"),
  }),
  RequestVoteResponse: (r, e) => ({
    type: "RequestVoteResponse",
    ...e,
    voteGranted: r.bool("voteGranted"),
  }),
  PreVote: (r, e) => ({
    type: "PreVote",
    ...e,
    lastLogIndex: r.nat("lastLogIndex"),
    lastLogTerm: r.nat("lastLogTerm"),
  }),
  PreVoteResponse: (r, e) => ({
    type: "PreVoteResponse",
    ...e,
    voteGranted: r.bool("voteGranted"),
  }),
  InstallSnapshot: (r, e) => {
    const m: MessageOf<"InstallSnapshot"> = {
      type: "InstallSnapshot",
      ...e,
      lastIncludedIndex: r.nat("lastIncludedIndex"),
      lastIncludedTerm: r.nat("lastIncludedTerm"),
      confState: r.nested("confState", readConfState),
      offset: r.nat("offset"),
      totalBytes: r.nat("totalBytes"),
      data: r.bytes("data"),
      done: r.bool("done"),
    };
    checkInstallSnapshot(m, r);
    return m;
  },
  InstallSnapshotResponse: (r, e) => ({
    type: "InstallSnapshotResponse",
    ...e,
    lastIncludedIndex: r.nat("lastIncludedIndex"),
    nextOffset: r.nat("nextOffset"),
    done: r.bool("done"),
    rejected: r.bool("rejected"),
  }),
  TimeoutNow: (_r, e) => ({ type: "TimeoutNow", ...e }),
  ReadIndex: (r, e) => ({
    type: "ReadIndex",
    ...e,
    requestId: r.text("requestId", readRequestIdCharsMax),
  }),
  ReadIndexResponse: (r, e) => ({
    type: "ReadIndexResponse",
    ...e,
    requestId: r.text("requestId", readRequestIdCharsMax),
    index: r.natOrNull("index"),
  }),
};

const MESSAGE_TYPE_BY_CODE = new Map<number, MessageType>(
  Object.entries(MESSAGE_TYPE_CODES).map(([type, code]) => [code, type as MessageType]),
);

/**
 * Decodes a peer message frame.
 * @throws WireDecodeError when the frame is not exactly a valid message of a known type
 */
export function decodeMessage(bytes: Uint8Array): Message {
  const r = openFrame(bytes, "message");
  const code = r.nat("type");
  const type = MESSAGE_TYPE_BY_CODE.get(code);
  if (type === undefined) return fail(r.at("type"), `unknown message type code ${code}`);
  r.relabel(type);
  const envelope: EnvelopeFields = {
    from: r.nodeId("from"),
    to: r.nodeId("to"),
    term: r.nat("term"),
  };
  check(envelope.from !== envelope.to, r.at("to"), "a message is never sent to its sender");
  const message = MESSAGE_DECODERS[type](r, envelope);
  r.end();
  return message;
}

/**
 * Decodes a log entry frame (as written by {@link encodeEntry}).
 * @throws WireDecodeError when the frame is not exactly a valid entry
 */
export function decodeEntry(bytes: Uint8Array): Entry {
  return readEntry(openFrame(bytes, "entry"));
}

/**
 * Decodes a hard state frame (as written by {@link encodeHardState}).
 * @throws WireDecodeError when the frame is not exactly a valid hard state
 */
export function decodeHardState(bytes: Uint8Array): HardState {
  const r = openFrame(bytes, "hardState");
  const hardState: HardState = {
    term: r.nat("term"),
    vote: r.nodeIdOrNull("vote"),
    commit: r.nat("commit"),
  };
  r.end();
  return hardState;
}

/**
 * Decodes a snapshot metadata frame (as written by {@link encodeSnapshotMetadata}).
 * @throws WireDecodeError when the frame is not exactly valid snapshot metadata
 */
export function decodeSnapshotMetadata(bytes: Uint8Array): SnapshotMetadata {
  const r = openFrame(bytes, "snapshotMetadata");
  const metadata: SnapshotMetadata = {
    index: r.nat("index"),
    term: r.nat("term"),
    confState: readConfState(r),
  };
  r.end();
  return metadata;
}
