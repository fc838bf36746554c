import { isPlainObject } from "../core/deep-merge";
import { check, checkDnsLabel, checkDuration } from "../core/validation";

/**
 * How the release plugs into a monitoring stack, as the chart's `monitoring` switches see it: plain data the stack
 * derives from its `monitoring` setting, so the release knows the chart's keys and nothing about the stack itself.
 */
export interface LokiMonitoringProps {
  /** The chart's ServiceMonitor and PrometheusRules; they need the Prometheus Operator's CRDs. @default false */
  readonly operatorObjects?: boolean;
  /** Labels the stack's Prometheus selects ServiceMonitors and rules by, such as `{ release: "kps" }`. @default {} */
  readonly prometheusLabels?: Readonly<Record<string, string>>;
  /** How often Prometheus scrapes Loki. @default the chart's (15s) */
  readonly scrapeInterval?: string;
  /** The chart's Loki dashboards, as ConfigMaps for Grafana's sidecar. @default false */
  readonly dashboards?: boolean;
  /** Namespace Grafana's sidecar watches for dashboards. @default the release's namespace (the chart's) */
  readonly dashboardNamespace?: string;
  /** Labels Grafana's sidecar selects dashboards by. @default {}: the chart's own (`grafana_dashboard: "1"`) */
  readonly dashboardLabels?: Readonly<Record<string, string>>;
}

/** The monitoring props with every default applied, validated. */
export interface ResolvedLokiMonitoring {
  readonly operatorObjects: boolean;
  readonly prometheusLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval?: string;
  readonly dashboards: boolean;
  readonly dashboardNamespace: string;
  readonly dashboardLabels: Readonly<Record<string, string>>;
}

/**
 * The chart's (deprecated but still rendered) `monitoring` section, as this stack sets it in chart 6.29.0.
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
export interface LokiMonitoringValues {
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

/** Checks a map of Kubernetes labels. */
function checkLabelMap(setting: string, labels: unknown): void {
  check(
    isPlainObject(labels) && Object.values(labels).every((v) => typeof v === "string"),
    setting,
    labels,
    'a map of Kubernetes labels, such as { release: "kps" }',
  );
}

/**
 * Applies the defaults to the monitoring props and validates them.
 * @param prefix prepended to setting names in messages
 * @param releaseNamespace the release's namespace, where the chart puts the dashboards by default
 */
export function resolveLokiMonitoring(props: LokiMonitoringProps | undefined, prefix: string, releaseNamespace: string): ResolvedLokiMonitoring {
  const p = props ?? {};
  const resolved: ResolvedLokiMonitoring = {
    operatorObjects: p.operatorObjects ?? false,
    prometheusLabels: p.prometheusLabels ?? {},
    scrapeInterval: p.scrapeInterval,
    dashboards: p.dashboards ?? false,
    dashboardNamespace: p.dashboardNamespace ?? releaseNamespace,
    dashboardLabels: p.dashboardLabels ?? {},
  };
  check(typeof resolved.operatorObjects === "boolean", `${prefix}operatorObjects`, resolved.operatorObjects, "true or false");
  checkLabelMap(`${prefix}prometheusLabels`, resolved.prometheusLabels);
  if (resolved.scrapeInterval !== undefined) checkDuration(`${prefix}scrapeInterval`, resolved.scrapeInterval);
  check(typeof resolved.dashboards === "boolean", `${prefix}dashboards`, resolved.dashboards, "true or false");
  checkDnsLabel(`${prefix}dashboardNamespace`, resolved.dashboardNamespace);
  checkLabelMap(`${prefix}dashboardLabels`, resolved.dashboardLabels);
  return resolved;
}

/**
 * The chart's `monitoring` values: ServiceMonitor and rules only where the Prometheus Operator's CRDs exist, labelled
 * for the stack's Prometheus; dashboards labelled for Grafana's sidecar, in the namespace it watches. Pure.
 */
export function lokiMonitoringValues(monitoring: ResolvedLokiMonitoring): LokiMonitoringValues {
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
