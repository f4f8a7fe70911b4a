// One plan's page: its figures and actions (pause, resume, cancel, retry failed — writes, so they
// need a token allowed to write when auth is on), the partition map, its gaps and its failed
// partitions with their last errors. The map comes from GET /v1/plans/:planId/buckets: a
// million partitions arrive as at most 2,000 buckets counted by status, drawn on a canvas, each
// bucket coloured AND patterned by its state (failed hatched, held striped) and described in
// text next to it. The map, gaps and failures are read again when the stream says the plan
// changed, at most once a second.
import { useEffect, useRef, useState } from "preact/hooks";
import { call } from "./api.js";
import { count, duration, html } from "./html.js";
import { Counts, ProgressBar, rateText } from "./plans.js";

const BUCKETS = 2000;
const REFRESH_MS = 1000;
const ACTIONS = [
  { path: "pause", label: "Pause" },
  { path: "resume", label: "Resume" },
  { path: "cancel", label: "Cancel", confirm: "Cancel this plan for good?" },
  { path: "retry-failed", label: "Retry failed" },
];

export function PlanPage({ store, planId, ctx }) {
  const plan = store.plans.get(planId);
  const details = usePlanDetails(planId, plan, ctx);
  const [outcome, setOutcome] = useState(null);
  if (plan === undefined) {
    return html`<section class="card">
      <h2>Plan ${planId}</h2>
      <p>No such plan in this node's picture (yet).</p>
      <a href="#/plans">All plans</a>
    </section>`;
  }
  const act = async (action) => {
    if (action.confirm && !confirm(action.confirm)) return;
    setOutcome({ text: `${action.label}…` });
    try {
      await call(
        ctx.baseUrl(),
        ctx.writeToken(),
        "POST",
        `/v1/plans/${encodeURIComponent(planId)}/${action.path}`,
      );
      setOutcome({ text: `${action.label}: done.` });
    } catch (error) {
      const hint =
        error.status === 401 || error.status === 403
          ? " This needs a token allowed to write (set one under Token)."
          : "";
      setOutcome({ text: `${action.label} refused: ${error.message}.${hint}`, error: true });
    }
  };
  return html` <section class="card" aria-labelledby="plan-title">
      <h2 id="plan-title">
        ${plan.name || plan.planId} <span class="muted">${plan.planId}</span>${" · status "}
        <span class="badge" id="plan-status" data-status=${plan.status}>${plan.status}</span>
      </h2>
      <${ProgressBar} plan=${plan} />
      <p><${Counts} counts=${plan.counts} /></p>
      <p>
        Rate ${rateText(plan.rate)} · ETA
        ${plan.status === "completed" ? "done" : duration(plan.etaSeconds)} · processed
        ${count(plan.processedCount)} items ·
        ${plan.closed ? "closed" : "open-ended, still growing"}
      </p>
      <div class="actions" role="group" aria-label="Plan actions">
        ${ACTIONS.map((a) => html`<button type="button" onClick=${() => act(a)}>${a.label}</button>`)}
      </div>
      ${outcome ? html`<p role="status" class=${outcome.error ? "error" : ""}>${outcome.text}</p>` : ""}
    </section>
    <section class="card" aria-labelledby="map-title">
      <h2 id="map-title">Partition map</h2>
      <${PartitionMap} buckets=${details.buckets} />
      ${details.error ? html`<p class="error">${details.error}</p>` : ""}
    </section>
    <div class="grid2">
      <section class="card" aria-labelledby="gaps-title">
        <h2 id="gaps-title">Gaps (ids no completed partition covers)</h2>
        ${details.gaps === null ? html`<p class="muted">Loading…</p>` : html`<${Gaps} gaps=${details.gaps} />`}
      </section>
      <section class="card" aria-labelledby="failed-title">
        <h2 id="failed-title">Failed partitions</h2>
        ${details.failed === null ? html`<p class="muted">Loading…</p>` : html`<${Failed} items=${details.failed} />`}
      </section>
    </div>`;
}

/** Reads the map, gaps and failures; again when the plan's card changes, at most once a second. */
function usePlanDetails(planId, plan, ctx) {
  const [details, setDetails] = useState({ buckets: null, gaps: null, failed: null, error: null });
  const last = useRef({ atMs: 0, timer: null, key: "" });
  const key = plan === undefined ? "" : JSON.stringify([plan.counts, plan.status]);
  const latestKey = useRef(key);
  latestKey.current = key;
  useEffect(() => {
    const state = last.current;
    if (plan === undefined || state.timer !== null || key === state.key) return;
    const run = async () => {
      state.timer = null;
      state.atMs = Date.now();
      state.key = latestKey.current;
      const id = encodeURIComponent(planId);
      const get = (path) => call(ctx.baseUrl(), ctx.token(), "GET", path);
      const fail = (error) =>
        setDetails((d) => ({ ...d, error: `Could not read the plan's details: ${error.message}` }));
      // Each part is shown as soon as it arrives: the map does not wait for the scans of the others.
      const parts = [
        [
          `/v1/plans/${id}/buckets?buckets=${BUCKETS}&consistency=stale`,
          (buckets) => ({ buckets }),
        ],
        [`/v1/plans/${id}/gaps?limit=20&consistency=stale`, (gaps) => ({ gaps })],
        [
          `/v1/partitions?planId=${id}&status=failed&limit=50&consistency=stale`,
          (page) => ({ failed: page.items }),
        ],
      ];
      await Promise.all(
        parts.map(([path, pick]) =>
          get(path).then(
            (answer) => setDetails((d) => ({ ...d, ...pick(answer), error: null })),
            fail,
          ),
        ),
      );
    };
    const waitMs = Math.max(0, state.atMs + REFRESH_MS - Date.now());
    state.timer = setTimeout(run, waitMs);
  }, [planId, key]);
  useEffect(() => () => clearTimeout(last.current.timer), []);
  return details;
}

/** The state of one bucket, by priority: any failed, all completed, any held, some completed, pending. */
function bucketState(counts, b) {
  if (counts.failed[b] > 0) return "failed";
  const total = counts.pending[b] + counts.claimed[b] + counts.running[b] + counts.completed[b];
  if (counts.completed[b] === total) return "completed";
  if (counts.claimed[b] + counts.running[b] > 0) return "held";
  return counts.completed[b] > 0 ? "partial" : "pending";
}

const FILL = {
  pending: "#c9ced6",
  partial: "#9fd8b5",
  completed: "#2e9e5b",
  held: "#2f80ed",
  failed: "#d64545",
};
const LEGEND = {
  pending: "pending",
  partial: "partly completed",
  completed: "all completed",
  held: "being processed (striped)",
  failed: "has failures (hatched)",
};

function PartitionMap({ buckets }) {
  const canvas = useRef(null);
  const columns = 100;
  const cell = 9;
  useEffect(() => {
    if (buckets === null || canvas.current === null) return;
    drawMap(canvas.current, buckets, columns, cell);
    // When the map was drawn (page clock): lets a test time the page without the driver's latency.
    canvas.current.dataset.drawnAtMs = String(Math.round(performance.now()));
  }, [buckets]);
  if (buckets === null) return html`<p class="muted">Loading the map…</p>`;
  const tally = { pending: 0, partial: 0, completed: 0, held: 0, failed: 0 };
  for (let b = 0; b < buckets.bucketCount; b++) tally[bucketState(buckets.counts, b)]++;
  const rows = Math.max(1, Math.ceil(buckets.bucketCount / columns));
  const summary = Object.entries(tally)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${LEGEND[s]}`)
    .join(", ");
  return html`<div>
    <p>
      ${count(buckets.partitionCount)} partitions in ${count(buckets.bucketCount)} buckets of
      ${count(buckets.bucketSize)}.
    </p>
    <canvas
      ref=${canvas}
      class="map"
      id="partition-map"
      width=${columns * cell}
      height=${rows * cell}
      role="img"
      aria-label=${`Partition map: ${summary}`}
      data-buckets=${buckets.bucketCount}
    ></canvas>
    <div class="legend">
      ${Object.keys(LEGEND).map((s) => html`<span><i class=${`sw-${s}`}></i>${LEGEND[s]}: ${count(tally[s])} buckets</span>`)}
    </div>
  </div>`;
}

function drawMap(canvas, buckets, columns, cell) {
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  for (let b = 0; b < buckets.bucketCount; b++) {
    const state = bucketState(buckets.counts, b);
    const x = (b % columns) * cell;
    const y = Math.floor(b / columns) * cell;
    g.fillStyle = FILL[state];
    g.fillRect(x, y, cell - 1, cell - 1);
    g.strokeStyle = "#ffffffcc";
    if (state === "failed") {
      g.beginPath();
      g.moveTo(x, y + cell - 1);
      g.lineTo(x + cell - 1, y);
      g.stroke();
    } else if (state === "held") {
      g.fillStyle = "#ffffffaa";
      g.fillRect(x + 3, y, 2, cell - 1);
    }
  }
}

function Gaps({ gaps }) {
  if (gaps.complete) return html`<p>None: every id is in a completed partition.</p>`;
  if (gaps.gaps.length === 0)
    return html`<p class="muted">None so far (the plan is still open).</p>`;
  return html`<ul>
      ${gaps.gaps.map((g) => html`<li>ids ${count(g.minId)}–${count(g.maxId)}</li>`)}
    </ul>
    ${gaps.nextFromId === null ? "" : html`<p class="muted">More from id ${count(gaps.nextFromId)}.</p>`}`;
}

function Failed({ items }) {
  if (items.length === 0) return html`<p>None.</p>`;
  return html`<table>
    <thead>
      <tr>
        <th scope="col" class="num">Partition</th>
        <th scope="col">Ids</th>
        <th scope="col" class="num">Attempts</th>
        <th scope="col">Last error</th>
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (p) =>
          html`<tr>
            <td class="num">${p.partitionId}</td>
            <td>${count(p.minId)}–${count(p.maxId)}</td>
            <td class="num">${p.attempts}</td>
            <td><code>${p.lastError ?? "—"}</code></td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
