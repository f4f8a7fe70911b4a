/**
 * The `options` of the plans a worker processes (the JSON given at CreatePlan, handed to the
 * processor with every partition). A grant does not carry them; they never change for a plan,
 * so a worker reads each plan once and keeps the answer (bounded, oldest read dropped first).
 */
import { workerPlanOptionsCachedMax } from "../constants.js";
import type { WorkerClient } from "./worker-client.js";

/** Reads and remembers plan options. */
export class PlanOptionsCache {
  private readonly known = new Map<string, Promise<unknown>>();

  constructor(
    private readonly client: WorkerClient,
    private readonly capacity: number = workerPlanOptionsCachedMax,
  ) {}

  /**
   * The options of `planId`.
   * @throws what the client throws (a failed read is not remembered)
   */
  get(planId: string): Promise<unknown> {
    let options = this.known.get(planId);
    if (options === undefined) {
      options = this.client.getPlan(planId).then((plan) => plan.options);
      this.known.set(planId, options);
      options.catch(() => this.known.delete(planId));
      while (this.known.size > this.capacity) {
        const oldest = this.known.keys().next();
        if (oldest.done === true) break;
        this.known.delete(oldest.value);
      }
    }
    return options;
  }
}
