/**
 * Every default and limit of elk-coordinator, named with its unit last (TIGER_STYLE: `…Ms`,
 * `…Ticks`, `…Bytes`, `…Max`). Everything is configurable at run time;
 * these are the values used when nothing is said. Relationships between limits are
 * asserted once, when this module loads.
 */
import { assert } from "./util/assert.js";

// ── Raft timing ────────────────────────────────────────────────────────────────────────────
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
/**
 * Automatic snapshots take at most this share of a node's time: after a snapshot that took T ms
 * from start to durable, the next waits at least T · (100 / share − 1) ms, however many entries
 * were applied (a state of millions of partitions costs hundreds of ms to snapshot).
 */
export const snapshotDutyCyclePercentMax = 10;

// ── Peer transport ─────────────────────────────────────────────────────────────────────────
/** Largest encoded peer message accepted or sent; a larger frame closes the link. */
export const peerMessageBytesMax = 16 * 1024 * 1024;
/** Messages queued for one peer before new ones are dropped (Raft retransmits). */
export const peerSendQueueMessagesMax = 4_096;
/** Encoded bytes queued for one peer (handed to the socket, not yet written) before new ones drop. */
export const peerSendQueueBytesMax = 64 * 1024 * 1024;
/** First and largest reconnect delay to a peer; each attempt doubles, with jitter. */
export const peerReconnectDelayMsMin = 50;
export const peerReconnectDelayMsMax = 2_000;
/** A dial (TCP connect + WebSocket upgrade) not finished within this time is abandoned. */
export const peerDialTimeoutMs = 2_000;
/**
 * The larger id of a pair, which normally only accepts, dials its peer itself when no connection
 * from that peer has come up within this time: the peer may not know it yet (a lagging server
 * with an old configuration, docs/MEMBERSHIP.md §9).
 */
export const peerFallbackDialDelayMs = 2_500;
/** A link pings its peer this often; any frame or pong counts as a sign of life. */
export const peerPingIntervalMs = 1_000;
/** A link that has received nothing (not even a pong) for this long is presumed dead and closed. */
export const peerIdleTimeoutMs = 5_000;
/** On shutdown, links get this long to flush and finish the close handshake before being cut. */
export const peerCloseTimeoutMs = 1_000;
/** A peer handshake whose timestamp is further than this from our clock is refused as stale. */
export const peerAuthClockSkewMsMax = 30_000;
/** Handshake nonces remembered (within the skew window) to refuse replayed handshakes. */
export const peerAuthNoncesMax = 10_000;
/** Shortest cluster secret accepted for peer authentication (HMAC-SHA256 key). */
export const clusterSecretBytesMin = 16;

// ── Wire limits (src/wire: what a decoder accepts from an untrusted peer) ──────────────────
/** Longest node id, in UTF-16 code units. */
export const nodeIdCharsMax = 64;
/** Longest ReadIndex request id, in UTF-16 code units. */
export const readRequestIdCharsMax = 128;
/** Entries in one AppendEntries message. */
export const raftEntriesPerMessageMax = 100_000;
/** Voters plus learners in one configuration. */
export const raftConfMembersMax = 64;
/** Longest member address (`host:port`) in a configuration, in UTF-16 code units. */
export const memberAddressCharsMax = 256;
/**
 * Removed ids a configuration remembers (ids are never reused, docs/MEMBERSHIP.md §5). A removal
 * beyond this is refused rather than forgetting an id.
 */
export const raftConfRemovedIdsMax = 4096;

// ── Membership (docs/MEMBERSHIP.md) ────────────────────────────────────────────────────────
/**
 * A learner counts as caught up, and may be promoted, once its matchIndex is within this many
 * entries of the leader's last index. A promoted voter further behind would hold back commits
 * until it catches up (with 2 voters, every commit).
 */
export const learnerCaughtUpEntriesMax = 100;
/**
 * A node started with `--join` and an empty data directory asks the endpoints for the cluster's
 * members for at most this long before it gives up (and exits, to be restarted).
 */
export const joinDiscoveryTimeoutMs = 120_000;

// ── Raft store (src/storage) ───────────────────────────────────────────────────────────────
/** Snapshot data is stored in chunks of at most this many bytes (one LevelDB value each). */
export const storageSnapshotChunkBytesMax = 1024 * 1024;

// ── Proposals and reads ────────────────────────────────────────────────────────────────────
/** A proposal not applied within this time is answered with `proposal_timeout`. */
export const proposalTimeoutMs = 5_000;
/** Largest encoded command envelope a node proposes (one log entry); larger is `invalid_request`. */
export const commandBytesMax = 512 * 1024;

// ── Node lifecycle (src/node) ──────────────────────────────────────────────────────────────
/**
 * How long a leader waits for a requested leadership transfer to produce a new leader: two of
 * the longest randomized election timeouts (the core itself abandons a transfer after one).
 */
export const leadershipTransferTimeoutMs = 4 * electionTimeoutTicks * tickIntervalMs;
/** On a graceful stop, in-flight proposals and reads get this long to be answered. */
export const nodeStopDrainTimeoutMs = 2_000;

// ── Workers, leases, partitions ────────────────────────────────────────────────────────────
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

// ── State machine bounds (every field a command carries is bounded) ────────────────────────
/** Bytes of a client-chosen id (plan, worker, namespace, client session): `[A-Za-z0-9._-]{1,64}`. */
export const idBytesMax = 64;
/** Partitions a single worker may hold at once (its task window) at the most. */
export const windowSizeMax = 1_024;
/** Bounds of a worker lease TTL carried by RegisterWorker. */
export const workerLeaseTtlMsMin = 1_000;
export const workerLeaseTtlMsMax = 10 * 60_000;
/** Bounds of a plan's stale-progress TTL carried by CreatePlan. */
export const partitionLeaseTtlMsMin = 1_000;
export const partitionLeaseTtlMsMax = 24 * 60 * 60_000;
/** Largest `maxAttempts` a plan may ask for. */
export const maxAttemptsMax = 100;
/** A plan's priority lies in [-planPriorityAbsMax, planPriorityAbsMax]; higher is served first. */
export const planPriorityAbsMax = 1_000_000;
/** Largest grace a LeaderChanged command may grant to live leases. */
export const leaderChangeLeaseGraceMsMax = 10 * 60_000;
/**
 * Lease expiries (or preemptions) of one partition that are forgiven: beyond this many, each
 * further expiry counts as a failed attempt, so a partition that kills its workers cannot loop.
 */
export const leaseExpiriesFreeMax = 2;
/** Partitions one AppendPartitions command may add. */
export const partitionsPerAppendMax = 1_000;
/** Completions one CompletePartitions command may carry. */
export const completionsPerCommandMax = 1_000;
/** Partition ids one command may list (RetryFailed). */
export const partitionIdsPerCommandMax = 1_000;
/** Expired workers remembered for operators; beyond it the longest-expired is forgotten. */
export const expiredWorkersMax = 1_000;
/** Bytes of a worker's `meta` record, encoded as JSON. */
export const workerMetaBytesMax = 1_024;
/** Nesting depth of a plan's `options` JSON. */
export const planOptionsDepthMax = 32;
/** Rows one query page returns at the most, and by default. */
export const queryPageRowsMax = 1_000;
export const queryPageRowsDefault = 100;

// ── Circuit breaker (the seed's semantics) ─────────────────────────────────────────────────
export const breakerConsecutiveFailuresMax = 3;
export const breakerWindowFailuresMax = 5;
export const breakerWindowMs = 5 * 60_000;
export const breakerOpenMs = 30_000;
export const breakerHalfOpenProbesMax = 2;

// ── Worker SDK (src/worker) ────────────────────────────────────────────────────────────────
/**
 * A worker trusts its lease only until this long before `leaseTtlMs` has passed since the start
 * of its last acknowledged renewal (heartbeat or acquire): room for clock skew between the
 * leader and the worker, and for a pause between a check and a write.
 */
export const workerLeaseSafetyMarginMs = 2_000;
/**
 * A worker holds a completion this long for others to join it in one CompletePartitions
 * command (one Raft entry and one round trip for the lot); while a batch is in flight the next
 * one gathers without a timer. Short against a partition's processing, long against a loop turn.
 */
export const workerCompletionCoalesceMs = 2;
/** Completions a worker sends in one batch at the most (a full batch goes at once). */
export const workerCompletionBatchMax = 256;
/** A worker's long-poll acquire asks the node to wait this long for grantable work. */
export const workerAcquireWaitMs = 10_000;
/** After a failed call of a worker loop, it waits from this long up to the max (doubling, jittered). */
export const workerErrorBackoffMsMin = 100;
export const workerErrorBackoffMsMax = 5_000;
/** On a drain, running partitions get this long to finish before they are aborted and released. */
export const workerDrainTimeoutMs = 30_000;
/** An aborted processor gets this long to return before the drain deregisters without it. */
export const workerAbortSettleMs = 2_000;
/** Plan options a worker caches (they never change for a plan). */
export const workerPlanOptionsCachedMax = 256;
/** A planner appends to its plan while fewer than this many of its partitions are pending. */
export const plannerPendingLowWaterPartitions = 200;
/** Partitions a planner appends at once at the most. */
export const plannerAppendPartitionsMax = 500;
/** How often a worker hosting a planner looks at its namespace's open-ended plans. */
export const plannerPollIntervalMs = 1_000;

// ── HTTP ───────────────────────────────────────────────────────────────────────────────────
export const httpBodyBytesMax = 1024 * 1024;
/**
 * A body refused before it was read (413) is read and discarded up to this many bytes, for up
 * to this long, before the answer goes out and the connection closes: closing on unread data
 * resets the connection and loses the answer for clients that write before they read.
 */
export const httpRefusedBodyDrainBytesMax = 64 * 1024 * 1024;
export const httpRefusedBodyDrainMs = 5_000;
/**
 * How deeply a request body's arrays and objects may nest (a top-level object is depth 1);
 * deeper is 400 before parsing. Far above any real body — a plan's `options` sits one level
 * down and the state machine allows it `planOptionsDepthMax` — and far below the few thousand
 * levels at which re-serializing a body to forward it would overflow the stack.
 */
export const httpBodyDepthMax = 64;
/** The longest a long-polling acquire waits for grantable work before answering empty-handed. */
export const acquireWaitMsMax = 30_000;
/** `Retry-After` sent with a retryable 503 or 429 answer. */
export const httpRetryAfterSeconds = 1;
/** Longest `Idempotency-Key` header accepted, in characters. */
export const idempotencyKeyCharsMax = 255;
/** Longest `X-Elk-Client-Id` header accepted, in characters (mapped to a session id). */
export const clientIdHeaderCharsMax = 255;
/** Longest paging cursor accepted: a plan or worker id, or `<planId>:<partitionId>`. */
export const cursorCharsMax = 128;
/**
 * A request forwarded to the leader and not answered within this time is abandoned with
 * `proposal_timeout` (its outcome is unknown): room for the longest long poll plus a proposal.
 */
export const httpForwardTimeoutMs = acquireWaitMsMax + 2 * proposalTimeoutMs;
/** GET /v1/plans/:planId measures its rate over about this much recent time. */
export const progressRateWindowMs = 60_000;
/** The progress sampler keeps at most one sample of a plan per this interval. */
export const progressSampleSpacingMs = 1_000;
/** Plans the progress sampler remembers; beyond it the least recently read is forgotten. */
export const progressSampledPlansMax = 1_000;

// ── HTTP client (src/worker/client.ts) ─────────────────────────────────────────────────────
/** One attempt of a request gets this long (plus any long-poll wait it asked for). */
export const clientRequestTimeoutMs = 10_000;
/** A request is retried (retryable errors, other endpoints) until this much time has passed. */
export const clientRetryDeadlineMs = 30_000;
/** First and largest delay between retries; each retry doubles it, with full jitter. */
export const clientRetryDelayMsMin = 25;
export const clientRetryDelayMsMax = 1_000;
/** Keep-alive connections the client opens to one endpoint at the most. */
export const clientConnectionsPerEndpoint = 32;

// ── Redis mirror (src/mirror) ──────────────────────────────────────────────────────────────
/** Key prefix of the mirror when none is configured (`--redis-prefix`). */
export const mirrorKeyPrefixDefault = "elk:";
/** After the first change, the mirror waits this long to gather more into one flush. */
export const mirrorFlushDelayMs = 5;
/**
 * Partition entries rendered in one synchronous step (the event loop is yielded between steps),
 * and the most one flush writes in its final atomic step; more goes through staging keys.
 */
export const mirrorRenderChunkPartitionsMax = 2_000;
/**
 * Changes remembered between two flushes; beyond it the mirror forgets the detail and resyncs
 * everything (a slow Redis costs a resync, never unbounded memory).
 */
export const mirrorDirtyEntriesMax = 100_000;
/** A Redis command not answered within this time counts as a failure (Redis presumed down). */
export const mirrorRedisCommandTimeoutMs = 5_000;
/** Delays between failed flushes or reconnects to Redis: doubling from min to max. */
export const mirrorRetryDelayMsMin = 100;
export const mirrorRetryDelayMsMax = 5_000;
/** Staging keys of an unfinished flush expire after this long (a writer that died mid-flush). */
export const mirrorStagingTtlSeconds = 3_600;
/** Longest TTL accepted for completed-partition entries (`--redis-completed-ttl-seconds`). */
export const mirrorCompletedTtlSecondsMax = 365 * 24 * 3_600;
/** Apply-time samples kept to measure the mirror's lag in ms (coarsened when full). */
export const mirrorLagSamplesMax = 10_000;

// ── Console (/ui and the /v1/events push stream, docs/API.md "Console") ────────────────────
/** The push stream sends at most one update per client per tick: changes between ticks coalesce. */
export const consoleTickMs = 250;
/** Open /v1/events streams per node; one more is refused with 503 console_clients_full. */
export const consoleClientsMax = 32;
/**
 * Bytes a client's socket may hold unsent before it is skipped: it gets no delta while above,
 * and one full picture once below again (what it missed, coalesced).
 */
export const consoleClientBufferedBytesMax = 512 * 1024;
/** A client that stays above the buffered bound this long is dropped. */
export const consoleSlowClientDropMs = 10_000;
/** A comment line keeps an idle stream open through proxies at least this often. */
export const consoleKeepAliveMs = 15_000;
/** How often a node asks the other members for their Raft status while streams are open. */
export const consolePeerPollIntervalMs = 500;
/** One member's Raft status request gives up after this long (the member shows unreachable). */
export const consolePeerPollTimeoutMs = 400;
/** Plans in one picture (the most recently created first); more are counted, not listed. */
export const consolePlansMax = 200;
/** Workers in one picture (by worker id); more are counted, not listed. */
export const consoleWorkersMax = 500;
/** Leader changes and elections remembered per node for the timeline. */
export const consoleTimelineEventsMax = 100;
/** Commands/s and worker completion rates are averaged over this window. */
export const consoleRateWindowMs = 10_000;
/** Buckets of a partition map (GET /v1/plans/:planId/buckets) at most. */
export const partitionBucketsMax = 10_000;

// ── Metrics (src/metrics) ──────────────────────────────────────────────────────────────────
/**
 * Plans that get their own `plan` label value in the leader's per-plan metrics (active plans
 * first, then the newest); every other plan is summed under `plan="other"`, so the label stays
 * bounded however many plans the cluster holds.
 */
export const metricsPlanLabelsMax = 20;
/**
 * The leader's cluster gauges label at most this many namespaces by name (those of the
 * highest-ranked plans first, then the workers'); every other namespace is summed under
 * `namespace="other"`, so the label stays bounded however many namespaces clients invent.
 */
export const metricsNamespaceLabelsMax = 20;
/** Histogram buckets (seconds) of fsync and other disk writes: 0.5 ms to 1 s. */
export const metricsDiskBucketsSeconds: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];
/** Histogram buckets (seconds) of proposals, assignments and HTTP requests: 1 ms to 10 s. */
export const metricsRequestBucketsSeconds: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/** Histogram buckets (seconds) of a partition's processing on a worker: 10 ms to 30 min. */
export const metricsTaskBucketsSeconds: readonly number[] = [
  0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800,
];

assert(heartbeatIntervalTicks < electionTimeoutTicks, "heartbeats must come faster than elections");
assert(raftAppendBytesMax < peerMessageBytesMax, "an AppendEntries must fit in one peer frame");
assert(raftAppendBytesMax <= raftInflightBytesMax, "one full AppendEntries fits the window");
assert(raftAppendBytesMax <= raftUncommittedBytesMax, "one full batch fits the uncommitted tail");
assert(snapshotChunkBytesMax < peerMessageBytesMax, "a snapshot chunk must fit in one peer frame");
assert(commandBytesMax + 24 <= raftAppendBytesMax, "one command fits in one AppendEntries");
assert(
  leadershipTransferTimeoutMs > 2 * electionTimeoutTicks * tickIntervalMs,
  "a transfer gets longer than the core's own attempt",
);
assert(
  snapshotDutyCyclePercentMax > 0 && snapshotDutyCyclePercentMax <= 100,
  "a duty cycle is a percentage",
);
assert(
  snapshotLogTailEntries < snapshotEveryEntries,
  "the kept tail must be shorter than the span",
);
assert(workerHeartbeatIntervalMs * 2 < workerLeaseTtlMs, "a lease must survive a lost heartbeat");
assert(workerLeaseTtlMs <= partitionLeaseTtlMs, "a partition outlives its worker's lease");
assert(peerReconnectDelayMsMin < peerReconnectDelayMsMax, "reconnect delays must grow");
assert(peerMessageBytesMax <= peerSendQueueBytesMax, "the largest peer frame must fit in a queue");
assert(
  peerReconnectDelayMsMax < peerFallbackDialDelayMs,
  "the smaller id's redial comes before the larger id's fallback dial",
);
assert(peerPingIntervalMs * 2 <= peerIdleTimeoutMs, "a link must survive one lost pong");
assert(
  peerDialTimeoutMs >= peerReconnectDelayMsMin,
  "a dial must get longer than the shortest backoff",
);
// 24 is the per-entry overhead of entrySizeBytes (src/raft/storage.ts): a full AppendEntries of
// empty entries must still decode.
assert(
  Math.floor(raftAppendBytesMax / 24) + 1 <= raftEntriesPerMessageMax,
  "a full AppendEntries must fit the wire's entry limit",
);
assert(retryBackoffMsBase <= retryBackoffMsMax, "retry backoff base must not exceed its cap");
assert(
  partitionsPerAcquireMax <= pendingPartitionsPerPlanMax,
  "one acquire fits the pending bound",
);
assert(partitionsPerAppendMax <= pendingPartitionsPerPlanMax, "one append fits the pending bound");
assert(
  workerLeaseTtlMsMin <= workerLeaseTtlMs && workerLeaseTtlMs <= workerLeaseTtlMsMax,
  "default worker TTL in bounds",
);
assert(
  partitionLeaseTtlMsMin <= partitionLeaseTtlMs && partitionLeaseTtlMs <= partitionLeaseTtlMsMax,
  "default partition TTL in bounds",
);
assert(maxAttemptsDefault <= maxAttemptsMax, "default attempts within bound");
assert(windowSizeDefault <= windowSizeMax, "default window within bound");
assert(leaderChangeLeaseGraceMs <= leaderChangeLeaseGraceMsMax, "default grace within bound");
assert(maxAttemptsMax + leaseExpiriesFreeMax < 2 ** 16, "attempt counters fit 16 bits");
assert(queryPageRowsDefault <= queryPageRowsMax, "default page within bound");
assert(
  httpBodyDepthMax > planOptionsDepthMax + 1,
  "plan options too deep are refused by the state machine's own rule, not the body limit",
);
assert(
  httpForwardTimeoutMs > acquireWaitMsMax + proposalTimeoutMs,
  "a forwarded long poll must be answered before the forward gives up",
);
assert(progressSampleSpacingMs < progressRateWindowMs, "a rate window holds several samples");
assert(clientRetryDelayMsMin < clientRetryDelayMsMax, "client retry delays must grow");
assert(clientRetryDelayMsMax < clientRetryDeadlineMs, "a client retries more than once");
assert(
  mirrorRenderChunkPartitionsMax < mirrorDirtyEntriesMax,
  "a render chunk fits in the dirty set's bound",
);
assert(mirrorRetryDelayMsMin < mirrorRetryDelayMsMax, "mirror retry delays must grow");
assert(
  mirrorStagingTtlSeconds * 1000 > 10 * mirrorRedisCommandTimeoutMs,
  "staging keys outlive many command timeouts",
);
assert(
  workerHeartbeatIntervalMs + workerLeaseSafetyMarginMs < workerLeaseTtlMs,
  "a worker renews its lease before it stops trusting it",
);
assert(workerErrorBackoffMsMin < workerErrorBackoffMsMax, "worker backoff must grow");
assert(workerAcquireWaitMs <= acquireWaitMsMax, "the worker's long poll is within the API's bound");
assert(
  plannerPendingLowWaterPartitions + plannerAppendPartitionsMax <= pendingPartitionsPerPlanMax,
  "a planner's append stays below the pending bound",
);
assert(plannerAppendPartitionsMax <= partitionsPerAppendMax, "one planner append is one command");
assert(
  breakerHalfOpenProbesMax >= 1 && breakerConsecutiveFailuresMax <= breakerWindowFailuresMax,
  "a breaker probes at least once; the windowed bound is the looser one",
);
assert(metricsPlanLabelsMax >= 1, "at least one plan keeps its own label");
assert(metricsNamespaceLabelsMax >= 1, "at least one namespace keeps its own label");
for (const buckets of [
  metricsDiskBucketsSeconds,
  metricsRequestBucketsSeconds,
  metricsTaskBucketsSeconds,
]) {
  assert(
    buckets.every((bound, i) => i === 0 || (buckets[i - 1] ?? 0) < bound),
    "histogram buckets must increase",
  );
}
assert(
  consoleSlowClientDropMs > consoleTickMs && consolePeerPollTimeoutMs < consolePeerPollIntervalMs,
  "a slow client gets ticks to catch up; a member poll ends before the next",
);
assert(workerCompletionBatchMax <= completionsPerCommandMax, "a worker batch fits one command");
