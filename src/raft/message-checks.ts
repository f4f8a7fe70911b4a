/**
 * Well-formedness of peer input. A message comes from the network: even when it decodes to the
 * right shape, its numbers may be negative, fractional or absurd and its entries out of order.
 * The core drops such a message before acting on it, so a bad peer can never trip one of the
 * core's invariant assertions (those are for our own bugs). Semantic staleness (old terms,
 * outdated acknowledgements) is judged later, by the role that handles the message.
 */
import { unreachable } from "../util/assert.js";
import {
  MESSAGE_TYPES,
  type AppendEntries,
  type InstallSnapshot,
  type Message,
} from "./messages.js";
import type { ConfState, Entry } from "./types.js";

/** A term or index: a non-negative safe integer with room for `+ 1`. */
function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0 && value !== Number.MAX_SAFE_INTEGER;
}

function isConfState(value: ConfState): boolean {
  const ids = (list: unknown) => Array.isArray(list) && list.every((id) => typeof id === "string");
  const addresses = (list: unknown) =>
    Array.isArray(list) &&
    list.every(
      (a: unknown) =>
        typeof a === "object" &&
        a !== null &&
        typeof (a as { id: unknown }).id === "string" &&
        typeof (a as { address: unknown }).address === "string",
    );
  return (
    typeof value === "object" &&
    value !== null &&
    ids(value.voters) &&
    ids(value.learners) &&
    (value.addresses === undefined || addresses(value.addresses)) &&
    (value.removed === undefined || ids(value.removed))
  );
}

function isEntry(entry: Entry, index: number, minTerm: number, maxTerm: number): boolean {
  return (
    typeof entry === "object" &&
    entry !== null &&
    entry.index === index &&
    isCount(entry.term) &&
    entry.term >= Math.max(1, minTerm) &&
    entry.term <= maxTerm &&
    (entry.type === "Normal" ||
      entry.type === "NoOp" ||
      (entry.type === "Config" && isConfState(entry.config))) &&
    entry.data instanceof Uint8Array
  );
}

function isAppendEntries(m: AppendEntries): boolean {
  if (!isCount(m.prevLogIndex) || !isCount(m.prevLogTerm) || !isCount(m.leaderCommit)) {
    return false;
  }
  if (m.prevLogTerm > m.term || !Array.isArray(m.entries)) return false;
  if (!isCount(m.prevLogIndex + m.entries.length)) return false;
  let previousTerm = m.prevLogTerm;
  for (let i = 0; i < m.entries.length; i++) {
    const entry = m.entries[i];
    if (entry === undefined || !isEntry(entry, m.prevLogIndex + 1 + i, previousTerm, m.term)) {
      return false;
    }
    previousTerm = entry.term;
  }
  return true;
}

function isInstallSnapshot(m: InstallSnapshot): boolean {
  if (!isCount(m.lastIncludedIndex) || !isCount(m.lastIncludedTerm)) return false;
  if (m.lastIncludedIndex < 1 || m.lastIncludedTerm < 1 || m.lastIncludedTerm > m.term)
    return false;
  if (!isCount(m.offset) || !isCount(m.totalBytes) || !(m.data instanceof Uint8Array)) return false;
  const end = m.offset + m.data.byteLength;
  return end <= m.totalBytes && m.done === (end === m.totalBytes) && isConfState(m.confState);
}

/** Whether the fields specific to `m`'s type are well formed. */
function isWellFormedBody(m: Message): boolean {
  switch (m.type) {
    case "AppendEntries":
      return isAppendEntries(m);
    case "AppendEntriesResponse":
      return (
        typeof m.success === "boolean" &&
        isCount(m.matchIndex) &&
        isCount(m.conflictIndex) &&
        isCount(m.conflictTerm)
      );
    case "Heartbeat":
      return isCount(m.leaderCommit) && isCount(m.readRound);
    case "HeartbeatResponse":
      return isCount(m.readRound);
    case "RequestVote":
      return (
        isCount(m.lastLogIndex) &&
        isCount(m.lastLogTerm) &&
        typeof m.leadershipTransfer === "boolean"
      );
    case "PreVote":
      return isCount(m.lastLogIndex) && isCount(m.lastLogTerm);
    case "RequestVoteResponse":
    case "PreVoteResponse":
      return typeof m.voteGranted === "boolean";
    case "InstallSnapshot":
      return isInstallSnapshot(m);
    case "InstallSnapshotResponse":
      return (
        isCount(m.lastIncludedIndex) &&
        isCount(m.nextOffset) &&
        typeof m.done === "boolean" &&
        typeof m.rejected === "boolean"
      );
    case "TimeoutNow":
      return true;
    case "ReadIndex":
      return typeof m.requestId === "string";
    case "ReadIndexResponse":
      return typeof m.requestId === "string" && (m.index === null || isCount(m.index));
    default:
      return unreachable(m, "message type");
  }
}

/**
 * Whether `m` is well formed: ids are strings, terms and indexes non-negative safe integers,
 * entries contiguous after `prevLogIndex` with non-decreasing terms no later than the message's
 * term, snapshot chunks inside their declared size. Never throws, whatever the input.
 */
export function isWellFormedMessage(m: Message): boolean {
  if (typeof m !== "object" || m === null) return false;
  if (typeof m.from !== "string" || typeof m.to !== "string" || !isCount(m.term)) return false;
  const known: readonly string[] = MESSAGE_TYPES;
  if (!known.includes(m.type)) return false;
  return isWellFormedBody(m);
}
