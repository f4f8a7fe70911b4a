/**
 * A node's Raft metrics, fed by its events (src/node/events.ts) and, at scrape time,
 * by its Raft status: the seed's `is_leader` and election counts, then term, commit, applied,
 * last log and snapshot indexes, leader changes, fsync (group commit) durations, messages sent
 * and received by type, snapshots, the configuration's members by role, and — on the leader —
 * each peer's matchIndex and last contact (etcd-io/raft's tracker.Progress). Every series carries `node_id`; no label takes an
 * unbounded value (message types and roles are closed lists, peers are the configuration).
 */
import type { Registry } from "prom-client";
import { metricsDiskBucketsSeconds } from "../constants.js";
import type { NodeEvents } from "../node/events.js";
import type { RaftStatusView } from "../node/service.js";
import { ELECTION_FAILURE_REASONS, ElectionTracker } from "./election-tracker.js";
import { childrenOf, metricFactory, type MetricFactory } from "./factory.js";

/** What the Raft metrics read from a node. */
export interface RaftMetricsSource {
  readonly nodeId: string;
  readonly events: NodeEvents;
  raftStatus(): RaftStatusView;
}

/**
 * Registers the Raft metrics of `node` on `registry` and subscribes to its events.
 * @returns the function that unsubscribes (the series stay registered)
 */
export function attachRaftMetrics(registry: Registry, node: RaftMetricsSource): () => void {
  const m = raftMetrics(registry, node);
  const nodeId = node.nodeId;
  const elections = new ElectionTracker({
    attempt: () => m.electionAttempts.inc({ node_id: nodeId }),
    failure: (reason) => m.electionFailures.inc({ node_id: nodeId, reason }),
  });
  m.electionAttempts.inc({ node_id: nodeId }, 0);
  for (const reason of ELECTION_FAILURE_REASONS)
    m.electionFailures.inc({ node_id: nodeId, reason }, 0);
  m.leaderChanges.inc({ node_id: nodeId }, 0);
  m.isLeader.set({ node_id: nodeId }, 0);
  let knownLeader: string | null = null;
  const messages = childrenOf(m.messages, { node_id: nodeId });
  const fsyncSeconds = m.fsyncSeconds.labels({ node_id: nodeId });
  const persistedEntries = m.persistedEntries.labels({ node_id: nodeId });
  const off = [
    node.events.on("role", ({ role, leaderId, term }) => {
      m.isLeader.set({ node_id: nodeId }, role === "Leader" ? 1 : 0);
      elections.onRole(role, leaderId, term);
      if (leaderId !== null && leaderId !== knownLeader) m.leaderChanges.inc({ node_id: nodeId });
      if (leaderId !== null) knownLeader = leaderId;
    }),
    node.events.on("term", ({ term }) => {
      m.term.set({ node_id: nodeId }, term);
      elections.onTerm(term);
    }),
    node.events.on("indexes", ({ commitIndex, appliedIndex }) => {
      m.commitIndex.set({ node_id: nodeId }, commitIndex);
      m.appliedIndex.set({ node_id: nodeId }, appliedIndex);
    }),
    node.events.on("persist", ({ durationMs, entries }) => {
      fsyncSeconds.observe(durationMs / 1000);
      persistedEntries.inc(entries);
    }),
    node.events.on("message", ({ direction, type }) => messages({ direction, type }).inc()),
    node.events.on("snapshot", ({ origin, bytes, encodeMs, saveMs, restoreMs }) => {
      m.snapshots.inc({ node_id: nodeId, origin });
      m.snapshotBytes.set({ node_id: nodeId }, bytes);
      const seconds = origin === "local" ? (encodeMs + saveMs) / 1000 : restoreMs / 1000;
      m.snapshotSeconds.observe({ node_id: nodeId, origin }, seconds);
    }),
  ];
  return () => off.forEach((unsubscribe) => unsubscribe());
}

function raftMetrics(registry: Registry, node: RaftMetricsSource) {
  const f = metricFactory(registry);
  statusGauges(f, node);
  membershipGauges(f, node);
  peerGauges(f, node);
  return { ...roleMetrics(f), ...logMetrics(f) };
}

/** Last log index and snapshot index, read from the Raft status at scrape time. */
function statusGauges(f: MetricFactory, node: RaftMetricsSource): void {
  const fromStatus = (name: string, help: string, read: (status: RaftStatusView) => number) =>
    f.gauge(name, help, ["node_id"], function () {
      this.set({ node_id: node.nodeId }, read(node.raftStatus()));
    });
  fromStatus(
    "raft_last_log_index",
    "Index of the last entry in this node's log.",
    (s) => s.lastLogIndex,
  );
  fromStatus(
    "raft_snapshot_index",
    "Last index covered by this node's snapshot.",
    (s) => s.snapshotIndex,
  );
}

/** The configuration in force on this node (docs/MEMBERSHIP.md), read at scrape time. */
function membershipGauges(f: MetricFactory, node: RaftMetricsSource): void {
  f.gauge(
    "raft_members",
    "Members of the configuration in force on this node, by role (voter, learner).",
    ["node_id", "role"],
    function () {
      const { voters, learners } = node.raftStatus().membership;
      this.set({ node_id: node.nodeId, role: "voter" }, voters.length);
      this.set({ node_id: node.nodeId, role: "learner" }, learners.length);
    },
  );
  f.gauge(
    "raft_config_index",
    "Log index of the configuration in force on this node (its Config entry or snapshot).",
    ["node_id"],
    function () {
      this.set({ node_id: node.nodeId }, node.raftStatus().membership.configIndex);
    },
  );
  f.gauge(
    "raft_config_change_in_flight",
    "1 while the latest configuration change is appended but not yet committed.",
    ["node_id"],
    function () {
      const inFlight = node.raftStatus().membership.changeInFlight;
      this.set({ node_id: node.nodeId }, inFlight ? 1 : 0);
    },
  );
}

/** Role, elections, term and indexes (fed by role, term and indexes events). */
function roleMetrics(f: MetricFactory) {
  const id = ["node_id"] as const;
  return {
    isLeader: f.gauge(
      "is_leader",
      "1 when this node is the Raft leader, 0 otherwise (seed metric).",
      id,
    ),
    electionAttempts: f.counter(
      "leader_election_attempts_total",
      "Elections this node started (PreVote or vote campaigns; seed metric).",
      id,
    ),
    electionFailures: f.counter(
      "leader_election_failures_total",
      "Elections this node started and did not win, by reason (seed metric).",
      ["node_id", "reason"],
    ),
    term: f.gauge("raft_term", "This node's durable Raft term (currentTerm).", id),
    commitIndex: f.gauge(
      "raft_commit_index",
      "Highest log index this node knows to be committed.",
      id,
    ),
    appliedIndex: f.gauge(
      "raft_applied_index",
      "Highest log index applied to this node's state machine (lastApplied).",
      id,
    ),
    leaderChanges: f.counter(
      "raft_leader_changes_total",
      "Times this node learned of a new leader (itself included).",
      id,
    ),
  };
}

/** The log's disk writes, messages and snapshots (fed by persist, message, snapshot events). */
function logMetrics(f: MetricFactory) {
  const id = ["node_id"] as const;
  const snapshotBuckets = [...metricsDiskBucketsSeconds, 2.5, 5, 10];
  return {
    fsyncSeconds: f.histogram(
      "raft_fsync_duration_seconds",
      "Duration of one synced LevelDB batch of a Ready (group commit).",
      id,
      metricsDiskBucketsSeconds,
    ),
    persistedEntries: f.counter(
      "raft_persisted_entries_total",
      "Log entries written durably by this node.",
      id,
    ),
    messages: f.counter(
      "raft_messages_total",
      "Raft messages sent to or received from peers, by direction and message type.",
      ["node_id", "direction", "type"],
    ),
    snapshots: f.counter(
      "raft_snapshots_total",
      "Snapshots taken locally or installed from the leader.",
      ["node_id", "origin"],
    ),
    snapshotBytes: f.gauge(
      "raft_snapshot_bytes",
      "Size of the last snapshot taken or installed.",
      id,
    ),
    snapshotSeconds: f.histogram(
      "raft_snapshot_duration_seconds",
      "Time to take (encode + save) or install (restore) a snapshot.",
      ["node_id", "origin"],
      snapshotBuckets,
    ),
  };
}

/** Per-peer replication, filled on the leader only (followers track no progress). */
function peerGauges(f: MetricFactory, node: RaftMetricsSource): void {
  const labelNames = ["node_id", "peer"] as const;
  const peersOf = () => node.raftStatus().peers.filter((peer) => peer.id !== node.nodeId);
  f.gauge(
    "raft_peer_match_index",
    "On the leader: highest log index known replicated on each peer (matchIndex).",
    labelNames,
    function () {
      this.reset();
      for (const peer of peersOf())
        this.set({ node_id: node.nodeId, peer: peer.id }, peer.matchIndex);
    },
  );
  f.gauge(
    "raft_peer_last_contact_seconds",
    "On the leader: time since each peer last answered.",
    labelNames,
    function () {
      this.reset();
      for (const peer of peersOf()) {
        if (peer.lastContactMs === null) continue;
        this.set({ node_id: node.nodeId, peer: peer.id }, peer.lastContactMs / 1000);
      }
    },
  );
}
