import { prometheusScrapeAnnotations } from "../../core/kubernetes";
import { CANARY_HTTP_PORT, ChartValuesInput, METRICS_PATH } from "../chart";
import type { ResolvedLokiMonitoring } from "../monitoring-values";

/**
 * Chart 6.29.0's (deprecated but still rendered) `monitoring` section, as this stack sets it.
 * What each switch renders:
 * - `serviceMonitor`: one ServiceMonitor `<fullname>` in the release namespace, selecting every Service with the
 *   chart's selector labels (`app.kubernetes.io/name: loki`, `app.kubernetes.io/instance: <release>`) except those
 *   labelled `prometheus.io/service-monitor: "false"` (the headless duplicates), port `http-metrics`, path `/metrics`.
 *   That covers every Loki component, the canary and the memcached exporters. Its `labels` are added to the chart's.
 * - `serviceMonitor.metricsInstance`: a Grafana Agent `MetricsInstance` (monitoring.grafana.com), a CRD most clusters
 *   lack; on by default in the chart, always off here.
 * - `rules`: PrometheusRules with the Loki mixin's recording rules (which the chart's dashboards read) and, with
 *   `alerting`, the mixin's alerts; `labels` are added to the chart's.
 * - `dashboards`: two ConfigMaps with the Loki mixin's dashboards, in `namespace`, carrying `labels`.
 * - `selfMonitoring`: a Grafana Agent, LogsInstance and PodLogs (Grafana Agent Operator CRDs); always off.
 * @see https://github.com/grafana/loki/tree/helm-loki-6.29.0/production/helm/loki/templates/monitoring
 */
export interface Chart6290MonitoringValues {
  readonly serviceMonitor: {
    readonly enabled: boolean;
    readonly labels: Readonly<Record<string, string>>;
    readonly interval?: string;
    readonly metricsInstance: { readonly enabled: false };
  };
  readonly rules: {
    readonly enabled: boolean;
    readonly alerting: boolean;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly dashboards: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly labels: Readonly<Record<string, string>>;
  };
  readonly selfMonitoring: { readonly enabled: false; readonly grafanaAgent: { readonly installOperator: false } };
}

/**
 * A source address no connection ever comes from: the limited broadcast address. Chart 6.29.0 renders the `from` of its
 * metrics policy only when `networkPolicy.metrics.cidrs` has an entry (18.x also with a namespace selector); without a
 * `from`, every pod of the cluster would reach Loki's API port. With this entry the policy admits the Prometheus pods
 * the selectors name, and nothing else.
 */
export const NO_SOURCE_CIDR = "255.255.255.255/32";

/** The values chart 6.29.0 gets that differ from chart 18.11.0's. Every key exists in the chart's values.yaml. */
export interface Chart6290Values {
  /**
   * The canary pushes and queries through the gateway; with auth on it names the tenant with its own flag. With
   * `monitoring.scrapeAnnotations`, its pods' scrape annotations: in 6.29.0 `lokiCanary.annotations` is the pod
   * template's (values.yaml calls them the DaemonSet's), and there is no `podAnnotations`.
   */
  readonly lokiCanary: { readonly extraArgs: readonly string[]; readonly annotations?: Readonly<Record<string, string>> };
  readonly monitoring: Chart6290MonitoringValues;
  /** With NetworkPolicies: the CIDR that makes the chart render the metrics policy's `from`. */
  readonly networkPolicy?: { readonly metrics: { readonly cidrs: readonly string[] } };
}

/**
 * The chart's `monitoring` values in 6.29.0: ServiceMonitor and rules only where the Prometheus Operator's CRDs exist,
 * labelled for the stack's Prometheus; dashboards labelled for Grafana's sidecar, in the namespace it watches. Pure.
 */
export function chart6290MonitoringValues(monitoring: ResolvedLokiMonitoring): Chart6290MonitoringValues {
  const { operatorObjects, prometheusLabels, scrapeInterval } = monitoring;
  return {
    serviceMonitor: {
      enabled: operatorObjects,
      labels: prometheusLabels,
      ...(scrapeInterval !== undefined ? { interval: scrapeInterval } : {}),
      metricsInstance: { enabled: false },
    },
    rules: { enabled: operatorObjects, alerting: operatorObjects, labels: prometheusLabels },
    dashboards: { enabled: monitoring.dashboards, namespace: monitoring.dashboardNamespace, labels: monitoring.dashboardLabels },
    selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
  };
}

/**
 * The values of chart 6.29.0 that the other versions set differently. Pure.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/values.yaml
 */
export function chart6290Values(input: ChartValuesInput): Chart6290Values {
  // input.extraEnv is always empty here: chart 6.29.0 runs MinIO bundled, so nothing needs keys from a Secret
  // (resolveLokiReleaseProps refuses the MinIO release with this chart), and input.gatewayAuth is never set (it refuses
  // several tenants with this chart: its gateway does not isolate them).
  if (input.gatewayAuth !== undefined) throw new Error("chart 6.29.0's gateway does not isolate tenants: resolveLokiReleaseProps refuses them");
  return {
    // The chart passes the canary -tenant-id of monitoring.selfMonitoring.tenant with auth on; this later flag wins.
    lokiCanary: {
      extraArgs: input.authEnabled ? [`-tenant-id=${input.tenant}`] : [],
      ...(input.monitoring.scrapeAnnotations ? { annotations: prometheusScrapeAnnotations(CANARY_HTTP_PORT, METRICS_PATH) } : {}),
    },
    monitoring: chart6290MonitoringValues(input.monitoring),
    ...(input.networkPolicies ? { networkPolicy: { metrics: { cidrs: [NO_SOURCE_CIDR] } } } : {}),
  };
}
