/**
 * What every route plugin of one app shares: the node, the forwarder and the cluster secret that
 * signs its hop header, the progress sampler, the clock, and a signal that aborts waiting requests when the app closes.
 */
import type { NodeService } from "../node/service.js";
import type { Forwarder } from "./forward.js";
import type { ProgressSampler } from "./progress-sampler.js";

/** The shared state of one app's routes. */
export interface ApiContext {
  readonly service: NodeService;
  readonly forward: Forwarder;
  /** Signs and checks the hop header of forwarded writes (forward.ts). */
  readonly clusterSecret: string;
  readonly sampler: ProgressSampler;
  /** Local wall clock, ms since the epoch. */
  readonly clock: () => number;
  /** Aborted when the app starts closing: long polls stop waiting. */
  readonly closing: AbortSignal;
}
