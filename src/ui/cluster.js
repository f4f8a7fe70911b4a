// The cluster view: every member with its role, term, indexes, replication lag and link state
// (spelled out, never colour alone), the timeline of leader changes and elections, and a chart
// of commands applied per second.
import { Chart } from "./charts.js";
import { clock, count, html } from "./html.js";

export function ClusterView({ store }) {
  const { leader, nodes, timeline, history } = store;
  return html` <section class="card" aria-labelledby="nodes-title">
      <h2 id="nodes-title">
        Nodes · leader${" "}
        <span id="leader" data-leader=${leader.id ?? ""}>${leader.id ?? "none"}</span>
        <span class="muted"> (term ${leader.term})</span>
      </h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Role</th>
            <th scope="col" class="num">Term</th>
            <th scope="col" class="num">Commit</th>
            <th scope="col" class="num">Applied</th>
            <th scope="col" class="num">Last log</th>
            <th scope="col" class="num">Match</th>
            <th scope="col" class="num">Lag (entries)</th>
            <th scope="col">Link from leader</th>
          </tr>
        </thead>
        <tbody>
          ${nodes.map((node) => html`<${NodeRow} node=${node} key=${node.id} />`)}
        </tbody>
      </table>
    </section>
    <div class="grid2">
      <section class="card" aria-labelledby="rate-title">
        <h2 id="rate-title">Throughput</h2>
        <${Chart}
          title="Commands applied per second"
          t=${history.t}
          series=${[{ label: "commands/s", values: history.commands }]}
        />
      </section>
      <section class="card" aria-labelledby="timeline-title">
        <h2 id="timeline-title">Leader changes and elections</h2>
        ${
          timeline.length === 0
            ? html`<p class="muted">None seen yet.</p>`
            : html`<ol class="timeline" reversed>
                ${[...timeline].reverse().map((e) => html`<li>${clock(e.atMs)} · ${describe(e)}</li>`)}
              </ol>`
        }
      </section>
    </div>`;
}

function NodeRow({ node }) {
  const role = node.reachable ? node.role : "unreachable";
  const link =
    node.role === "Leader"
      ? "— (leader)"
      : node.connected === null
        ? "unknown"
        : node.connected
          ? "up"
          : "down";
  return html`<tr data-node=${node.id}>
    <th scope="row">
      ${node.id}${node.self ? html` <span class="badge">this node</span>` : ""}
      <div class="muted"><code>${node.url}</code></div>
    </th>
    <td class=${node.reachable ? `role-${node.role}` : "down"}>${roleMark(role)} ${role}</td>
    <td class="num">${count(node.term)}</td>
    <td class="num">${count(node.commitIndex)}</td>
    <td class="num">${count(node.lastApplied)}</td>
    <td class="num">${count(node.lastLogIndex)}</td>
    <td class="num">${count(node.matchIndex)}</td>
    <td class="num">${count(node.lagEntries)}</td>
    <td class=${link === "down" ? "down" : ""}>
      ${link}${node.lastContactMs === null ? "" : html` <span class="muted">(${node.lastContactMs} ms ago)</span>`}
    </td>
  </tr>`;
}

/** A shape per role, so the role reads without colour. */
function roleMark(role) {
  return (
    { Leader: "★", Follower: "●", Candidate: "◆", PreCandidate: "◇", unreachable: "✕" }[role] ?? "○"
  );
}

function describe(event) {
  if (event.kind === "leader")
    return `${event.leaderId} leads (term ${event.term}, seen by ${event.nodeId})`;
  if (event.kind === "election") return `${event.nodeId} stood for election (term ${event.term})`;
  return `${event.nodeId} lost sight of the leader (term ${event.term})`;
}
