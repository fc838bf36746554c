import { BUFFER_FREE_PERCENT_WARNING, DISCARDED_RATE, LabelMatch, retentionAgeExpression, vectorSelector } from "./platform-rules";
import { podLabelAsSeriesLabel } from "./stack";

/** One query of a dashboard panel. */
export interface DashboardTarget {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly datasource: DatasourceRef;
}

/** A reference to the dashboard's Prometheus data source variable. */
export interface DatasourceRef {
  readonly type: "prometheus";
  /** `$datasource`, without braces: Terraform would read `${...}` in the ConfigMap as its own template. */
  readonly uid: "$datasource";
}

/** A time-series panel. @see https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/ */
export interface TimeseriesPanel {
  readonly id: number;
  readonly type: "timeseries";
  readonly title: string;
  readonly description: string;
  readonly datasource: DatasourceRef;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly fieldConfig: { readonly defaults: { readonly unit: string }; readonly overrides: readonly never[] };
  readonly targets: readonly DashboardTarget[];
}

/** A Grafana dashboard, in the JSON model the sidecar provisions. */
export interface GrafanaDashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly editable: boolean;
  readonly refresh: string;
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: {
    readonly list: readonly { readonly name: string; readonly label: string; readonly type: "datasource"; readonly query: "prometheus" }[];
  };
  readonly panels: readonly TimeseriesPanel[];
}

const DATASOURCE: DatasourceRef = { type: "prometheus", uid: "$datasource" };
/** Panels per row, and the grid is 24 wide. */
const PANEL_WIDTH = 12;
const PANEL_HEIGHT = 8;

/** One panel before layout. */
interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly { readonly expr: string; readonly legend: string }[];
}

/** A dashboard of panels, two per row, in the order given. */
function dashboard(uid: string, title: string, tags: readonly string[], specs: readonly PanelSpec[]): GrafanaDashboard {
  return {
    uid,
    title,
    tags,
    schemaVersion: 39,
    editable: false,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: { list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus" }] },
    panels: specs.map((spec, i) => ({
      id: i + 1,
      type: "timeseries",
      title: spec.title,
      description: spec.description,
      datasource: DATASOURCE,
      gridPos: { x: (i % 2) * PANEL_WIDTH, y: Math.floor(i / 2) * PANEL_HEIGHT, w: PANEL_WIDTH, h: PANEL_HEIGHT },
      fieldConfig: { defaults: { unit: spec.unit }, overrides: [] },
      targets: spec.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), expr: q.expr, legendFormat: q.legend, datasource: DATASOURCE })),
    })),
  };
}

/**
 * The Fluent Bit dashboard: what the agents read and ship per node, retries, failures, drops and how full the
 * filesystem buffer is. Every query reads only metrics Fluent Bit exports at `/api/v2/metrics/prometheus` (5.1.1 and 4.0.1)
 * (or a series the platform's rules record), restricted to the agents' namespace.
 */
export function fluentBitDashboard(fluentBitNamespace: string): GrafanaDashboard {
  // Single-quoted values: the dashboard is JSON in a ConfigMap, and must carry no backslash (see vectorSelector).
  const selector = (metric: string) => vectorSelector(metric, { namespace: fluentBitNamespace }, "'");
  const perNode = (metric: string) => `sum by (node) (rate(${selector(metric)}[5m]))`;
  const perOutput = (metric: string) => `sum by (node, name) (increase(${selector(metric)}[5m]))`;
  const specs: PanelSpec[] = [
    {
      title: "Records read per node",
      description: "Lines the tail input reads from the node's container logs.",
      unit: "rps",
      queries: [{ expr: perNode("fluentbit_input_records_total"), legend: "{{node}}" }],
    },
    {
      title: "Records sent per node",
      description: "Records the outputs delivered. Zero on a node for 30 minutes fires FluentBitNodeSilent.",
      unit: "rps",
      queries: [{ expr: perNode("fluentbit_output_proc_records_total"), legend: "{{node}}" }],
    },
    {
      title: "Retries and failed retries",
      description: "Retries are normal while Loki is down or rate-limiting; a failed retry is a lost chunk (FluentBitRetriesFailed).",
      unit: "short",
      queries: [
        { expr: perOutput("fluentbit_output_retries_total"), legend: "retries {{node}} {{name}}" },
        { expr: perOutput("fluentbit_output_retries_failed_total"), legend: "failed {{node}} {{name}}" },
      ],
    },
    {
      title: "Dropped records and errors",
      description: "Records refused for good, and output errors (FluentBitDroppedRecords).",
      unit: "short",
      queries: [
        { expr: perOutput("fluentbit_output_dropped_records_total"), legend: "dropped {{node}} {{name}}" },
        { expr: perOutput("fluentbit_output_errors_total"), legend: "errors {{node}} {{name}}" },
      ],
    },
    {
      title: "Buffer free space",
      description: `Share of the output's storage.total_limit_size still free (FluentBitBufferNearlyFull below ${BUFFER_FREE_PERCENT_WARNING}%).`,
      unit: "percent",
      queries: [{ expr: `min by (node, name) (${selector("fluentbit_output_chunk_available_capacity_percent")})`, legend: "{{node}} {{name}}" }],
    },
    {
      title: "Buffered chunks",
      description: "Chunks in the filesystem buffer: up (in memory) and down (on disk only).",
      unit: "short",
      queries: [
        { expr: `sum by (node) (${selector("fluentbit_storage_fs_chunks_up")})`, legend: "up {{node}}" },
        { expr: `sum by (node) (${selector("fluentbit_storage_fs_chunks_down")})`, legend: "down {{node}}" },
      ],
    },
  ];
  return dashboard("loki-platform-fluent-bit", "Fluent Bit (Loki platform)", ["loki", "fluent-bit"], specs);
}

/** The Loki components the Loki dashboard shows, by their key in the chart's values. */
export const DASHBOARD_COMPONENTS = ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "compactor", "ruler"] as const;
/** One Loki component the Loki dashboard shows. */
export type DashboardComponent = (typeof DASHBOARD_COMPONENTS)[number];

/** The pod label whose value names a Loki component (the Kubernetes recommended label the Loki chart sets on every pod). */
export const COMPONENT_POD_LABEL = "app.kubernetes.io/component";

/** The Loki release the Loki dashboard shows: plain data from the stack. */
export interface LokiDashboardScope {
  /** Namespace of the release. */
  readonly namespace: string;
  /** The value of each component's `app.kubernetes.io/component` pod label. */
  readonly components: Readonly<Record<DashboardComponent, string>>;
}

/**
 * The Loki dashboard of the standalone prometheus chart: writes, reads, ingesters, ruler, compactor and each
 * component's CPU and memory. Its queries select what that chart's `kubernetes-pods` job produces from the pods'
 * `prometheus.io/*` annotations: `namespace`, `pod`, and the pod's `app.kubernetes.io/component` label as
 * `app_kubernetes_io_component`. (The Loki chart's own mixin dashboards select `job="<namespace>/<component>"` and
 * `cluster`, which only its ServiceMonitor produces: kube-prometheus-stack gets those.) Every query reads only metrics
 * Loki exports at both chart versions (3.7.6 and 3.4.2), or a series the platform's rules record.
 */
export function lokiDashboard(scope: LokiDashboardScope): GrafanaDashboard {
  const componentLabel = podLabelAsSeriesLabel(COMPONENT_POD_LABEL);
  // Single-quoted values: the dashboard is JSON in a ConfigMap, and must carry no backslash (see vectorSelector).
  const select = (labels: Readonly<Record<string, LabelMatch>>) => (metric: string) => vectorSelector(metric, { namespace: scope.namespace, ...labels }, "'");
  const of = (component: DashboardComponent, labels: Readonly<Record<string, LabelMatch>> = {}) => select({ [componentLabel]: scope.components[component], ...labels });
  const push = of("distributor", { route: "loki_api_v1_push" });
  // The query-frontend serves the query API (loki_api_v1_query_range, _labels, _series, ...); its gRPC routes are internal.
  const queries = of("queryFrontend", { route: { regex: "loki_api_v1_.+" } });
  const ingester = of("ingester");
  const ruler = of("ruler");
  // Every Loki component, and not the canary or the memcached exporters, which run in the same namespace.
  const loki = select({ [componentLabel]: { regex: Object.values(scope.components).join("|") } });
  const inNamespace = select({});
  const byComponent = componentLabel;
  const specs: PanelSpec[] = [
    {
      title: "Pushes per second by status",
      description: "Push requests the distributors answer. 429 is a rate limit (see the discards panel), 5xx an ingester or storage problem.",
      unit: "reqps",
      queries: [{ expr: `sum by (status_code) (rate(${push("loki_request_duration_seconds_count")}[5m]))`, legend: "{{status_code}}" }],
    },
    {
      title: "Push latency",
      description: "99th and 50th percentile of the distributors' push requests.",
      unit: "s",
      queries: [
        { expr: `histogram_quantile(0.99, sum by (le) (rate(${push("loki_request_duration_seconds_bucket")}[5m])))`, legend: "p99" },
        { expr: `histogram_quantile(0.50, sum by (le) (rate(${push("loki_request_duration_seconds_bucket")}[5m])))`, legend: "p50" },
      ],
    },
    {
      title: "Received per tenant",
      description: "Log bytes the distributors receive, per tenant, before any discard.",
      unit: "Bps",
      queries: [{ expr: `sum by (tenant) (rate(${of("distributor")("loki_distributor_bytes_received_total")}[5m]))`, legend: "{{tenant}}" }],
    },
    {
      title: "Discarded samples per tenant and reason",
      description: "Lines Loki refuses (rate limits, too old, too long, ...). The platform's discard alerts fire on the reasons that lose logs.",
      unit: "short",
      queries: [{ expr: `sum by (tenant, reason) (${inNamespace(DISCARDED_RATE)})`, legend: "{{tenant}} {{reason}}" }],
    },
    {
      title: "Queries per second by route and status",
      description: "Requests to the query API at the query-frontends (Grafana's queries, label and series lookups).",
      unit: "reqps",
      queries: [{ expr: `sum by (route, status_code) (rate(${queries("loki_request_duration_seconds_count")}[5m]))`, legend: "{{route}} {{status_code}}" }],
    },
    {
      title: "Query latency",
      description: "99th percentile of the query-frontends' requests, per route.",
      unit: "s",
      queries: [{ expr: `histogram_quantile(0.99, sum by (le, route) (rate(${queries("loki_request_duration_seconds_bucket")}[5m])))`, legend: "{{route}}" }],
    },
    {
      title: "Streams and chunks in memory per ingester",
      description: "Streams and chunks each ingester holds before it flushes them to the object store.",
      unit: "short",
      queries: [
        { expr: `sum by (pod) (${ingester("loki_ingester_memory_streams")})`, legend: "streams {{pod}}" },
        { expr: `sum by (pod) (${ingester("loki_ingester_memory_chunks")})`, legend: "chunks {{pod}}" },
      ],
    },
    {
      title: "Rule evaluations and failures",
      description: "Evaluations of the ruler's LogQL rule groups, and those that failed (LokiRuleEvaluationFailures).",
      unit: "ops",
      queries: [
        { expr: `sum by (rule_group) (rate(${ruler("loki_prometheus_rule_evaluations_total")}[5m]))`, legend: "{{rule_group}}" },
        { expr: `sum by (rule_group) (rate(${ruler("loki_prometheus_rule_evaluation_failures_total")}[5m]))`, legend: "failed {{rule_group}}" },
      ],
    },
    {
      title: "Alert notifications failing",
      description: "Alerts the ruler could not send to Alertmanager, or dropped (LokiRulerAlertmanagerUnreachable).",
      unit: "ops",
      queries: [
        { expr: `sum by (alertmanager) (rate(${ruler("loki_prometheus_notifications_errors_total")}[5m]))`, legend: "errors {{alertmanager}}" },
        { expr: `sum by (alertmanager) (rate(${ruler("loki_prometheus_notifications_dropped_total")}[5m]))`, legend: "dropped {{alertmanager}}" },
      ],
    },
    {
      title: "Time since retention was applied",
      description: "Since the compactor's last successful retention run, or its start while it has not run yet (LokiRetentionNotApplied after a day).",
      unit: "s",
      queries: [{ expr: retentionAgeExpression(of("compactor")), legend: "{{namespace}}" }],
    },
    {
      title: "Memory per component",
      description: "Resident memory of every Loki pod, summed per component.",
      unit: "bytes",
      queries: [{ expr: `sum by (${byComponent}) (${loki("process_resident_memory_bytes")})`, legend: `{{${byComponent}}}` }],
    },
    {
      title: "CPU per component",
      description: "CPU cores every Loki pod uses, summed per component.",
      unit: "short",
      queries: [{ expr: `sum by (${byComponent}) (rate(${loki("process_cpu_seconds_total")}[5m]))`, legend: `{{${byComponent}}}` }],
    },
  ];
  return dashboard("loki-platform-loki", "Loki (Loki platform)", ["loki"], specs);
}

/** Every PromQL expression a dashboard queries. */
export function dashboardExpressions(dashboard: GrafanaDashboard): string[] {
  return dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
}
