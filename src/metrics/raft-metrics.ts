/**
 * A node's Raft metrics (issue 6), fed by its events (src/node/events.ts) and, at scrape time,
 * by its Raft status: the seed's `is_leader` and election counts, then term, commit, applied,
 * last log and snapshot indexes, leader changes, fsync (group commit) durations, messages sent
 * and received by type, snapshots, and — on the leader — each peer's matchIndex and last
 * contact (etcd-io/raft's tracker.Progress). Every series carries `node_id`; no label takes an
 * unbounded value (message types and roles are closed lists, peers are the configuration).
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { metricsDiskBucketsSeconds } from "../constants.js";
import type { NodeEvents } from "../node/events.js";
import type { RaftStatusView } from "../node/service.js";
import { ELECTION_FAILURE_REASONS, ElectionTracker } from "./election-tracker.js";
import { METRIC_PREFIX } from "./registry.js";

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
  const messages = new Map<string, Counter.Internal>();
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
      m.fsyncSeconds.observe({ node_id: nodeId }, durationMs / 1000);
      m.persistedEntries.inc({ node_id: nodeId }, entries);
    }),
    node.events.on("message", ({ direction, type }) => {
      const key = `${direction} ${type}`;
      let child = messages.get(key);
      if (child === undefined) {
        child = m.messages.labels({ node_id: nodeId, direction, type });
        messages.set(key, child);
      }
      child.inc();
    }),
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
  const registers = [registry];
  const nodeLabel = ["node_id"] as const;
  const statusGauge = (name: string, help: string, read: (status: RaftStatusView) => number) =>
    new Gauge({
      name: `${METRIC_PREFIX}${name}`,
      help,
      labelNames: nodeLabel,
      registers,
      collect() {
        this.set({ node_id: node.nodeId }, read(node.raftStatus()));
      },
    });
  statusGauge(
    "raft_last_log_index",
    "Index of the last entry in this node's log.",
    (s) => s.lastLogIndex,
  );
  statusGauge(
    "raft_snapshot_index",
    "Last index covered by this node's snapshot.",
    (s) => s.snapshotIndex,
  );
  peerGauges(registry, node);
  return {
    isLeader: new Gauge({
      name: `${METRIC_PREFIX}is_leader`,
      help: "1 when this node is the Raft leader, 0 otherwise (seed metric).",
      labelNames: nodeLabel,
      registers,
    }),
    electionAttempts: new Counter({
      name: `${METRIC_PREFIX}leader_election_attempts_total`,
      help: "Elections this node started (PreVote or vote campaigns; seed metric).",
      labelNames: nodeLabel,
      registers,
    }),
    electionFailures: new Counter({
      name: `${METRIC_PREFIX}leader_election_failures_total`,
      help: "Elections this node started and did not win, by reason (seed metric).",
      labelNames: ["node_id", "reason"] as const,
      registers,
    }),
    term: new Gauge({
      name: `${METRIC_PREFIX}raft_term`,
      help: "This node's durable Raft term (currentTerm).",
      labelNames: nodeLabel,
      registers,
    }),
    commitIndex: new Gauge({
      name: `${METRIC_PREFIX}raft_commit_index`,
      help: "Highest log index this node knows to be committed.",
      labelNames: nodeLabel,
      registers,
    }),
    appliedIndex: new Gauge({
      name: `${METRIC_PREFIX}raft_applied_index`,
      help: "Highest log index applied to this node's state machine (lastApplied).",
      labelNames: nodeLabel,
      registers,
    }),
    leaderChanges: new Counter({
      name: `${METRIC_PREFIX}raft_leader_changes_total`,
      help: "Times this node learned of a new leader (itself included).",
      labelNames: nodeLabel,
      registers,
    }),
    fsyncSeconds: new Histogram({
      name: `${METRIC_PREFIX}raft_fsync_duration_seconds`,
      help: "Duration of one synced LevelDB batch of a Ready (group commit).",
      labelNames: nodeLabel,
      buckets: [...metricsDiskBucketsSeconds],
      registers,
    }),
    persistedEntries: new Counter({
      name: `${METRIC_PREFIX}raft_persisted_entries_total`,
      help: "Log entries written durably by this node.",
      labelNames: nodeLabel,
      registers,
    }),
    messages: new Counter({
      name: `${METRIC_PREFIX}raft_messages_total`,
      help: "Raft messages sent to or received from peers, by direction and message type.",
      labelNames: ["node_id", "direction", "type"] as const,
      registers,
    }),
    snapshots: new Counter({
      name: `${METRIC_PREFIX}raft_snapshots_total`,
      help: "Snapshots taken locally or installed from the leader.",
      labelNames: ["node_id", "origin"] as const,
      registers,
    }),
    snapshotBytes: new Gauge({
      name: `${METRIC_PREFIX}raft_snapshot_bytes`,
      help: "Size of the last snapshot taken or installed.",
      labelNames: nodeLabel,
      registers,
    }),
    snapshotSeconds: new Histogram({
      name: `${METRIC_PREFIX}raft_snapshot_duration_seconds`,
      help: "Time to take (encode + save) or install (restore) a snapshot.",
      labelNames: ["node_id", "origin"] as const,
      buckets: [...metricsDiskBucketsSeconds, 2.5, 5, 10],
      registers,
    }),
  };
}

/** Per-peer replication, filled on the leader only (followers track no progress). */
function peerGauges(registry: Registry, node: RaftMetricsSource): void {
  const labelNames = ["node_id", "peer"] as const;
  const peersOf = () => node.raftStatus().peers.filter((peer) => peer.id !== node.nodeId);
  new Gauge({
    name: `${METRIC_PREFIX}raft_peer_match_index`,
    help: "On the leader: highest log index known replicated on each peer (matchIndex).",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const peer of peersOf())
        this.set({ node_id: node.nodeId, peer: peer.id }, peer.matchIndex);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}raft_peer_last_contact_seconds`,
    help: "On the leader: time since each peer last answered.",
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const peer of peersOf()) {
        if (peer.lastContactMs === null) continue;
        this.set({ node_id: node.nodeId, peer: peer.id }, peer.lastContactMs / 1000);
      }
    },
  });
}
