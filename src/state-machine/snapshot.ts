/**
 * The canonical snapshot of the coordinator state, its restore, and `stateHash`.
 *
 * Canonical: plans, workers and sessions are written sorted by id (never in Map insertion
 * order); worker ids in partition columns are written as ranks in the sorted list of all worker
 * ids the state names (slot numbers depend on history, ranks do not); JSON is written in its
 * canonical text; numbers little-endian. So equal states give equal bytes on every node, and
 * `stateHash` compares states. Only facts are written; every index (pending queues, status
 * counts, held lists, the lease heap, the active-plan lists) is rebuilt on restore.
 *
 * Layout (version 1): magic "ELKS", version u8, the clock, worker ids, plans (fields, then each
 * partition column in turn), workers, client sessions, then the hash64 of all bytes before it.
 */
import { clientSessionsMax, partitionsPerPlanMax } from "../constants.js";
import { assert } from "../util/assert.js";
import { asPlanId, asWorkerId } from "../util/ids.js";
import type { WorkerId } from "../util/ids.js";
import { ByteReader, ByteWriter, SnapshotFormatError } from "./bytes.js";
import { hash64 } from "./hash.js";
import { canonicalJson, parseFrozenJson } from "./json-value.js";
import type { JsonValue } from "./json-value.js";
import { compareStrings } from "./order.js";
import { COMPLETED, PARTITION_STATUSES, PENDING, isHeldStatus } from "./partition-table.js";
import type { PartitionTable } from "./partition-table.js";
import { buildPlan } from "./plan-commands.js";
import type { ApplyResult, PlanStatus, WorkerStatus } from "./results.js";
import type { ClientSession } from "./sessions.js";
import { CoordinatorState } from "./state.js";
import type { PlanRecord, WorkerRecord } from "./state.js";

const MAGIC = 0x534b4c45; // "ELKS" little-endian
const VERSION = 1;
const HASH_BYTES = 16;
const PLAN_STATUSES: readonly PlanStatus[] = ["active", "paused", "cancelled", "completed"];
const WORKER_STATUSES: readonly WorkerStatus[] = ["active", "draining", "expired"];

export { SnapshotFormatError } from "./bytes.js";

/** The canonical bytes of `state`. Equal states give equal bytes. */
export function encodeSnapshot(state: CoordinatorState): Uint8Array {
  const writer = new ByteWriter(estimateBytes(state));
  writer.u32(MAGIC);
  writer.u8(VERSION);
  writer.f64(state.nowMs);
  writer.f64(state.lastIndex);
  writer.f64(state.leaderTerm);
  const names = workerNames(state);
  writer.u32(names.sorted.length);
  for (const name of names.sorted) writer.string(name);
  writer.u32(state.planIds.length);
  for (const planId of state.planIds) {
    const plan = state.plans.get(planId);
    assert(plan !== undefined, "plan order lists existing plans");
    writePlan(writer, plan, names.rankOfSlot, names.rankOfId);
  }
  const workers = [...state.workers.values()].sort((a, b) =>
    compareStrings(a.workerId, b.workerId),
  );
  writer.u32(workers.length);
  for (const worker of workers) writeWorker(writer, worker, names.rankOfId);
  const sessions = state.sessions.sorted();
  writer.u32(sessions.length);
  for (const session of sessions) {
    writer.string(session.clientId);
    writer.f64(session.seq);
    writer.f64(session.lastIndex);
    writer.string(canonicalJson(session.result as unknown as JsonValue));
  }
  const body = writer.finish();
  const trailer = new TextEncoder().encode(hash64(body));
  const out = new Uint8Array(body.length + trailer.length);
  out.set(body);
  out.set(trailer, body.length);
  return out;
}

/** `hash64` of the canonical snapshot: equal on every node that applied the same commands. */
export function stateHash(state: CoordinatorState): string {
  return hash64(encodeSnapshot(state));
}

function estimateBytes(state: CoordinatorState): number {
  let partitions = 0;
  for (const plan of state.plans.values()) partitions += plan.parts.count;
  return 4096 + partitions * 80 + state.workers.size * 256 + state.sessions.size * 256;
}

interface WorkerNames {
  readonly sorted: readonly string[];
  readonly rankOfSlot: Int32Array;
  readonly rankOfId: ReadonlyMap<string, number>;
}

/** Every worker id the state names (records, partition columns, planner roles), sorted. */
function workerNames(state: CoordinatorState): WorkerNames {
  const used = new Uint8Array(state.slots.size);
  for (const plan of state.plans.values()) {
    const { holder, count } = plan.parts;
    for (let i = 0; i < count; i++) {
      const slot = holder[i] ?? -1;
      if (slot >= 0) used[slot] = 1;
    }
  }
  const ids = new Set<string>(state.workers.keys());
  for (let slot = 0; slot < used.length; slot++) {
    if (used[slot] === 1) ids.add(state.slots.idOf(slot));
  }
  for (const plan of state.plans.values()) {
    if (plan.planner !== null) ids.add(plan.planner.workerId);
  }
  const sorted = [...ids].sort(compareStrings);
  const rankOfId = new Map(sorted.map((id, rank) => [id, rank]));
  const rankOfSlot = new Int32Array(state.slots.size).fill(-1);
  for (let slot = 0; slot < used.length; slot++) {
    if (used[slot] === 1) rankOfSlot[slot] = rankOfId.get(state.slots.idOf(slot)) ?? -1;
  }
  return { sorted, rankOfSlot, rankOfId };
}

function rankOf(rankOfId: ReadonlyMap<string, number>, workerId: string): number {
  const rank = rankOfId.get(workerId);
  assert(rank !== undefined, "every worker id the state names has a rank");
  return rank;
}

function writePlan(
  writer: ByteWriter,
  plan: PlanRecord,
  rankOfSlot: Int32Array,
  rankOfId: ReadonlyMap<string, number>,
): void {
  for (const text of [plan.planId, plan.namespace, plan.name, plan.optionsJson])
    writer.string(text);
  for (const value of [
    plan.minId,
    plan.maxId ?? -1,
    plan.partitionSize,
    plan.priority,
    plan.maxAttempts,
    plan.partitionLeaseTtlMs,
    plan.createdAtMs,
    plan.createdIndex,
    plan.nextId,
  ]) {
    writer.f64(value);
  }
  writer.u8(PLAN_STATUSES.indexOf(plan.status));
  writer.u8(plan.closed ? 1 : 0);
  writer.f64(plan.planner === null ? -1 : rankOf(rankOfId, plan.planner.workerId));
  writer.f64(plan.planner?.fencingToken ?? 0);
  writeColumns(writer, plan.parts, rankOfSlot);
}

function writeColumns(writer: ByteWriter, parts: PartitionTable, rankOfSlot: Int32Array): void {
  const count = parts.count;
  writer.u32(count);
  const ranks = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const slot = parts.holder[i] ?? -1;
    ranks[i] = slot < 0 ? -1 : (rankOfSlot[slot] ?? -1);
  }
  for (const column of columnsOf(parts, ranks)) writer.column(column, count);
  const errors = [...parts.lastErrors.entries()].sort((a, b) => a[0] - b[0]);
  writer.u32(errors.length);
  for (const [i, error] of errors) {
    writer.u32(i);
    writer.string(error);
  }
}

/** The columns in their encoded order; `holder` is replaced by `holderColumn`. */
function columnsOf(parts: PartitionTable, holderColumn: Int32Array) {
  const columns = [
    parts.status,
    holderColumn,
    parts.fencingToken,
    parts.attempts,
    parts.expiries,
    parts.checkpointId,
    parts.processedCount,
    parts.updatedAtMs,
    parts.deadlineAtMs,
    parts.notBeforeMs,
  ];
  if (parts.minIds !== null && parts.maxIds !== null) columns.push(parts.minIds, parts.maxIds);
  return columns;
}

function writeWorker(
  writer: ByteWriter,
  worker: WorkerRecord,
  rankOfId: ReadonlyMap<string, number>,
): void {
  writer.u32(rankOf(rankOfId, worker.workerId));
  writer.string(worker.namespace);
  writer.string(canonicalJson(worker.meta));
  for (const value of [
    worker.windowSize,
    worker.leaseTtlMs,
    worker.registeredAtMs,
    worker.leaseExpiresAtMs,
  ]) {
    writer.f64(value);
  }
  writer.u8(WORKER_STATUSES.indexOf(worker.status));
}

/**
 * The state a snapshot encodes, with every index rebuilt.
 * @param sessionCapacity as for `createState`
 * @throws SnapshotFormatError when `bytes` is not an intact snapshot of this version
 */
export function restoreSnapshot(bytes: Uint8Array, sessionCapacity?: number): CoordinatorState {
  if (bytes.length < HASH_BYTES) throw new SnapshotFormatError("snapshot is truncated");
  const body = bytes.subarray(0, bytes.length - HASH_BYTES);
  const trailer = new TextDecoder().decode(bytes.subarray(bytes.length - HASH_BYTES));
  if (hash64(body) !== trailer) throw new SnapshotFormatError("snapshot checksum mismatch");
  const reader = new ByteReader(body);
  if (reader.u32() !== MAGIC) throw new SnapshotFormatError("not a coordinator snapshot");
  const version = reader.u8();
  if (version !== VERSION) throw new SnapshotFormatError(`unsupported snapshot version ${version}`);
  const state = new CoordinatorState(sessionCapacity);
  state.nowMs = reader.int("nowMs");
  state.lastIndex = reader.int("lastIndex");
  state.leaderTerm = reader.int("leaderTerm");
  const names = readList(reader, () => asWorkerId(reader.string()));
  for (const name of names) state.slots.slotOf(name);
  const plans = readList(reader, () => readPlan(reader, state, names));
  readList(reader, () => readWorker(reader, state, names));
  for (const plan of plans) attachDerived(state, plan);
  state.sessions.restore(readList(reader, () => readSession(reader), clientSessionsMax));
  if (reader.remaining !== 0) throw new SnapshotFormatError("trailing bytes in snapshot");
  return state;
}

function readList<T>(reader: ByteReader, read: () => T, max = Number.MAX_SAFE_INTEGER): T[] {
  const count = reader.u32();
  if (count > max || count > reader.remaining) throw new SnapshotFormatError("list too long");
  return Array.from({ length: count }, read);
}

function readPlan(
  reader: ByteReader,
  state: CoordinatorState,
  names: readonly WorkerId[],
): PlanRecord {
  const [planId, namespace, name, optionsJson] = [
    reader.string(),
    reader.string(),
    reader.string(),
    reader.string(),
  ];
  const minId = reader.int("minId");
  const maxId = reader.int("maxId", -1);
  const fields = {
    planId: asPlanId(planId),
    namespace,
    name,
    minId,
    maxId: maxId < 0 ? null : maxId,
    partitionSize: reader.int("partitionSize", 1),
    priority: reader.int("priority", -Number.MAX_SAFE_INTEGER),
    maxAttempts: reader.int("maxAttempts", 1),
    optionsJson,
    options: parseJson(optionsJson),
    partitionLeaseTtlMs: reader.int("partitionLeaseTtlMs"),
    createdAtMs: reader.int("createdAtMs"),
    createdIndex: reader.int("createdIndex"),
  };
  const nextId = reader.int("nextId");
  const status = PLAN_STATUSES[reader.u8()];
  const closed = reader.u8() === 1;
  const plannerRank = reader.int("planner", -1, names.length - 1);
  const plannerToken = reader.int("plannerToken");
  const count = reader.u32();
  if (status === undefined || count > partitionsPerPlanMax)
    throw new SnapshotFormatError(`bad plan ${planId}`);
  const plan = buildPlan(fields, count);
  Object.assign(plan, { nextId, closed, status });
  const plannerId = names[plannerRank];
  plan.planner =
    plannerId === undefined ? null : { workerId: plannerId, fencingToken: plannerToken };
  readColumns(reader, plan.parts, names.length);
  state.addPlan(plan);
  return plan;
}

function readColumns(reader: ByteReader, parts: PartitionTable, nameCount: number): void {
  const count = parts.count;
  for (const column of columnsOf(parts, parts.holder)) reader.column(column, count);
  for (let i = 0; i < count; i++) {
    const holder = parts.holder[i] ?? -1;
    if ((parts.status[i] ?? 0) >= PARTITION_STATUSES.length || holder < -1 || holder >= nameCount) {
      throw new SnapshotFormatError(`bad partition ${i}`);
    }
  }
  readList(reader, () => {
    const i = reader.u32();
    if (i >= count) throw new SnapshotFormatError("error of an unknown partition");
    parts.lastErrors.set(i, reader.string());
  });
}

function readWorker(reader: ByteReader, state: CoordinatorState, names: readonly WorkerId[]): void {
  const rank = reader.u32();
  const workerId = names[rank];
  const namespace = reader.string();
  const meta = parseJson(reader.string()) as Readonly<Record<string, string | number | boolean>>;
  const windowSize = reader.int("windowSize", 1);
  const leaseTtlMs = reader.int("leaseTtlMs");
  const registeredAtMs = reader.int("registeredAtMs");
  const leaseExpiresAtMs = reader.int("leaseExpiresAtMs");
  const status = WORKER_STATUSES[reader.u8()];
  if (workerId === undefined || status === undefined) throw new SnapshotFormatError("bad worker");
  state.addWorker({
    workerId,
    slot: rank,
    namespace,
    meta,
    windowSize,
    leaseTtlMs,
    registeredAtMs,
    leaseExpiresAtMs,
    status,
    held: [],
    plannerOf: new Set(),
    heapPosition: -1,
  });
}

/** Rebuilds what `buildPlan` set for an all-pending plan from the decoded columns. */
function attachDerived(state: CoordinatorState, plan: PlanRecord): void {
  const parts = plan.parts;
  plan.counts.fill(0);
  let fresh = parts.count;
  while (fresh > 0 && parts.fencingToken[fresh - 1] === 0) fresh--;
  plan.pending.fresh = fresh;
  for (let i = 0; i < parts.count; i++) {
    const code = parts.status[i] ?? PENDING;
    plan.counts[code] = (plan.counts[code] ?? 0) + 1;
    plan.processedTotal += parts.processedCount[i] ?? 0;
    if (code === COMPLETED) plan.completedIds += parts.maxIdOf(i) - parts.minIdOf(i) + 1;
    if (code === PENDING && i < fresh) plan.pending.add(i, state.nowMs);
    if (isHeldStatus(code)) heldWorker(state, parts.holder[i] ?? -1).held.push({ plan, index: i });
  }
  if (plan.planner !== null) {
    const planner = state.workers.get(plan.planner.workerId);
    if (planner === undefined) throw new SnapshotFormatError(`planner of ${plan.planId} unknown`);
    planner.plannerOf.add(plan.planId);
  }
}

function heldWorker(state: CoordinatorState, slot: number): WorkerRecord {
  const worker = slot < 0 ? undefined : state.workers.get(state.slots.idOf(slot));
  if (worker === undefined) throw new SnapshotFormatError("a held partition names no worker");
  return worker;
}

function readSession(reader: ByteReader): ClientSession {
  return {
    clientId: reader.string(),
    seq: reader.int("seq"),
    lastIndex: reader.int("session lastIndex"),
    result: parseJson(reader.string()) as unknown as ApplyResult,
  };
}

function parseJson(text: string): JsonValue {
  try {
    return parseFrozenJson(text);
  } catch (error) {
    throw new SnapshotFormatError(`invalid JSON in snapshot: ${String(error)}`);
  }
}
