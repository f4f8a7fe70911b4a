// Proves the traces of a three-node in-process cluster exported to an in-memory exporter: a
// plan submitted to a follower is one trace with spans on two nodes (the follower's request and
// forward, the leader's request, proposal with its index and term, and its persist, commit and
// apply), linked from the leader's group commit; a worker's partition is one trace from acquire
// through process to complete, joined by the nodes' spans of its calls; and the log lines
// written meanwhile carry that trace's id.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { pino } from "pino";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveServerConfig } from "../../src/server/config.js";
import { traceMixin } from "../../src/server/logger.js";
import { startServer, type RunningServer } from "../../src/server/server.js";
import { ATTR } from "../../src/tracing/api.js";
import { startTracing, type RunningTracing } from "../../src/tracing-sdk/index.js";
import { createWorker, type Worker } from "../../src/worker/worker.js";
import { freePort } from "../mirror/redis-server.js";
import { waitFor } from "../node/harness.js";

const SECRET = "a cluster secret of 32 characters";
const IDS = ["n1", "n2", "n3"] as const;

const exporter = new InMemorySpanExporter();
const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line !== "") logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
    done();
  },
});

let root: string;
let tracing: RunningTracing | null;
let servers: RunningServer[] = [];
let worker: Worker | null = null;

beforeAll(async () => {
  tracing = startTracing({ serviceName: "test", instanceId: "test", exporter });
  root = await mkdtemp(path.join(os.tmpdir(), "elk-tracing-"));
  const ports = await Promise.all(IDS.map(() => freePort()));
  const peers = IDS.map((id, i) => `${id}=127.0.0.1:${ports[i]}`).join(",");
  servers = await Promise.all(
    IDS.map((id, i) => {
      const flags = {
        id,
        listen: `127.0.0.1:${ports[i]}`,
        peers,
        dataDir: path.join(root, id),
        clusterSecret: SECRET,
        tickIntervalMs: "10",
        electionTimeoutTicks: "10",
      };
      const logger = pino({ level: "info", base: { node: id }, mixin: traceMixin }, logStream);
      return startServer(resolveServerConfig({ flags, env: {} }), {
        logger,
        onFatal: () => {},
        onCrash: () => {},
      });
    }),
  );
  await waitFor("a leader", () => servers.some((s) => s.service.raftStatus().role === "Leader"));
  await waitFor("every node ready", () => servers.every((s) => s.service.isReady()));
}, 30_000);

afterAll(async () => {
  await worker?.stop({ drainTimeoutMs: 1_000 });
  await Promise.all(servers.map((s) => s.stop()));
  await tracing?.shutdown();
  await rm(root, { recursive: true, force: true });
}, 30_000);

const spans = () => exporter.getFinishedSpans();
const nodeOf = (span: ReadableSpan) => span.attributes[ATTR.nodeId];
const inTrace = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
function leaderAndFollower(): [RunningServer, RunningServer] {
  const leader = servers.find((s) => s.service.raftStatus().role === "Leader");
  const follower = servers.find((s) => s !== leader);
  if (leader === undefined || follower === undefined) throw new Error("no leader yet");
  return [leader, follower];
}
function only(found: ReadableSpan[], what: string): ReadableSpan {
  expect(found.length, what).toBe(1);
  return found[0] as ReadableSpan;
}

describe("a plan submitted to a follower", () => {
  it("is one trace across the follower and the leader, down to the entry's apply", async () => {
    const [leader, follower] = leaderAndFollower();
    const answer = await request(`${follower.url}/v1/plans`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ planId: "traced", minId: 1, maxId: 100, partitionSize: 50 }),
    });
    expect(answer.statusCode).toBe(201);
    await answer.body.text();

    const isServer = (s: ReadableSpan, node: string) =>
      s.kind === SpanKind.SERVER && nodeOf(s) === node && s.name === "POST /v1/plans";
    await waitFor("the follower's request span", () =>
      spans().some((s) => isServer(s, follower.nodeId)),
    );
    const entry = only(
      spans().filter((s) => isServer(s, follower.nodeId)),
      "follower request",
    );
    const traceId = entry.spanContext().traceId;
    const trace = inTrace(traceId);
    const forward = only(
      trace.filter((s) => s.kind === SpanKind.CLIENT && s.name === "forward POST"),
      "forward",
    );
    expect(parentOf(forward)).toBe(entry.spanContext().spanId);
    const onLeader = only(
      trace.filter((s) => isServer(s, leader.nodeId)),
      "leader request",
    );
    expect(parentOf(onLeader)).toBe(forward.spanContext().spanId);
    const propose = only(
      trace.filter((s) => s.name === "propose CreatePlan"),
      "propose",
    );
    expect(parentOf(propose)).toBe(onLeader.spanContext().spanId);
    expect(propose.attributes[ATTR.raftIndex]).toBeGreaterThan(0);
    expect(propose.attributes[ATTR.raftTerm]).toBe(leader.service.raftStatus().term);
    const steps = ["raft.persist", "raft.commit", "raft.apply"].map((name) =>
      only(
        trace.filter((s) => s.name === name && parentOf(s) === propose.spanContext().spanId),
        name,
      ),
    );
    for (const [before, after] of [
      [steps[0], steps[1]],
      [steps[1], steps[2]],
    ] as const) {
      expect(hrMs(before?.endTime)).toBeLessThanOrEqual(hrMs(after?.startTime) + 0.001);
    }
    const linkedBy = () =>
      spans().filter(
        (s) =>
          s.name === "raft.group_commit" &&
          s.links.some((l) => l.context.spanId === propose.spanContext().spanId),
      );
    await waitFor("the group commit that carried it", () => linkedBy().length === 1);
    expect(nodeOf(linkedBy()[0] as ReadableSpan)).toBe(leader.nodeId);
  });
});

describe("a worker's partition", () => {
  it("is one trace from acquire through process to complete, with the nodes' spans and log lines", async () => {
    const [, follower] = leaderAndFollower();
    const workerLog = pino({ level: "info", mixin: traceMixin }, logStream).child({
      component: "worker",
    });
    worker = createWorker({
      endpoints: [follower.url],
      workerId: "traced-worker",
      windowSize: 1,
      acquireWaitMs: 200,
      processor: {
        async process(task) {
          workerLog.info({ partitionId: task.partitionId }, "processing");
          task.checkpoint(task.maxId, task.maxId - task.minId + 1);
          return { processedCount: task.maxId - task.minId + 1 };
        },
      },
    });
    await worker.start();
    const processSpans = () => spans().filter((s) => s.name === "process");
    await waitFor("a processed partition", () =>
      processSpans().some((p) => p.attributes[ATTR.outcome] === "completed"),
    );
    const processed = processSpans().find((p) => p.attributes[ATTR.outcome] === "completed");
    if (processed === undefined) throw new Error("unreachable");
    expect(processed.attributes[ATTR.planId]).toBe("traced");
    expect(typeof processed.attributes[ATTR.fencingToken]).toBe("number");
    const traceId = processed.spanContext().traceId;
    const trace = inTrace(traceId);
    const acquire = only(
      trace.filter((s) => s.name === "acquire"),
      "acquire",
    );
    expect(parentOf(processed)).toBe(acquire.spanContext().spanId);
    const complete = only(
      trace.filter((s) => s.name === "complete"),
      "complete",
    );
    expect(parentOf(complete)).toBe(processed.spanContext().spanId);
    const names = new Set(trace.map((s) => s.name));
    for (const name of [
      "propose AcquirePartitions",
      "complete batch",
      "propose CompletePartitions",
      "raft.persist",
      "raft.commit",
      "raft.apply",
    ]) {
      expect(names, name).toContain(name);
    }
    // Completions go out in batches: the batch's span links the completion that asked for it.
    const batch = only(
      trace.filter((s) => s.name === "complete batch"),
      "complete batch",
    );
    expect(batch.links.map((l) => l.context.spanId)).toContain(complete.spanContext().spanId);
    // The worker's call carries its traceparent: the node's request span is the call's child,
    // and the proposal it makes is the request's child.
    const call = only(
      trace.filter((s) => s.kind === SpanKind.CLIENT && parentOf(s) === batch.spanContext().spanId),
      "the complete call",
    );
    const served = only(
      trace.filter((s) => s.kind === SpanKind.SERVER && parentOf(s) === call.spanContext().spanId),
      "the node's request",
    );
    expect(served.attributes["http.route"]).toBe("/v1/workers/:workerId/complete");
    const proposal = only(
      trace.filter((s) => s.name === "propose CompletePartitions"),
      "propose CompletePartitions",
    );
    expect(parentOf(proposal)).toBe(served.spanContext().spanId);
    const processing = logLines.find((line) => line["msg"] === "processing");
    expect(processing?.["trace_id"]).toBe(traceId);
    expect(processing?.["span_id"]).toBe(processed.spanContext().spanId);
    expect(processing?.["component"]).toBe("worker");
  });
});

function hrMs(time: readonly [number, number] | undefined): number {
  if (time === undefined) throw new Error("no time");
  return time[0] * 1_000 + time[1] / 1e6;
}
