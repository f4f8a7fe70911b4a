/**
 * The three Grafana dashboards of elk-coordinator, as data: cluster overview, plans
 * and partitions, workers. `grafana/generate.ts` writes them as JSON to grafana/dashboards/
 * (committed; a test checks the files equal this output), and the end-to-end test evaluates
 * every panel's PromQL against a real Prometheus scraping a live cluster.
 *
 * Queries use the `elk-nodes` and `elk-workers` job names of prometheus/prometheus.yml. Leader
 * gauges are exported by the leader alone, so `sum` over the cluster counts them once. Plan and
 * worker series carry the seed's `namespace` label; per-plan panels group by (namespace, plan).
 */

/** One panel: a title, its PromQL, how it draws. */
export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly type: "timeseries" | "stat" | "bargauge" | "table";
  readonly targets: readonly { readonly expr: string; readonly legend?: string }[];
  readonly unit?: string;
  /** Grid width (of 24); height is 8. */
  readonly width?: number;
  /**
   * Why this panel may show no data in a healthy cluster (the end-to-end test then only
   * checks that its queries evaluate); undefined = it always has data.
   */
  readonly emptyWhenHealthy?: string;
}

/** One dashboard. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly file: string;
  readonly panels: readonly PanelSpec[];
}

/** Plans are named within their namespace (the seed's label on every plan metric). */
const PLAN_LEGEND = "{{namespace}}/{{plan}}";

const rate5m = (metric: string, by = "") =>
  `sum${by === "" ? "" : ` by (${by})`} (rate(${metric}[5m]))`;
const increase15m = (metric: string, by = "") =>
  `sum${by === "" ? "" : ` by (${by})`} (increase(${metric}[15m]))`;
const quantile = (q: number, histogram: string, by: string) =>
  `histogram_quantile(${q}, sum by (le${by === "" ? "" : `, ${by}`}) (rate(${histogram}_bucket[5m])))`;

const CLUSTER: DashboardSpec = {
  uid: "elk-cluster",
  title: "ELK Coordinator — cluster overview",
  file: "cluster-overview.json",
  panels: [
    {
      title: "Leader",
      description: "The node that leads (is_leader == 1).",
      type: "stat",
      targets: [{ expr: "elk_coordinator_is_leader == 1", legend: "{{node_id}}" }],
      width: 6,
    },
    {
      title: "Term",
      description: "The highest Raft term of any node.",
      type: "stat",
      targets: [{ expr: "max(elk_coordinator_raft_term)" }],
      width: 6,
    },
    {
      title: "Nodes up",
      description: "Coordinator nodes Prometheus can scrape.",
      type: "stat",
      targets: [{ expr: 'sum(up{job="elk-nodes"})' }],
      width: 6,
    },
    {
      title: "Leader changes (15 min)",
      description: "New leaders seen, most by any node.",
      type: "stat",
      targets: [{ expr: "max(increase(elk_coordinator_raft_leader_changes_total[15m]))" }],
      width: 6,
    },
    {
      title: "Role by node",
      description: "1 while the node leads.",
      type: "timeseries",
      targets: [{ expr: "elk_coordinator_is_leader", legend: "{{node_id}}" }],
    },
    {
      title: "Members by role",
      description:
        "Voters and learners of the configuration in force, as each node sees it; a change in " +
        "flight is 1 until its entry commits (docs/MEMBERSHIP.md).",
      type: "timeseries",
      targets: [
        { expr: "elk_coordinator_raft_members", legend: "{{role}} ({{node_id}})" },
        {
          expr: "elk_coordinator_raft_config_change_in_flight",
          legend: "change in flight ({{node_id}})",
        },
      ],
    },
    {
      title: "Commit and applied index",
      description: "Each node's commit index and applied index.",
      type: "timeseries",
      targets: [
        { expr: "elk_coordinator_raft_commit_index", legend: "commit {{node_id}}" },
        { expr: "elk_coordinator_raft_applied_index", legend: "applied {{node_id}}" },
      ],
    },
    {
      title: "Applied lag (entries)",
      description: "How far each node's applied index trails the cluster's highest commit index.",
      type: "timeseries",
      targets: [
        {
          expr: "scalar(max(elk_coordinator_raft_commit_index)) - elk_coordinator_raft_applied_index",
          legend: "{{node_id}}",
        },
      ],
    },
    {
      title: "Replication (leader's view)",
      description: "Each follower's matchIndex behind the leader's last log index.",
      type: "timeseries",
      targets: [
        {
          expr: "scalar(max(elk_coordinator_raft_last_log_index)) - elk_coordinator_raft_peer_match_index",
          legend: "{{peer}}",
        },
      ],
    },
    {
      title: "Elections",
      description: "Election attempts and failures by reason (15 min).",
      type: "timeseries",
      targets: [
        { expr: increase15m("elk_coordinator_leader_election_attempts_total"), legend: "attempts" },
        {
          expr: increase15m("elk_coordinator_leader_election_failures_total", "reason"),
          legend: "{{reason}}",
        },
      ],
    },
    {
      title: "fsync latency p99",
      description: "Duration of one synced batch of the Raft log (group commit).",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: quantile(0.99, "elk_coordinator_raft_fsync_duration_seconds", "node_id"),
          legend: "{{node_id}}",
        },
      ],
    },
    {
      title: "Proposals by result",
      description: "Proposals answered per second, by result.",
      type: "timeseries",
      unit: "ops",
      targets: [
        { expr: rate5m("elk_coordinator_raft_proposals_total", "result"), legend: "{{result}}" },
      ],
    },
    {
      title: "Proposal latency p99",
      description: "From propose() to the answer.",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: quantile(0.99, "elk_coordinator_raft_proposal_duration_seconds", "node_id"),
          legend: "{{node_id}}",
        },
      ],
    },
    {
      title: "Raft messages sent",
      description: "Messages per second, by type.",
      type: "timeseries",
      unit: "ops",
      targets: [
        {
          expr: 'sum by (type) (rate(elk_coordinator_raft_messages_total{direction="sent"}[5m]))',
          legend: "{{type}}",
        },
      ],
    },
    {
      title: "HTTP requests",
      description: "Requests per second by route and status; 5xx separately.",
      type: "timeseries",
      unit: "reqps",
      targets: [
        {
          expr: rate5m("elk_coordinator_http_requests_total", "route, status"),
          legend: "{{route}} {{status}}",
        },
        {
          expr: 'sum(rate(elk_coordinator_http_requests_total{status=~"5.."}[5m])) or vector(0)',
          legend: "5xx",
        },
      ],
    },
    {
      title: "HTTP latency p99",
      description: "By route (long polls wait up to their waitMs).",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: quantile(0.99, "elk_coordinator_http_request_duration_seconds", "route"),
          legend: "{{route}}",
        },
      ],
    },
    {
      title: "Event loop lag p99",
      description: "Node.js event loop lag of each node (prom-client default metric).",
      type: "timeseries",
      unit: "s",
      targets: [
        { expr: 'nodejs_eventloop_lag_p99_seconds{job="elk-nodes"}', legend: "{{instance}}" },
      ],
    },
    {
      title: "Redis mirror lag",
      description: "Entries the leader's Redis mirror trails its applied index.",
      type: "timeseries",
      targets: [{ expr: "elk_coordinator_mirror_lag_entries", legend: "{{node_id}}" }],
      emptyWhenHealthy: "the Redis mirror is optional; without --redis-url there is no series",
    },
  ],
};

const PLANS: DashboardSpec = {
  uid: "elk-plans",
  title: "ELK Coordinator — plans and partitions",
  file: "plans-and-partitions.json",
  panels: [
    {
      title: "Partitions",
      description: "Partitions in the cluster (leader's view; seed metric).",
      type: "stat",
      targets: [{ expr: "sum(elk_coordinator_partitions_total)" }],
      width: 6,
    },
    {
      title: "Plans by status",
      description: "Plans in each status.",
      type: "stat",
      targets: [{ expr: "sum by (status) (elk_coordinator_plans)", legend: "{{status}}" }],
      width: 9,
    },
    {
      title: "Failed partitions (15 min)",
      description: "Partitions that failed for good.",
      type: "stat",
      targets: [{ expr: increase15m("elk_coordinator_partitions_failed_total") }],
      width: 9,
    },
    {
      title: "Plan progress",
      description: "Share of each plan's ids inside completed partitions.",
      type: "bargauge",
      unit: "percentunit",
      targets: [
        {
          expr: "sum by (namespace, plan) (elk_coordinator_plan_progress_ratio)",
          legend: PLAN_LEGEND,
        },
      ],
    },
    {
      title: "Partitions by status",
      description: "All plans, by partition status.",
      type: "timeseries",
      targets: [
        { expr: "sum by (status) (elk_coordinator_plan_partitions)", legend: "{{status}}" },
      ],
    },
    {
      title: "Partitions by plan and status",
      description: 'Each labelled plan by namespace (the rest as "other").',
      type: "table",
      targets: [
        {
          expr: "sum by (namespace, plan, status) (elk_coordinator_plan_partitions)",
          legend: `${PLAN_LEGEND} {{status}}`,
        },
      ],
    },
    {
      title: "Completion rate",
      description: "Partitions completed and granted per second.",
      type: "timeseries",
      unit: "ops",
      targets: [
        { expr: rate5m("elk_coordinator_partitions_completed_total"), legend: "completed" },
        { expr: rate5m("elk_coordinator_partitions_assigned_total"), legend: "assigned" },
      ],
    },
    {
      title: "Items per second",
      description:
        "Items processed per second: by plan (leader's view) and by all workers (seed query).",
      type: "timeseries",
      targets: [
        {
          expr: "sum by (namespace, plan) (deriv(elk_coordinator_plan_processed_items[5m]))",
          legend: PLAN_LEGEND,
        },
        { expr: rate5m("elk_coordinator_node_tasks_processed_items_total"), legend: "all workers" },
      ],
    },
    {
      title: "ETA",
      description: "Unfinished partitions of each plan over its completion rate.",
      type: "stat",
      unit: "s",
      targets: [
        {
          expr:
            "sum by (namespace, plan) " +
            '(elk_coordinator_plan_partitions{status=~"pending|claimed|running"}) / ' +
            "(sum by (namespace, plan) " +
            '(deriv(elk_coordinator_plan_partitions{status="completed"}[5m])) > 0)',
          legend: PLAN_LEGEND,
        },
      ],
      emptyWhenHealthy: "no plan is progressing (all complete, or none submitted)",
    },
    {
      title: "Gaps (ids not yet completed)",
      description: "Ids of each plan's partitions not yet inside a completed partition.",
      type: "timeseries",
      targets: [
        { expr: "sum by (namespace, plan) (elk_coordinator_plan_gap_ids)", legend: PLAN_LEGEND },
      ],
    },
    {
      title: "Assignment latency p99",
      description: "Time for the leader to grant a batch of partitions (seed metric).",
      type: "timeseries",
      unit: "s",
      targets: [
        { expr: quantile(0.99, "elk_coordinator_partitions_assignment_duration_seconds", "") },
      ],
    },
    {
      title: "Expiries, preemptions, fencing (15 min)",
      description:
        "Leases expired, partitions preempted, reports refused for a stale fencing token.",
      type: "timeseries",
      targets: [
        {
          expr: increase15m("elk_coordinator_lease_expiries_total", "kind"),
          legend: "expired {{kind}}",
        },
        { expr: increase15m("elk_coordinator_preemptions_total"), legend: "preempted" },
        { expr: increase15m("elk_coordinator_fenced_rejections_total"), legend: "fenced" },
      ],
    },
  ],
};

const WORKERS: DashboardSpec = {
  uid: "elk-workers",
  title: "ELK Coordinator — workers",
  file: "workers.json",
  panels: [
    {
      title: "Live workers",
      description: "Workers with a live lease (leader's view; seed metric).",
      type: "stat",
      targets: [{ expr: "sum(elk_coordinator_active_workers_count)" }],
      width: 6,
    },
    {
      title: "Partitions processing",
      description: "Partitions inside processors now, all workers (seed query).",
      type: "stat",
      targets: [{ expr: "sum(elk_coordinator_node_tasks_active_processing)" }],
      width: 6,
    },
    {
      title: "Partitions per second",
      description: "All workers (seed query).",
      type: "stat",
      unit: "ops",
      targets: [{ expr: rate5m("elk_coordinator_node_tasks_processed_total") }],
      width: 6,
    },
    {
      title: "Error ratio",
      description: "Errors over completions, all workers (seed query).",
      type: "stat",
      unit: "percentunit",
      targets: [
        {
          expr:
            "sum(rate(elk_coordinator_node_tasks_errors_total[5m])) / " +
            "sum(rate(elk_coordinator_node_tasks_processed_total[5m]))",
        },
      ],
      width: 6,
    },
    {
      title: "Rate per worker",
      description: "Partitions completed per second by each worker.",
      type: "timeseries",
      unit: "ops",
      targets: [
        {
          expr: rate5m("elk_coordinator_node_tasks_processed_total", "worker_id"),
          legend: "{{worker_id}}",
        },
      ],
    },
    {
      title: "Items per worker",
      description: "Items processed per second by each worker.",
      type: "timeseries",
      targets: [
        {
          expr: rate5m("elk_coordinator_node_tasks_processed_items_total", "worker_id"),
          legend: "{{worker_id}}",
        },
      ],
    },
    {
      title: "Errors",
      description: "Partition errors per second by worker and type (retryable, fatal, lease_lost).",
      type: "timeseries",
      unit: "ops",
      targets: [
        {
          expr: rate5m("elk_coordinator_node_tasks_errors_total", "worker_id, error_type"),
          legend: "{{worker_id}} {{error_type}}",
        },
      ],
    },
    {
      title: "Window usage",
      description: "Partitions in each worker's window over its size.",
      type: "timeseries",
      unit: "percentunit",
      targets: [
        {
          expr:
            "sum by (worker_id) (elk_coordinator_node_task_queue_active_tasks) / " +
            "sum by (worker_id) (elk_coordinator_node_task_window_size)",
          legend: "{{worker_id}}",
        },
      ],
    },
    {
      title: "Circuit breaker",
      description: "0 closed, 1 open, 2 half-open; and trips in 15 minutes.",
      type: "timeseries",
      targets: [
        {
          expr: "max by (worker_id, breaker_name) (elk_coordinator_node_circuit_breaker_state)",
          legend: "{{worker_id}} state",
        },
        {
          expr: increase15m("elk_coordinator_node_circuit_breaker_tripped_total", "worker_id"),
          legend: "{{worker_id}} trips",
        },
      ],
    },
    {
      title: "Heartbeat age",
      description: "Seconds since each worker's last acknowledged heartbeat (alert above 30 s).",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr: "time() - elk_coordinator_node_heartbeat_timestamp_seconds",
          legend: "{{worker_id}}",
        },
      ],
    },
    {
      title: "Processing time",
      description: "Mean grant-to-end time (seed query) and the processor's p95.",
      type: "timeseries",
      unit: "s",
      targets: [
        {
          expr:
            "sum(rate(elk_coordinator_node_task_processing_duration_seconds_sum[5m])) / " +
            "sum(rate(elk_coordinator_node_task_processing_duration_seconds_count[5m]))",
          legend: "mean",
        },
        {
          expr: quantile(0.95, "elk_coordinator_node_task_processor_duration_seconds", "worker_id"),
          legend: "processor p95 {{worker_id}}",
        },
      ],
    },
    {
      title: "Heartbeat errors (15 min)",
      description: "Failed heartbeat and registration calls.",
      type: "timeseries",
      targets: [
        {
          expr: increase15m("elk_coordinator_node_heartbeat_errors_total", "worker_id"),
          legend: "{{worker_id}}",
        },
      ],
    },
    {
      title: "Workers",
      description: "Version, Node.js version and OS of each worker.",
      type: "table",
      targets: [{ expr: "elk_coordinator_node_info", legend: "{{worker_id}}" }],
      width: 24,
    },
  ],
};

/** Every dashboard, in file order. */
export const DASHBOARDS: readonly DashboardSpec[] = [CLUSTER, PLANS, WORKERS];

/** The datasource every panel uses (grafana/provisioning/datasources/prometheus.yml). */
const DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;

/** The Grafana dashboard JSON model of `spec` (schemaVersion 39, Grafana 10/11). */
export function dashboardJson(spec: DashboardSpec): object {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((panel, index) => {
    const w = panel.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h: 8, w, x, y };
    x += w;
    return {
      id: index + 1,
      type: panel.type,
      title: panel.title,
      description: panel.description,
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: panel.unit ?? "short" }, overrides: [] },
      options: {},
      targets: panel.targets.map((target, t) => ({
        refId: String.fromCharCode(65 + t),
        datasource: DATASOURCE,
        expr: target.expr,
        legendFormat: target.legend ?? "__auto",
        ...(panel.type === "table" ? { format: "table", instant: true } : {}),
      })),
    };
  });
  return {
    uid: spec.uid,
    title: spec.title,
    tags: ["elk-coordinator"],
    timezone: "browser",
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: "10s",
    time: { from: "now-1h", to: "now" },
    templating: { list: [] },
    annotations: { list: [] },
    panels,
  };
}

/** The file text of `spec`'s dashboard (2-space JSON and a final newline). */
export function dashboardText(spec: DashboardSpec): string {
  return `${JSON.stringify(dashboardJson(spec), null, 2)}\n`;
}
