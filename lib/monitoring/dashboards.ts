import { BUFFER_FREE_PERCENT_WARNING, vectorSelector } from "./platform-rules";

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
  return {
    uid: "loki-platform-fluent-bit",
    title: "Fluent Bit (Loki platform)",
    tags: ["loki", "fluent-bit"],
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

/** Every PromQL expression a dashboard queries. */
export function dashboardExpressions(dashboard: GrafanaDashboard): string[] {
  return dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr));
}
