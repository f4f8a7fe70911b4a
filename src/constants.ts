/**
 * Every default and limit of elk-coordinator, named with its unit last (TIGER_STYLE: `…Ms`,
 * `…Ticks`, `…Bytes`, `…Max`). DESIGN.md §9 lists the defaults; everything is configurable at
 * run time, these are the values used when nothing is said. Relationships between limits are
 * asserted once, when this module loads.
 */
import { assert } from "./util/assert.js";

// ── Raft timing (DESIGN.md §9) ─────────────────────────────────────────────────────────────
/** Wall-clock length of one Raft tick. */
export const tickIntervalMs = 50;
/** A leader sends heartbeats every this many ticks. */
export const heartbeatIntervalTicks = 2;
/** Base election timeout; each term a node draws its timeout from [base, 2·base). */
export const electionTimeoutTicks = 20;

// ── Raft flow control ──────────────────────────────────────────────────────────────────────
/** AppendEntries messages in flight to one follower before the leader pauses (pipelining window). */
export const raftInflightMessagesMax = 256;
/** Entry bytes in one AppendEntries message (at least one entry is always sent). */
export const raftAppendBytesMax = 1024 * 1024;
/** Entry bytes in flight to one follower before the leader pauses (the window's byte bound). */
export const raftInflightBytesMax = 32 * 1024 * 1024;
/** Entry bytes the leader holds uncommitted before it refuses proposals (Raft thesis §10.2.3). */
export const raftUncommittedBytesMax = 64 * 1024 * 1024;
/** Bytes of snapshot data in one InstallSnapshot chunk. */
export const snapshotChunkBytesMax = 1024 * 1024;

// ── Persistence ────────────────────────────────────────────────────────────────────────────
/** Applied entries between two snapshots. */
export const snapshotEveryEntries = 10_000;
/** Entries kept behind a snapshot so slow followers catch up without InstallSnapshot. */
export const snapshotLogTailEntries = 5_000;

// ── Peer transport ─────────────────────────────────────────────────────────────────────────
/** Largest encoded peer message accepted or sent; a larger frame closes the link. */
export const peerMessageBytesMax = 16 * 1024 * 1024;
/** Messages queued for one peer before new ones are dropped (Raft retransmits). */
export const peerSendQueueMessagesMax = 4_096;
/** First and largest reconnect delay to a peer; each attempt doubles, with jitter. */
export const peerReconnectDelayMsMin = 50;
export const peerReconnectDelayMsMax = 2_000;

// ── Proposals and reads ────────────────────────────────────────────────────────────────────
/** A proposal not applied within this time is answered with `proposal_timeout`. */
export const proposalTimeoutMs = 5_000;

// ── Workers, leases, partitions (DESIGN.md §9) ─────────────────────────────────────────────
export const workerHeartbeatIntervalMs = 2_000;
export const workerLeaseTtlMs = 10_000;
export const partitionLeaseTtlMs = 60_000;
/**
 * Lease extension granted to every live lease when a new leader takes over: the longest
 * randomized election timeout, so an election never expires healthy work.
 */
export const leaderChangeLeaseGraceMs = 2 * electionTimeoutTicks * tickIntervalMs;
export const windowSizeDefault = 4;
export const maxAttemptsDefault = 3;
/** Retry backoff after a retryable failure: base · 2^(attempts-1), capped. */
export const retryBackoffMsBase = 1_000;
export const retryBackoffMsMax = 60_000;

// ── Plans ──────────────────────────────────────────────────────────────────────────────────
export const partitionsPerPlanMax = 5_000_000;
/** AppendPartitions is refused while an open-ended plan has more pending partitions than this. */
export const pendingPartitionsPerPlanMax = 1_000;
export const partitionsPerAcquireMax = 1_000;
export const planNameBytesMax = 200;
export const planOptionsBytesMax = 64 * 1024;
export const errorMessageBytesMax = 4 * 1024;
/** Client sessions remembered for de-duplication (client id → last sequence and result). */
export const clientSessionsMax = 100_000;

// ── Circuit breaker (the seed's semantics, DESIGN.md §9) ───────────────────────────────────
export const breakerConsecutiveFailuresMax = 3;
export const breakerWindowFailuresMax = 5;
export const breakerWindowMs = 5 * 60_000;
export const breakerOpenMs = 30_000;
export const breakerHalfOpenProbesMax = 2;

// ── HTTP ───────────────────────────────────────────────────────────────────────────────────
export const httpBodyBytesMax = 1024 * 1024;
export const acquireWaitMsMax = 30_000;

assert(heartbeatIntervalTicks < electionTimeoutTicks, "heartbeats must come faster than elections");
assert(raftAppendBytesMax < peerMessageBytesMax, "an AppendEntries must fit in one peer frame");
assert(raftAppendBytesMax <= raftInflightBytesMax, "one full AppendEntries fits the window");
assert(raftAppendBytesMax <= raftUncommittedBytesMax, "one full batch fits the uncommitted tail");
assert(snapshotChunkBytesMax < peerMessageBytesMax, "a snapshot chunk must fit in one peer frame");
assert(
  snapshotLogTailEntries < snapshotEveryEntries,
  "the kept tail must be shorter than the span",
);
assert(workerHeartbeatIntervalMs * 2 < workerLeaseTtlMs, "a lease must survive a lost heartbeat");
assert(workerLeaseTtlMs <= partitionLeaseTtlMs, "a partition outlives its worker's lease");
assert(peerReconnectDelayMsMin < peerReconnectDelayMsMax, "reconnect delays must grow");
assert(retryBackoffMsBase <= retryBackoffMsMax, "retry backoff base must not exceed its cap");
assert(
  partitionsPerAcquireMax <= pendingPartitionsPerPlanMax,
  "one acquire fits the pending bound",
);
