// Benchmark: round trip of one small Raft message over an authenticated peer link on 127.0.0.1
// (Heartbeat out, HeartbeatResponse back, one at a time), plus the raft codec's cost for an
// AppendEntries of 64 entries of 200 bytes. Run: `npx tsx bench/transport-rtt.ts [rounds]`.
// Prints one JSON line: {"rounds":…,"rttMedianMs":…,"rttP99Ms":…,"append64EncodeUs":…,"append64DecodeUs":…}.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { Message } from "../src/raft/messages.js";
import { createTransport, type Transport } from "../src/transport/transport.js";
import { asNodeId, type NodeId } from "../src/util/ids.js";
import { decodeMessage, encodeMessage } from "../src/wire/raft-codec.js";

const rounds = Number(process.argv[2] ?? 2000);
const secret = "benchmark cluster secret, 32 bytes";
const ids = [asNodeId("n1"), asNodeId("n2")] as const;

async function listen(): Promise<http.Server> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const servers = await Promise.all(ids.map(listen));
const peers = new Map<NodeId, string>(
  ids.map((id, i) => [id, `127.0.0.1:${(servers[i]!.address() as AddressInfo).port}`]),
);
let onReply: (() => void) | null = null;
const transports: Transport[] = ids.map((selfId) => {
  const transport: Transport = createTransport({
    selfId,
    peers,
    clusterSecret: secret,
    onPeerStatus: () => undefined,
    onMessage: (m: Message) => {
      if (m.type === "Heartbeat") {
        transport.send({
          type: "HeartbeatResponse",
          from: m.to,
          to: m.from,
          term: 1,
          readRound: m.readRound,
        });
      } else onReply?.();
    },
  });
  return transport;
});
servers.forEach((server, i) =>
  server.on("upgrade", (req, socket, head) => transports[i]!.handleUpgrade(req, socket, head)),
);
transports.forEach((t) => t.start());
while (transports[0]!.stats().peers[0]!.state !== "up") await new Promise((r) => setTimeout(r, 5));

const samples: number[] = [];
for (let round = 1; round <= rounds; round++) {
  const startedAtMs = performance.now();
  await new Promise<void>((resolve) => {
    onReply = resolve;
    transports[0]!.send({
      type: "Heartbeat",
      from: ids[0],
      to: ids[1],
      term: 1,
      leaderCommit: 0,
      readRound: round,
    });
  });
  samples.push(performance.now() - startedAtMs);
}
await Promise.all(transports.map((t) => t.close()));
servers.forEach((s) => s.close());

const append: Message = {
  type: "AppendEntries",
  from: ids[0],
  to: ids[1],
  term: 3,
  prevLogIndex: 1000,
  prevLogTerm: 3,
  entries: Array.from({ length: 64 }, (_, i) => ({
    index: 1001 + i,
    term: 3,
    type: "Normal" as const,
    data: new Uint8Array(200).fill(i),
  })),
  leaderCommit: 1000,
};
const codecRuns = 20_000;
let frame = encodeMessage(append);
let t0 = performance.now();
for (let i = 0; i < codecRuns; i++) frame = encodeMessage(append);
const encodeUs = ((performance.now() - t0) * 1000) / codecRuns;
t0 = performance.now();
for (let i = 0; i < codecRuns; i++) decodeMessage(frame);
const decodeUs = ((performance.now() - t0) * 1000) / codecRuns;

samples.sort((a, b) => a - b);
const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
const round3 = (x: number) => Math.round(x * 1000) / 1000;
console.log(
  JSON.stringify({
    rounds,
    rttMedianMs: round3(at(0.5)),
    rttP99Ms: round3(at(0.99)),
    append64EncodeUs: round3(encodeUs),
    append64DecodeUs: round3(decodeUs),
  }),
);
