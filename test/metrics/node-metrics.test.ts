// Proves the node metrics react to the node's events and read its state at scrape time: the
// Raft gauges and counters, elections, leader changes, per-peer progress on the leader, the
// leader's partition counters counted once per decision (only by the leader of the entry's
// term), the cluster gauges exported by the leader alone from one read per scrape, and the HTTP
// metrics keyed by route pattern.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { attachNodeMetrics } from "../../src/metrics/index.js";
import type { NodeId, Term, LogIndex } from "../../src/util/ids.js";
import { FakeNode } from "./fake-node.js";
import { seriesOf, valueOf } from "./read-registry.js";

const P = "elk_coordinator_";

function setup() {
  const registry = new Registry();
  const node = new FakeNode();
  const metrics = attachNodeMetrics(registry, node, 2);
  return { registry, node, metrics };
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
    node.events.emit("persist", { durationMs: 3, entries: 4, proposals: 2, bytes: 100 });
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
});

describe("the leader's partition counters", () => {
  it("count what the leader of the entry's term applied, once, and skip duplicates", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 3);
    node.apply({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 }, 3);
    node.apply({ type: "RegisterWorker", workerId: "w1", windowSize: 4 }, 3);
    const acquired = node.apply({ type: "AcquirePartitions", workerId: "w1", max: 2 }, 3);
    if (acquired.status !== "ok" || acquired.type !== "AcquirePartitions")
      throw new Error("no grant");
    const [first, second] = acquired.granted;
    const report = (grant: typeof first) => ({
      planId: "p",
      partitionId: grant!.partitionId,
      workerId: "w1",
      fencingToken: grant!.fencingToken,
    });
    node.apply({ type: "CompletePartition", ...report(first), processedCount: 10 }, 3);
    // A stale token: the worker holds `second` under a newer token than the one presented.
    node.apply(
      { type: "CompletePartition", ...report(second), fencingToken: 1, processedCount: 1 },
      3,
    );
    // An entry of an earlier term, applied while leading: its own leader counted it.
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 1 }, 2);
    expect(await valueOf(registry, `${P}partitions_assigned_total`)).toBe(2);
    expect(await valueOf(registry, `${P}partitions_completed_total`)).toBe(1);
    expect(
      await valueOf(registry, `${P}fenced_rejections_total`, { command: "CompletePartition" }),
    ).toBe(1);
    node.role("Follower", "n2", 4);
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 1 }, 4);
    expect(await valueOf(registry, `${P}partitions_assigned_total`)).toBe(2);
  });

  it("count lease expiries and failures from ExpireLeases", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 1);
    node.apply({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 }, 1);
    node.apply({ type: "RegisterWorker", workerId: "w1", windowSize: 4, leaseTtlMs: 1_000 }, 1);
    node.apply({ type: "AcquirePartitions", workerId: "w1", max: 2 }, 1);
    node.driver.advance(5_000);
    node.apply({ type: "ExpireLeases", nowMs: node.driver.nowMs }, 1);
    expect(await valueOf(registry, `${P}lease_expiries_total`, { kind: "worker" })).toBe(1);
    expect(await valueOf(registry, `${P}lease_expiries_total`, { kind: "partition" })).toBe(2);
  });

  it("observe proposals by command and result, and assignment latency", async () => {
    const { registry, node } = setup();
    node.events.emit("proposal", { commandType: "AcquirePartitions", outcome: "ok", latencyMs: 4 });
    node.events.emit("proposal", {
      commandType: "Heartbeat",
      outcome: "lease_expired",
      latencyMs: 2,
    });
    expect(await seriesOf(registry, `${P}raft_proposals_total`)).toEqual({
      "command=AcquirePartitions,node_id=n1,result=ok": 1,
      "command=Heartbeat,node_id=n1,result=lease_expired": 1,
    });
    const assignment = await seriesOf(registry, `${P}partitions_assignment_duration_seconds`);
    expect(assignment["le=0.005"]).toBe(1);
    expect(assignment["le=0.0025"]).toBe(0);
  });
});

describe("the leader's cluster gauges", () => {
  it("are exported by the leader only, from one read per scrape", async () => {
    const { registry, node } = setup();
    node.driver.ok({ type: "CreatePlan", planId: "p", minId: 0, maxId: 29, partitionSize: 10 });
    node.driver.ok({ type: "RegisterWorker", workerId: "w1", windowSize: 4 });
    await registry.metrics();
    expect(node.reads).toBe(0);
    expect(await registry.metrics()).not.toMatch(/^elk_coordinator_partitions_total /m);
    node.role("Leader", "n1", 1);
    const text = await registry.metrics();
    expect(node.reads).toBe(1);
    expect(text).toMatch(/^elk_coordinator_partitions_total 3$/m);
    expect(text).toMatch(/^elk_coordinator_active_workers_count 1$/m);
    expect(text).toMatch(/^elk_coordinator_plan_partitions\{plan="p",status="pending"\} 3$/m);
    expect(text).toMatch(/^elk_coordinator_plan_active\{plan="p"\} 1$/m);
    expect(text).toMatch(/^elk_coordinator_plan_gap_ids\{plan="p"\} 30$/m);
  });

  it("cap the plan label: beyond the top plans, the rest are summed as plan=other", async () => {
    const { registry, node } = setup();
    node.role("Leader", "n1", 1);
    for (const planId of ["a", "b", "c", "d"]) {
      node.driver.advance(1_000);
      node.driver.ok({ type: "CreatePlan", planId, minId: 0, maxId: 9, partitionSize: 5 });
    }
    node.driver.ok({ type: "CancelPlan", planId: "d" });
    const series = await seriesOf(registry, `${P}plan_partitions`);
    const plans = new Set(Object.keys(series).map((key) => /plan=([^,]+)/.exec(key)?.[1]));
    // Active first, newest first: c and b keep their names; a (older) and d (cancelled) are "other".
    expect([...plans].sort()).toEqual(["b", "c", "other"]);
    expect(series["plan=other,status=pending"]).toBe(4);
  });
});

describe("HTTP metrics", () => {
  it("count requests by method, route pattern and status", async () => {
    const { registry, metrics } = setup();
    metrics.onRequestDone({
      route: "/v1/plans/:planId",
      method: "GET",
      statusCode: 200,
      durationMs: 3,
    });
    metrics.onRequestDone({
      route: "/v1/plans/:planId",
      method: "GET",
      statusCode: 200,
      durationMs: 5,
    });
    metrics.onRequestDone({ route: "unmatched", method: "GET", statusCode: 404, durationMs: 1 });
    expect(await seriesOf(registry, `${P}http_requests_total`)).toEqual({
      "method=GET,route=/v1/plans/:planId,status=200": 2,
      "method=GET,route=unmatched,status=404": 1,
    });
    const count = await valueOf(registry, `${P}http_request_duration_seconds`, {
      le: "+Inf",
      status: "200",
    });
    expect(count).toBe(2);
  });
});
