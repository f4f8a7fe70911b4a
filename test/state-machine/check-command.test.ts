// Proves that every command with a missing field, a wrong type, a negative or non-integer id,
// minId > maxId, an absurd size, an unknown field or a smuggled prototype is refused with
// invalid_request — and that apply then leaves the state exactly as it was.
import { describe, expect, it } from "vitest";
import { partitionsPerPlanMax } from "../../src/constants.js";
import { checkCommand } from "../../src/state-machine/index.js";
import { setup } from "./driver.js";

const report = { planId: "plan", partitionId: 0, workerId: "w1", fencingToken: 3 };

/** Commands that are well formed, one per type (each case below breaks one of them). */
const VALID: Record<string, Record<string, unknown>> = {
  CreatePlan: { type: "CreatePlan", planId: "x", minId: 0, maxId: 99, partitionSize: 10 },
  AppendPartitions: { type: "AppendPartitions", planId: "x", workerId: "w1", upToId: 9 },
  PausePlan: { type: "PausePlan", planId: "plan" },
  ResumePlan: { type: "ResumePlan", planId: "plan" },
  CancelPlan: { type: "CancelPlan", planId: "plan" },
  RetryFailed: { type: "RetryFailed", planId: "plan" },
  RegisterWorker: { type: "RegisterWorker", workerId: "w9" },
  Heartbeat: { type: "Heartbeat", workerId: "w1" },
  AcquirePartitions: { type: "AcquirePartitions", workerId: "w1", max: 1 },
  ReportProgress: { type: "ReportProgress", ...report, checkpointId: 1, processedCount: 1 },
  CompletePartition: { type: "CompletePartition", ...report },
  FailPartition: { type: "FailPartition", ...report, error: "boom", retryable: true },
  ReleasePartition: { type: "ReleasePartition", ...report },
  DeregisterWorker: { type: "DeregisterWorker", workerId: "w1" },
  ExpireLeases: { type: "ExpireLeases", nowMs: 5 },
  LeaderChanged: { type: "LeaderChanged", term: 2, nowMs: 5, graceMs: 100 },
  PreemptPartition: { type: "PreemptPartition", planId: "plan", partitionId: 0, byWorkerId: "w2" },
};

const without = (type: string, field: string) => {
  const copy = { ...VALID[type] };
  delete copy[field];
  return copy;
};
const withField = (type: string, field: string, value: unknown) => ({
  ...VALID[type],
  [field]: value,
});

const BAD: [string, unknown][] = [
  ["not an object", "CreatePlan"],
  ["null", null],
  ["an array", [VALID["Heartbeat"]]],
  ["no type", { workerId: "w1" }],
  ["unknown type", { type: "DropTable" }],
  ["type from the prototype", Object.create({ type: "Heartbeat", workerId: "w1" })],
  [
    "a class instance",
    new (class Cmd {
      type = "Heartbeat";
      workerId = "w1";
    })(),
  ],
  ["minId > maxId", withField("CreatePlan", "minId", 100)],
  ["negative minId", withField("CreatePlan", "minId", -1)],
  ["non-integer maxId", withField("CreatePlan", "maxId", 99.5)],
  ["string maxId", withField("CreatePlan", "maxId", "99")],
  ["unsafe maxId", withField("CreatePlan", "maxId", 2 ** 53)],
  ["NaN partitionSize", withField("CreatePlan", "partitionSize", Number.NaN)],
  ["zero partitionSize", withField("CreatePlan", "partitionSize", 0)],
  [
    "more partitions than a plan holds",
    { ...VALID["CreatePlan"], maxId: partitionsPerPlanMax, partitionSize: 1 },
  ],
  ["maxId on an open-ended plan", withField("CreatePlan", "openEnded", true)],
  ["missing maxId", without("CreatePlan", "maxId")],
  ["missing partitionSize", without("CreatePlan", "partitionSize")],
  ["reserved plan id", withField("CreatePlan", "planId", "p12")],
  ["plan id with a slash", withField("CreatePlan", "planId", "a/b")],
  ["plan id too long", withField("CreatePlan", "planId", "x".repeat(65))],
  ["priority out of bounds", withField("CreatePlan", "priority", 10_000_001)],
  ["maxAttempts 0", withField("CreatePlan", "maxAttempts", 0)],
  ["lease TTL too short", withField("CreatePlan", "partitionLeaseTtlMs", 10)],
  ["options with a Date", withField("CreatePlan", "options", { at: new Date(0) })],
  ["options with Infinity", withField("CreatePlan", "options", [Infinity])],
  [
    "options with a __proto__ key",
    withField("CreatePlan", "options", JSON.parse('{"a":{"__proto__":{"x":1}}}')),
  ],
  [
    "meta with a __proto__ key",
    withField("RegisterWorker", "meta", JSON.parse('{"__proto__":"x"}')),
  ],
  ["options too large", withField("CreatePlan", "options", { s: "x".repeat(70_000) })],
  [
    "options too deep",
    withField("CreatePlan", "options", JSON.parse("[".repeat(40) + "]".repeat(40))),
  ],
  ["name too long", withField("CreatePlan", "name", "n".repeat(201))],
  ["unknown field", withField("CreatePlan", "shard", 3)],
  ["ranges and upToId", withField("AppendPartitions", "ranges", [{ minId: 0, maxId: 9 }])],
  ["neither ranges nor upToId", without("AppendPartitions", "upToId")],
  ["empty ranges", { ...without("AppendPartitions", "upToId"), ranges: [] }],
  [
    "ranges with a hole",
    {
      ...without("AppendPartitions", "upToId"),
      ranges: [
        { minId: 0, maxId: 4 },
        { minId: 6, maxId: 9 },
      ],
    },
  ],
  [
    "range with minId > maxId",
    { ...without("AppendPartitions", "upToId"), ranges: [{ minId: 5, maxId: 4 }] },
  ],
  [
    "range with an unknown field",
    { ...without("AppendPartitions", "upToId"), ranges: [{ minId: 0, maxId: 4, x: 1 }] },
  ],
  ["range not an object", { ...without("AppendPartitions", "upToId"), ranges: [7] }],
  ["fencing token 0", withField("AppendPartitions", "fencingToken", 0)],
  ["empty partitionIds", withField("RetryFailed", "partitionIds", [])],
  ["negative partition id listed", withField("RetryFailed", "partitionIds", [-1])],
  ["partition id listed twice", withField("RetryFailed", "partitionIds", [1, 1])],
  ["window too large", withField("RegisterWorker", "windowSize", 1_025)],
  ["worker lease TTL too long", withField("RegisterWorker", "leaseTtlMs", 3_600_000)],
  ["meta with an object value", withField("RegisterWorker", "meta", { host: { name: "a" } })],
  ["meta not an object", withField("RegisterWorker", "meta", "host-a")],
  ["empty worker id", withField("Heartbeat", "workerId", "")],
  ["draining not a boolean", withField("Heartbeat", "draining", "yes")],
  ["max 0", withField("AcquirePartitions", "max", 0)],
  ["max above the bound", withField("AcquirePartitions", "max", 1_001)],
  ["negative partition id", withField("CompletePartition", "partitionId", -1)],
  ["fractional partition id", withField("ReleasePartition", "partitionId", 0.5)],
  ["missing fencing token", without("CompletePartition", "fencingToken")],
  ["string checkpoint", withField("ReportProgress", "checkpointId", "5")],
  ["negative processedCount", withField("ReportProgress", "processedCount", -2)],
  ["missing retryable", without("FailPartition", "retryable")],
  ["error too long", withField("FailPartition", "error", "e".repeat(5_000))],
  ["negative nowMs", withField("ExpireLeases", "nowMs", -5)],
  ["grace too long", withField("LeaderChanged", "graceMs", 3_600_000)],
  ["missing byWorkerId", without("PreemptPartition", "byWorkerId")],
];

describe("checkCommand", () => {
  it("accepts one well-formed command of every type", () => {
    for (const command of Object.values(VALID)) {
      expect(checkCommand(command), JSON.stringify(command)).not.toHaveProperty("status");
    }
    expect(Object.keys(VALID)).toHaveLength(17);
  });

  it.each(BAD)("refuses %s with invalid_request", (_, command) => {
    expect(checkCommand(command)).toMatchObject({ status: "invalid_request" });
  });

  it("names the offending field", () => {
    expect(checkCommand(withField("CreatePlan", "maxId", -3))).toMatchObject({
      detail: expect.stringContaining("CreatePlan.maxId"),
    });
    expect(checkCommand(withField("CreatePlan", "shard", 3))).toMatchObject({
      detail: expect.stringContaining('unknown field "shard"'),
    });
  });

  it("rebuilds the command from the fields it knows", () => {
    const raw = { type: "Heartbeat", workerId: "w1", draining: undefined };
    const checked = checkCommand(raw);
    expect(checked).toEqual({ type: "Heartbeat", workerId: "w1", draining: undefined });
    expect(checked).not.toBe(raw);
  });
});

describe("apply on bad input", () => {
  it.each(BAD)("leaves the state unchanged for %s", (_, command) => {
    const driver = setup(4, ["w1", "w2"]);
    driver.ok({ type: "AcquirePartitions", workerId: "w1", max: 1 });
    driver.rejects(command, "invalid_request");
  });
});
