import type { ResolvedMonitoring } from "./stack";

/**
 * The chart's (deprecated but still rendered) `monitoring` section, as this stack sets it in chart 6.29.0.
 * What each switch renders:
 * - `serviceMonitor`: one ServiceMonitor `<fullname>` in the release namespace, selecting every Service with the
 *   chart's selector labels (`app.kubernetes.io/name: loki`, `app.kubernetes.io/instance: <release>`) except those
 *   labelled `prometheus.io/service-monitor: "false"` (the headless duplicates), port `http-metrics`, path `/metrics`.
 *   That covers every Loki component, the canary and the memcached exporters. Its `labels` are added to the chart's.
 * - `serviceMonitor.metricsInstance`: a Grafana Agent `MetricsInstance` (monitoring.grafana.com), a CRD most clusters
 *   lack; always off.
 * - `rules`: PrometheusRules with the Loki mixin's recording rules (which the chart's dashboards read) and, with
 *   `alerting`, the mixin's alerts; `labels` are added to the chart's.
 * - `dashboards`: two ConfigMaps with the Loki mixin's dashboards, in `namespace`, carrying `labels`.
 * - `selfMonitoring`: a Grafana Agent, LogsInstance and PodLogs (Grafana Agent Operator CRDs); always off.
 * @see https://github.com/grafana/loki/tree/helm-loki-6.29.0/production/helm/loki/templates/monitoring
 */
export interface LokiMonitoringValues {
  readonly serviceMonitor: {
    readonly enabled: boolean;
    readonly labels: Readonly<Record<string, string>>;
    readonly interval: string;
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
 * The chart's `monitoring` values from the resolved monitoring stack: ServiceMonitor and rules only where the
 * Prometheus Operator's CRDs exist, labelled for the stack's Prometheus; dashboards labelled for Grafana's sidecar,
 * in the namespace it watches. Pure.
 */
export function lokiMonitoringValues(monitoring: ResolvedMonitoring): LokiMonitoringValues {
  return {
    serviceMonitor: {
      enabled: monitoring.operatorObjects,
      labels: monitoring.prometheusSelectorLabels,
      interval: monitoring.scrapeInterval,
      metricsInstance: { enabled: false },
    },
    rules: { enabled: monitoring.operatorObjects, alerting: monitoring.operatorObjects, labels: monitoring.prometheusSelectorLabels },
    dashboards: { enabled: monitoring.dashboards, namespace: monitoring.grafana.namespace, labels: monitoring.grafana.dashboardLabels },
    selfMonitoring: { enabled: false, grafanaAgent: { installOperator: false } },
  };
}
