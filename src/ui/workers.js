// The workers view: status, lease age (time since the last renewal, against the lease's length),
// held partitions with their fencing tokens, completion rate. Circuit-breaker state is not
// reported to the cluster (a worker's breaker lives in the worker; its /metrics has it), and the
// column says so rather than guess.
import { count, html } from "./html.js";
import { serverNowMs } from "./store.js";

export function WorkersView({ store }) {
  const workers = [...store.workers.values()];
  const nowMs = serverNowMs(store);
  return html`<section class="card" aria-labelledby="workers-title">
    <h2 id="workers-title">Workers <span class="muted">(${count(store.workersTotal)})</span></h2>
    ${
      workers.length === 0
        ? html`<p class="muted">No worker has registered.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">Lease age</th>
                <th scope="col" class="num">Window</th>
                <th scope="col">Held partitions (fencing token)</th>
                <th scope="col" class="num">Completed/s</th>
                <th scope="col">Breaker</th>
              </tr>
            </thead>
            <tbody>
              ${workers.map((w) => html`<${WorkerRow} worker=${w} nowMs=${nowMs} key=${w.workerId} />`)}
            </tbody>
          </table>`
    }
    ${
      store.workersTotal > workers.length
        ? html`<p class="muted">Showing the first ${workers.length} by id.</p>`
        : ""
    }
  </section>`;
}

function WorkerRow({ worker, nowMs }) {
  const ageS = Math.max(0, (nowMs - worker.leaseRenewedAtMs) / 1000);
  const late = worker.status === "active" && nowMs > worker.leaseExpiresAtMs;
  return html`<tr data-worker=${worker.workerId}>
    <th scope="row">
      ${worker.workerId}
      <div class="muted">${worker.namespace}</div>
    </th>
    <td>${worker.status}</td>
    <td class="num ${late ? "down" : ""}">
      ${ageS.toFixed(1)} s / ${(worker.leaseTtlMs / 1000).toFixed(0)} s${late ? " (overdue)" : ""}
    </td>
    <td class="num">${worker.held.length}/${worker.windowSize}</td>
    <td>
      ${
        worker.held.length === 0
          ? html`<span class="muted">none</span>`
          : worker.held.map(
              (p) =>
                html`<div>
                  <a href=${`#/plan/${encodeURIComponent(p.planId)}`}>${p.planId}</a>
                  #${p.partitionId} <span class="muted">(token ${p.fencingToken})</span>
                </div>`,
            )
      }
    </td>
    <td class="num">${worker.completedPerSecond.toFixed(2)}</td>
    <td class="muted">not reported</td>
  </tr>`;
}
