// What the console knows: the last picture from the stream with every update applied, and the
// last 15 minutes of figures for the charts (one point a second, kept in the page: no Prometheus
// needed). A snapshot from another member (after a reconnect) replaces the picture but keeps the
// chart history and merges the timelines.

/** Chart history: 15 minutes at one point per second. */
const HISTORY_POINTS = 15 * 60;
/** Timeline entries kept. */
const TIMELINE_MAX = 100;

export function createStore() {
  return {
    connected: false,
    nodeId: null,
    atMs: 0,
    receivedAtMs: 0,
    leader: { id: null, term: 0 },
    nodes: [],
    members: [],
    timeline: [],
    plans: new Map(),
    workers: new Map(),
    plansTotal: 0,
    workersTotal: 0,
    commandsPerSecond: 0,
    history: { t: [], commands: [], partitions: [], items: [], lastSecond: 0 },
  };
}

/** Applies one stream message to `store`. */
export function applyMessage(store, event, data) {
  if (event === "snapshot") applySnapshot(store, data);
  else if (event === "update") applyUpdate(store, data);
  else return;
  store.atMs = data.atMs;
  store.receivedAtMs = Date.now();
  store.leader = data.leader;
  store.commandsPerSecond = data.commandsPerSecond;
  store.plansTotal = data.plansTotal;
  store.workersTotal = data.workersTotal;
  record(store);
}

function applySnapshot(store, data) {
  store.nodeId = data.nodeId;
  store.nodes = data.nodes;
  store.members = data.members;
  store.plans = new Map(data.plans.map((plan) => [plan.planId, plan]));
  store.workers = new Map(data.workers.map((worker) => [worker.workerId, worker]));
  mergeTimeline(store, data.timeline);
}

function applyUpdate(store, data) {
  if (data.nodes) store.nodes = data.nodes;
  for (const plan of data.plans ?? []) store.plans.set(plan.planId, plan);
  for (const planId of data.plansRemoved ?? []) store.plans.delete(planId);
  for (const worker of data.workers ?? []) store.workers.set(worker.workerId, worker);
  for (const workerId of data.workersRemoved ?? []) store.workers.delete(workerId);
  mergeTimeline(store, data.timeline ?? []);
}

function mergeTimeline(store, events) {
  const key = (e) => `${e.atMs}/${e.kind}/${e.term}/${e.leaderId}/${e.nodeId}`;
  const seen = new Set(store.timeline.map(key));
  const merged = store.timeline.concat(events.filter((e) => !seen.has(key(e))));
  merged.sort((a, b) => a.atMs - b.atMs);
  store.timeline = merged.slice(-TIMELINE_MAX);
}

/** Adds at most one chart point per second. */
function record(store) {
  const second = Math.floor(store.atMs / 1000);
  const history = store.history;
  if (second <= history.lastSecond) return;
  history.lastSecond = second;
  let partitions = 0;
  let items = 0;
  for (const plan of store.plans.values()) {
    if (plan.status !== "active" || plan.rate === null) continue;
    partitions += plan.rate.partitionsPerSecond;
    items += plan.rate.itemsPerSecond;
  }
  history.t.push(second);
  history.commands.push(store.commandsPerSecond);
  history.partitions.push(partitions);
  history.items.push(items);
  if (history.t.length > HISTORY_POINTS) {
    for (const series of [history.t, history.commands, history.partitions, history.items]) {
      series.shift();
    }
  }
}

/** The server's clock now, estimated from the last message (for lease ages). */
export function serverNowMs(store) {
  return store.atMs + (Date.now() - store.receivedAtMs);
}
