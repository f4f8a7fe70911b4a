/**
 * The applied state the console shows, read in one stale read of the node's state (a picture
 * a tick old is fine for watching, and it costs no ReadIndex round): the newest plans and the
 * first workers by id, each list bounded (constants.consolePlansMax, consoleWorkersMax) and
 * counted in full. Each plan's counts come from the state machine's derived counters, so a
 * million-partition plan costs the same as a small one.
 */
import { consolePlansMax, consoleWorkersMax } from "../../constants.js";
import type { NodeService } from "../../node/service.js";
import { getPlan, getWorker } from "../../state-machine/index.js";
import type { CoordinatorState, PlanView, WorkerView } from "../../state-machine/index.js";

/** The plans and workers of one console picture. */
export interface ConsoleState {
  /** Newest first (by creation time, then id). */
  readonly plans: readonly PlanView[];
  readonly plansTotal: number;
  /** By worker id. */
  readonly workers: readonly WorkerView[];
  readonly workersTotal: number;
}

/** Reads the console's plans and workers from `service`'s applied state, stale. */
export function readConsoleState(
  service: NodeService,
  limits: { readonly plansMax: number; readonly workersMax: number } = {
    plansMax: consolePlansMax,
    workersMax: consoleWorkersMax,
  },
): Promise<ConsoleState> {
  return service.read((state) => consoleStateOf(state, limits), "stale");
}

function consoleStateOf(
  state: CoordinatorState,
  limits: { readonly plansMax: number; readonly workersMax: number },
): ConsoleState {
  const plans = [...state.plans.values()]
    .sort((a, b) => b.createdAtMs - a.createdAtMs || (a.planId < b.planId ? -1 : 1))
    .slice(0, limits.plansMax)
    .flatMap((record) => getPlan(state, record.planId) ?? []);
  const workerIds = [...state.workers.keys()].sort().slice(0, limits.workersMax);
  return {
    plans,
    plansTotal: state.plans.size,
    workers: workerIds.flatMap((id) => getWorker(state, id) ?? []),
    workersTotal: state.workers.size,
  };
}
