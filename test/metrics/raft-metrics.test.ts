// Proves the Raft metrics follow the node's role, term, index, persist, message and snapshot
// events, count elections by reason and each new leader once, and read the last log index,
// snapshot index and (on the leader) each peer's progress at scrape time.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { attachRaftMetrics } from "../../src/metrics/raft-metrics.js";
import type { NodeId, Term, LogIndex } from "../../src/util/ids.js";
import { FakeNode } from "./fake-node.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const node = new FakeNode();
  attachRaftMetrics(registry, node);
  return { registry, node };
}

describe("Raft metrics", () => {
  it("follow role, term, index, persist, message and snapshot events", async () => {
    const { registry, node } = setup();
    const n1 = { node_id: "n1" };
    expect(await valueOf(registry, `${P}is_leader`, n1)).toBe(0);
    node.role("PreCandidate", null, 1);
    node.role("Candidate", null, 2);
    node.events.emit("term", { term: 2 as Term });
    node.role("Leader", "n1", 2);
    node.events.emit("indexes", { commitIndex: 7 as LogIndex, appliedIndex: 6 as LogIndex });
    node.events.emit("persist", {
      durationMs: 3,
      entries: 4,
      proposals: 2,
      bytes: 100,
      lastIndex: 4,
    });
    for (let i = 0; i < 3; i++) {
      node.events.emit("message", {
        direction: "sent",
        type: "AppendEntries",
        peer: "n2" as NodeId,
      });
    }
    node.events.emit("message", { direction: "received", type: "PreVote", peer: "n3" as NodeId });
    node.events.emit("snapshot", {
      origin: "local",
      index: 6 as LogIndex,
      bytes: 2048,
      encodeMs: 10,
      saveMs: 20,
      restoreMs: 0,
    });
    expect(await valueOf(registry, `${P}is_leader`, n1)).toBe(1);
    expect(await valueOf(registry, `${P}leader_election_attempts_total`, n1)).toBe(1);
    expect(await valueOf(registry, `${P}raft_term`, n1)).toBe(2);
    expect(await valueOf(registry, `${P}raft_commit_index`, n1)).toBe(7);
    expect(await valueOf(registry, `${P}raft_applied_index`, n1)).toBe(6);
    expect(await valueOf(registry, `${P}raft_leader_changes_total`, n1)).toBe(1);
    expect(await valueOf(registry, `${P}raft_persisted_entries_total`, n1)).toBe(4);
    const fsync = await seriesOf(registry, `${P}raft_fsync_duration_seconds`);
    expect(fsync["le=0.005,node_id=n1"]).toBe(1);
    expect(fsync["le=0.0025,node_id=n1"]).toBe(0);
    expect(await seriesOf(registry, `${P}raft_messages_total`)).toEqual({
      "direction=sent,node_id=n1,type=AppendEntries": 3,
      "direction=received,node_id=n1,type=PreVote": 1,
    });
    expect(await valueOf(registry, `${P}raft_snapshots_total`, { origin: "local" })).toBe(1);
    expect(await valueOf(registry, `${P}raft_snapshot_bytes`, n1)).toBe(2048);
  });

  it("counts failed elections by reason and each new leader once", async () => {
    const { registry, node } = setup();
    node.role("PreCandidate", null, 1);
    node.role("Follower", "n2", 1);
    node.role("Follower", "n2", 1);
    node.role("Follower", "n3", 2);
    expect(
      await valueOf(registry, `${P}leader_election_failures_total`, { reason: "other_leader" }),
    ).toBe(1);
    expect(await valueOf(registry, `${P}raft_leader_changes_total`)).toBe(2);
  });

  it("reads last log and snapshot index and, on the leader, each peer's progress at scrape time", async () => {
    const { registry, node } = setup();
    node.status = {
      ...node.status,
      role: "Leader",
      lastLogIndex: 42,
      snapshotIndex: 30,
      peers: [
        {
          id: "n1" as NodeId,
          matchIndex: 42,
          nextIndex: 43,
          state: "Replicate",
          lastContactMs: 0,
          connected: true,
        },
        {
          id: "n2" as NodeId,
          matchIndex: 40,
          nextIndex: 41,
          state: "Replicate",
          lastContactMs: 1500,
          connected: true,
        },
      ],
    };
    expect(await valueOf(registry, `${P}raft_last_log_index`)).toBe(42);
    expect(await valueOf(registry, `${P}raft_snapshot_index`)).toBe(30);
    expect(await seriesOf(registry, `${P}raft_peer_match_index`)).toEqual({
      "node_id=n1,peer=n2": 40,
    });
    expect(await seriesOf(registry, `${P}raft_peer_last_contact_seconds`)).toEqual({
      "node_id=n1,peer=n2": 1.5,
    });
    node.status = { ...node.status, role: "Follower", peers: [] };
    expect(await seriesOf(registry, `${P}raft_peer_match_index`)).toEqual({});
  });

  it("reads voters, learners and a change in flight from the configuration at scrape time", async () => {
    const { registry, node } = setup();
    const membership = {
      voters: ["n1", "n2", "n3"] as NodeId[],
      learners: ["n4"] as NodeId[],
      configIndex: 17,
      changeInFlight: true,
    };
    node.status = { ...node.status, membership };
    expect(await seriesOf(registry, `${P}raft_members`)).toEqual({
      "node_id=n1,role=voter": 3,
      "node_id=n1,role=learner": 1,
    });
    expect(await valueOf(registry, `${P}raft_config_index`)).toBe(17);
    expect(await valueOf(registry, `${P}raft_config_change_in_flight`)).toBe(1);
    node.status = { ...node.status, membership: { ...membership, changeInFlight: false } };
    expect(await valueOf(registry, `${P}raft_config_change_in_flight`)).toBe(0);
  });
});
