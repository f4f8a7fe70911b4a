/**
 * Checks an untrusted command (decoded from the log, so from anyone) against the shapes of
 * commands.ts and the bounds of constants.ts, field by field, and rebuilds it from the fields it
 * knows. Missing fields, wrong types, negative or non-integer ids, `minId > maxId`, plans of more
 * than `partitionsPerPlanMax` partitions, unknown fields → an `invalid_request` rejection.
 * Checks that need the state (unknown plan, wrong holder …) are the handlers' business.
 */
import {
  completionsPerCommandMax,
  errorMessageBytesMax,
  leaderChangeLeaseGraceMsMax,
  maxAttemptsMax,
  partitionIdsPerCommandMax,
  partitionLeaseTtlMsMax,
  partitionLeaseTtlMsMin,
  partitionsPerAcquireMax,
  partitionsPerAppendMax,
  partitionsPerPlanMax,
  planNameBytesMax,
  planOptionsBytesMax,
  planOptionsDepthMax,
  planPriorityAbsMax,
  windowSizeMax,
  workerLeaseTtlMsMax,
  workerLeaseTtlMsMin,
  workerMetaBytesMax,
} from "../constants.js";
import type { CommandOf, CommandType, CompletionItem, IdRange } from "./commands.js";
import { FieldReader, InvalidField } from "./field-reader.js";
import { canonicalJson, isPlainObject, jsonProblem, utf8ByteLength } from "./json-value.js";
import type { JsonValue } from "./json-value.js";
import { reject } from "./results.js";
import type { Rejection } from "./results.js";

/** `C` with every optional field present as `T | undefined`: what a checker hands on. */
export type Checked<C> = {
  readonly [K in keyof C]-?: undefined extends C[K] ? C[K] | undefined : C[K];
};

/** A command that passed {@link checkCommand}. */
export type CheckedCommand = { [T in CommandType]: Checked<CommandOf<T>> }[CommandType];

/** Plan ids of this form are assigned by the state machine (`p<logIndex>`), never chosen. */
export const RESERVED_PLAN_ID = /^p[0-9]+$/;

const SAFE_MAX = Number.MAX_SAFE_INTEGER;

/** Number of partitions `partitionSize` cuts `minId..maxId` into (the last takes the rest). */
export function partitionCountOf(minId: number, maxId: number, partitionSize: number): number {
  return Math.floor((maxId - minId) / partitionSize) + 1;
}

const CHECKERS: { [T in CommandType]: (f: FieldReader) => Checked<CommandOf<T>> } = {
  CreatePlan: checkCreatePlan,
  AppendPartitions: checkAppendPartitions,
  PausePlan: (f) => ({ type: "PausePlan", planId: f.id("planId") }),
  ResumePlan: (f) => ({ type: "ResumePlan", planId: f.id("planId") }),
  CancelPlan: (f) => ({ type: "CancelPlan", planId: f.id("planId") }),
  RetryFailed: checkRetryFailed,
  RegisterWorker: checkRegisterWorker,
  Heartbeat: (f) => ({
    type: "Heartbeat",
    workerId: f.id("workerId"),
    draining: f.optionalBool("draining"),
  }),
  AcquirePartitions: (f) => ({
    type: "AcquirePartitions",
    workerId: f.id("workerId"),
    max: f.int("max", 1, partitionsPerAcquireMax),
    namespace: f.optionalId("namespace"),
  }),
  ReportProgress: (f) => ({
    type: "ReportProgress",
    ...checkReport(f),
    checkpointId: f.int("checkpointId", 0, SAFE_MAX),
    processedCount: f.int("processedCount", 0, SAFE_MAX),
  }),
  CompletePartition: (f) => ({
    type: "CompletePartition",
    ...checkReport(f),
    processedCount: f.optionalInt("processedCount", 0, SAFE_MAX),
  }),
  CompletePartitions: checkCompletePartitions,
  FailPartition: (f) => ({
    type: "FailPartition",
    ...checkReport(f),
    error: f.text("error", errorMessageBytesMax),
    retryable: f.bool("retryable"),
  }),
  ReleasePartition: (f) => ({ type: "ReleasePartition", ...checkReport(f) }),
  DeregisterWorker: (f) => ({ type: "DeregisterWorker", workerId: f.id("workerId") }),
  ExpireLeases: (f) => ({ type: "ExpireLeases", nowMs: f.int("nowMs", 0, SAFE_MAX) }),
  LeaderChanged: (f) => ({
    type: "LeaderChanged",
    term: f.int("term", 0, SAFE_MAX),
    nowMs: f.int("nowMs", 0, SAFE_MAX),
    graceMs: f.int("graceMs", 0, leaderChangeLeaseGraceMsMax),
  }),
  PreemptPartition: (f) => ({
    type: "PreemptPartition",
    planId: f.id("planId"),
    partitionId: f.int("partitionId", 0, partitionsPerPlanMax - 1),
    byWorkerId: f.id("byWorkerId"),
  }),
};

/**
 * `raw` as a checked command, or an `invalid_request` rejection saying what is wrong with it.
 * Never throws for any input.
 */
export function checkCommand(raw: unknown): CheckedCommand | Rejection {
  if (!isPlainObject(raw)) return reject("invalid_request", "the command must be an object");
  const type = Object.hasOwn(raw, "type") ? raw["type"] : undefined;
  if (typeof type !== "string" || !Object.hasOwn(CHECKERS, type)) {
    return reject("invalid_request", `unknown command type ${JSON.stringify(type) ?? "missing"}`);
  }
  const reader = new FieldReader(raw, type);
  reader.value("type");
  try {
    const checked = CHECKERS[type as CommandType](reader);
    reader.finish();
    return checked;
  } catch (error) {
    if (error instanceof InvalidField) return reject("invalid_request", error.message);
    throw error;
  }
}

function checkCreatePlan(f: FieldReader): Checked<CommandOf<"CreatePlan">> {
  const planId = f.optionalId("planId");
  if (planId !== undefined && RESERVED_PLAN_ID.test(planId)) {
    f.fail("planId", "of the form p<digits> is reserved for assigned ids");
  }
  const minId = f.int("minId", 0, SAFE_MAX);
  const openEnded = f.optionalBool("openEnded");
  const partitionSize = f.int("partitionSize", 1, SAFE_MAX);
  let maxId: number | undefined;
  if (openEnded === true) {
    if (f.value("maxId") !== undefined) f.fail("maxId", "must be absent for an open-ended plan");
  } else {
    maxId = f.int("maxId", minId, SAFE_MAX);
    if (partitionCountOf(minId, maxId, partitionSize) > partitionsPerPlanMax) {
      f.fail("partitionSize", `cuts the range into more than ${partitionsPerPlanMax} partitions`);
    }
  }
  return {
    type: "CreatePlan",
    planId,
    namespace: f.optionalId("namespace"),
    name: f.optionalText("name", planNameBytesMax),
    minId,
    maxId,
    openEnded,
    partitionSize,
    priority: f.optionalInt("priority", -planPriorityAbsMax, planPriorityAbsMax),
    maxAttempts: f.optionalInt("maxAttempts", 1, maxAttemptsMax),
    options: checkOptions(f),
    partitionLeaseTtlMs: f.optionalInt(
      "partitionLeaseTtlMs",
      partitionLeaseTtlMsMin,
      partitionLeaseTtlMsMax,
    ),
  };
}

function checkOptions(f: FieldReader): JsonValue | undefined {
  const options = f.value("options");
  if (options === undefined) return undefined;
  const problem = jsonProblem(options, planOptionsDepthMax);
  if (problem !== undefined) f.fail("options", `must be plain JSON, found ${problem}`);
  const text = canonicalJson(options as JsonValue);
  if (utf8ByteLength(text) > planOptionsBytesMax) {
    f.fail("options", `must encode to at most ${planOptionsBytesMax} bytes`);
  }
  return options as JsonValue;
}

function checkAppendPartitions(f: FieldReader): Checked<CommandOf<"AppendPartitions">> {
  const command = {
    type: "AppendPartitions" as const,
    planId: f.id("planId"),
    workerId: f.id("workerId"),
    fencingToken: f.optionalInt("fencingToken", 1, SAFE_MAX),
    ranges: checkRanges(f),
    upToId: f.optionalInt("upToId", 0, SAFE_MAX),
    final: f.optionalBool("final"),
  };
  if (command.ranges !== undefined && command.upToId !== undefined) {
    f.fail("upToId", "and ranges are mutually exclusive");
  }
  if (command.ranges === undefined && command.upToId === undefined && command.final !== true) {
    f.fail("ranges", "or upToId is required unless final is true");
  }
  return command;
}

function checkRanges(f: FieldReader): readonly IdRange[] | undefined {
  const items = f.optionalArray("ranges", partitionsPerAppendMax);
  if (items === undefined) return undefined;
  if (items.length === 0) f.fail("ranges", "must not be empty");
  const ranges: IdRange[] = [];
  for (const [i, item] of items.entries()) {
    if (!isPlainObject(item)) f.fail(`ranges[${i}]`, "must be an object");
    const r = new FieldReader(item, `AppendPartitions.ranges[${i}]`);
    const minId = r.int("minId", 0, SAFE_MAX);
    const range = { minId, maxId: r.int("maxId", minId, SAFE_MAX) };
    r.finish();
    const previous = ranges[i - 1];
    if (previous !== undefined && range.minId !== previous.maxId + 1) {
      f.fail(`ranges[${i}]`, "must start right after the previous range");
    }
    ranges.push(range);
  }
  return ranges;
}

function checkRetryFailed(f: FieldReader): Checked<CommandOf<"RetryFailed">> {
  const items = f.optionalArray("partitionIds", partitionIdsPerCommandMax);
  if (items === undefined)
    return { type: "RetryFailed", planId: f.id("planId"), partitionIds: items };
  const seen = new Set<number>();
  for (const [i, item] of items.entries()) {
    if (!Number.isSafeInteger(item) || (item as number) < 0) {
      f.fail(`partitionIds[${i}]`, "must be a non-negative safe integer");
    }
    if (seen.has(item as number)) f.fail(`partitionIds[${i}]`, "is listed twice");
    seen.add(item as number);
  }
  if (items.length === 0) f.fail("partitionIds", "must not be empty (omit it to retry all)");
  return { type: "RetryFailed", planId: f.id("planId"), partitionIds: items as readonly number[] };
}

function checkRegisterWorker(f: FieldReader): Checked<CommandOf<"RegisterWorker">> {
  return {
    type: "RegisterWorker",
    workerId: f.id("workerId"),
    namespace: f.optionalId("namespace"),
    meta: checkMeta(f),
    windowSize: f.optionalInt("windowSize", 1, windowSizeMax),
    leaseTtlMs: f.optionalInt("leaseTtlMs", workerLeaseTtlMsMin, workerLeaseTtlMsMax),
  };
}

function checkMeta(
  f: FieldReader,
): Readonly<Record<string, string | number | boolean>> | undefined {
  const meta = f.value("meta");
  if (meta === undefined) return undefined;
  if (!isPlainObject(meta)) f.fail("meta", "must be an object");
  const problem = jsonProblem(meta, 1);
  if (problem !== undefined) f.fail("meta", `must be plain JSON, not ${problem}`);
  for (const value of Object.values(meta)) {
    const scalar =
      typeof value === "string" ||
      typeof value === "boolean" ||
      (typeof value === "number" && Number.isFinite(value));
    if (!scalar) f.fail("meta", "values must be strings, finite numbers or booleans");
  }
  if (utf8ByteLength(canonicalJson(meta as JsonValue)) > workerMetaBytesMax) {
    f.fail("meta", `must encode to at most ${workerMetaBytesMax} bytes`);
  }
  return meta as Readonly<Record<string, string | number | boolean>>;
}

function checkCompletePartitions(f: FieldReader): Checked<CommandOf<"CompletePartitions">> {
  const workerId = f.id("workerId");
  const raw = f.optionalArray("items", completionsPerCommandMax);
  if (raw === undefined) f.fail("items", "is required");
  const items = raw.map((item, i): CompletionItem => {
    if (!isPlainObject(item)) f.fail(`items[${i}]`, "must be an object");
    const r = new FieldReader(item, `CompletePartitions.items[${i}]`);
    const planId = r.id("planId");
    const partitionId = r.int("partitionId", 0, partitionsPerPlanMax - 1);
    const fencingToken = r.int("fencingToken", 1, SAFE_MAX);
    const processedCount = r.optionalInt("processedCount", 0, SAFE_MAX);
    r.finish();
    const checked = { planId, partitionId, fencingToken };
    return processedCount === undefined ? checked : { ...checked, processedCount };
  });
  const acquireMax = f.optionalInt("acquireMax", 1, partitionsPerAcquireMax);
  if (items.length === 0 && acquireMax === undefined) {
    f.fail("items", "must not be empty without acquireMax");
  }
  return { type: "CompletePartitions", workerId, items, acquireMax };
}

function checkReport(f: FieldReader) {
  return {
    planId: f.id("planId"),
    partitionId: f.int("partitionId", 0, partitionsPerPlanMax - 1),
    workerId: f.id("workerId"),
    fencingToken: f.int("fencingToken", 1, SAFE_MAX),
  };
}
