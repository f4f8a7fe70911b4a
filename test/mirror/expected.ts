// Test helper (not a test): what the mirror must hold for a state, computed the plain way — every
// plan, partition and worker through the state machine's public queries, JSON of the view, in the
// hash the layout names — and what a Redis actually holds under a prefix.
import type { Redis } from "ioredis";
import {
  listPartitions,
  listPlans,
  listWorkers,
  type CoordinatorState,
  type Page,
  type PartitionView,
  type PlanView,
  type WorkerView,
} from "../../src/state-machine/index.js";
import type { CompletedPolicy } from "../../src/mirror/config.js";
import { MirrorKeys } from "../../src/mirror/keys.js";

/** key → field → value. */
export type HashContents = Map<string, Map<string, string>>;

function all<T>(page: (cursor: string | undefined) => Page<T>): T[] {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return items;
}

function put(contents: HashContents, key: string, field: string, value: string): void {
  let hash = contents.get(key);
  if (hash === undefined) {
    hash = new Map();
    contents.set(key, hash);
  }
  hash.set(field, value);
}

/** Every hash the mirror of `state` holds under `prefix` with `completed` (meta keys aside). */
export function expectedMirror(
  state: CoordinatorState,
  prefix: string,
  completed: CompletedPolicy,
): HashContents {
  const keys = new MirrorKeys(prefix);
  const contents: HashContents = new Map();
  const page = { limit: 1000 } as const;
  const plans: PlanView[] = all((cursor) =>
    listPlans(state, { ...page, ...(cursor ? { cursor } : {}) }),
  );
  for (const plan of plans) {
    put(contents, keys.plans(plan.namespace), plan.planId, JSON.stringify(plan));
    const partitions: PartitionView[] = all((cursor) =>
      listPartitions(state, { planId: plan.planId, ...page, ...(cursor ? { cursor } : {}) }),
    );
    for (const partition of partitions) {
      const done = partition.status === "completed";
      if (done && completed.kind === "skip") continue;
      const hash = done && completed.kind === "expire" ? "completed" : "partitions";
      const key = keys.partitions(plan.namespace, plan.planId, hash);
      put(contents, key, String(partition.partitionId), JSON.stringify(partition));
    }
  }
  const workers: WorkerView[] = all((cursor) =>
    listWorkers(state, { ...page, ...(cursor ? { cursor } : {}) }),
  );
  for (const worker of workers) {
    put(contents, keys.workers(worker.namespace), worker.workerId, JSON.stringify(worker));
  }
  return contents;
}

/** Sorted plain object of `contents`, for readable equality failures. */
export function plain(contents: HashContents): Record<string, Record<string, string>> {
  const keys = [...contents.keys()].sort();
  return Object.fromEntries(
    keys.map((key) => {
      const hash = contents.get(key)!;
      return [key, Object.fromEntries([...hash.keys()].sort().map((f) => [f, hash.get(f)!]))];
    }),
  );
}

/** What Redis holds under `prefix`: data hashes, and the meta strings apart. */
export async function readRedisMirror(
  redis: Redis,
  prefix: string,
): Promise<{ hashes: HashContents; appliedIndex: number; term: number; staging: string[] }> {
  const keys = new MirrorKeys(prefix);
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== "0");
  const hashes: HashContents = new Map();
  const staging: string[] = [];
  for (const key of new Set(found)) {
    if (key === keys.appliedIndex || key === keys.term) continue;
    if (keys.isMetaKey(key)) {
      staging.push(key);
      continue;
    }
    const fields = await redis.hgetall(key);
    hashes.set(key, new Map(Object.entries(fields)));
  }
  const [appliedIndex, term] = await redis.mget(keys.appliedIndex, keys.term);
  return { hashes, appliedIndex: Number(appliedIndex ?? 0), term: Number(term ?? 0), staging };
}
