// The plans view: each plan's progress bar (completed, held and failed shares, also as text),
// counts by status, rate and ETA, and a chart of partitions and items per second.
import { Chart } from "./charts.js";
import { count, duration, html } from "./html.js";

export function PlansView({ store }) {
  const plans = [...store.plans.values()];
  const { history } = store;
  return html` <section class="card" aria-labelledby="plans-title">
      <h2 id="plans-title">Plans <span class="muted">(${count(store.plansTotal)})</span></h2>
      ${
        plans.length === 0
          ? html`<p class="muted">
              No plan yet. Submit one with <code>elk-coordinator plan create</code> or POST
              /v1/plans.
            </p>`
          : html`<table>
              <thead>
                <tr>
                  <th scope="col">Plan</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                  <th scope="col">Partitions by status</th>
                  <th scope="col" class="num">Rate</th>
                  <th scope="col" class="num">ETA</th>
                </tr>
              </thead>
              <tbody>
                ${plans.map((plan) => html`<${PlanRow} plan=${plan} key=${plan.planId} />`)}
              </tbody>
            </table>`
      }
      ${store.plansTotal > plans.length ? html`<p class="muted">Showing the ${plans.length} newest.</p>` : ""}
    </section>
    <section class="card" aria-labelledby="plan-rate-title">
      <h2 id="plan-rate-title">Work done</h2>
      <div class="grid2">
        <${Chart}
          title="Partitions completed per second"
          t=${history.t}
          series=${[{ label: "partitions/s", values: history.partitions }]}
        />
        <${Chart}
          title="Items processed per second"
          t=${history.t}
          series=${[{ label: "items/s", values: history.items }]}
        />
      </div>
    </section>`;
}

function PlanRow({ plan }) {
  return html`<tr data-plan=${plan.planId}>
    <th scope="row">
      <a href=${`#/plan/${encodeURIComponent(plan.planId)}`}>${plan.name || plan.planId}</a>
      <div class="muted">${plan.planId} · ${plan.namespace}</div>
    </th>
    <td><span class="badge" data-status=${plan.status}>${plan.status}</span></td>
    <td><${ProgressBar} plan=${plan} /></td>
    <td><${Counts} counts=${plan.counts} /></td>
    <td class="num">${rateText(plan.rate)}</td>
    <td class="num">${plan.status === "completed" ? "done" : duration(plan.etaSeconds)}</td>
  </tr>`;
}

/** A bar of completed / held / failed shares with the same figures in text. */
export function ProgressBar({ plan }) {
  const total = Math.max(1, plan.partitionCount);
  const c = plan.counts;
  const completed = (100 * c.completed) / total;
  const held = (100 * (c.claimed + c.running)) / total;
  const failed = (100 * c.failed) / total;
  const label = `${(plan.progress * 100).toFixed(1)}% of ids done; ${count(c.completed)} of ${count(plan.partitionCount)} partitions completed`;
  return html`<div>
    <div
      class="bar"
      role="progressbar"
      aria-valuemin="0"
      aria-valuemax=${plan.partitionCount}
      aria-valuenow=${c.completed}
      aria-label=${label}
    >
      <span class="completed" style=${`left:0;width:${completed}%`}></span>
      <span class="held" style=${`left:${completed}%;width:${held}%`}></span>
      <span class="failed" style=${`left:${completed + held}%;width:${failed}%`}></span>
    </div>
    <div class="bar-label" data-progress=${c.completed}>
      ${(plan.progress * 100).toFixed(1)}% · ${count(c.completed)}/${count(plan.partitionCount)}
    </div>
  </div>`;
}

export function Counts({ counts }) {
  return html`<span class="counts">
    ${["pending", "claimed", "running", "completed", "failed"].map(
      (status) =>
        html`<span data-count=${status}>${status} ${count(counts[status])}</span
          >${status === "failed" ? "" : " · "}`,
    )}
  </span>`;
}

export function rateText(rate) {
  if (rate === null) return "—";
  return `${rate.partitionsPerSecond.toFixed(1)} part/s · ${Math.round(rate.itemsPerSecond).toLocaleString("en")} items/s`;
}
