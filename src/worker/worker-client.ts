/**
 * The part of the typed cluster client (client.ts) a worker uses, so tests can hand a worker an
 * in-memory cluster, and the shapes of what it receives.
 */
import type { ResponseOf, ROUTES } from "../protocol/index.js";
import type { CoordinatorClient } from "./client.js";

/** The client methods a worker calls. */
export type WorkerClient = Pick<
  CoordinatorClient,
  | "registerWorker"
  | "heartbeat"
  | "acquire"
  | "reportProgress"
  | "completePartition"
  | "completePartitions"
  | "failPartition"
  | "releasePartition"
  | "deregisterWorker"
  | "getPlan"
  | "listPlans"
  | "appendPartitions"
  | "close"
>;

/** A partition granted by an acquire: its range, fencing token and where to resume. */
export type PartitionGrant = ResponseOf<(typeof ROUTES)["acquire"]>["granted"][number];

/** A partition the cluster says the worker holds (heartbeat answer). */
export type HeldPartition = ResponseOf<(typeof ROUTES)["heartbeat"]>["held"][number];

/** The key of a partition in a worker's maps: `<planId>/<partitionId>`. */
export function partitionKey(planId: string, partitionId: number): string {
  return `${planId}/${partitionId}`;
}
