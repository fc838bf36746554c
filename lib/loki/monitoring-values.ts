import { isPlainObject } from "../core/deep-merge";
import { check, checkDnsLabel, checkDuration } from "../core/validation";

/**
 * How the release plugs into a monitoring stack, as the chart's `monitoring` switches see it: plain data the stack
 * derives from its `monitoring` setting, so the release knows the chart's keys and nothing about the stack itself.
 * Each chart version maps it onto its own `monitoring` section (lib/loki/charts/values-<version>.ts).
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
  /**
   * Annotate every pod that serves metrics (each Loki component, the canary, the memcached exporters) with
   * `prometheus.io/scrape`, `port` and `path`: the standalone prometheus chart's `kubernetes-pods` job scrapes them.
   * @default false
   */
  readonly scrapeAnnotations?: boolean;
}

/** The monitoring props with every default applied, validated. */
export interface ResolvedLokiMonitoring {
  readonly operatorObjects: boolean;
  readonly prometheusLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval?: string;
  readonly dashboards: boolean;
  readonly dashboardNamespace: string;
  readonly dashboardLabels: Readonly<Record<string, string>>;
  readonly scrapeAnnotations: boolean;
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
    scrapeAnnotations: p.scrapeAnnotations ?? false,
  };
  check(typeof resolved.operatorObjects === "boolean", `${prefix}operatorObjects`, resolved.operatorObjects, "true or false");
  checkLabelMap(`${prefix}prometheusLabels`, resolved.prometheusLabels);
  if (resolved.scrapeInterval !== undefined) checkDuration(`${prefix}scrapeInterval`, resolved.scrapeInterval);
  check(typeof resolved.dashboards === "boolean", `${prefix}dashboards`, resolved.dashboards, "true or false");
  checkDnsLabel(`${prefix}dashboardNamespace`, resolved.dashboardNamespace);
  checkLabelMap(`${prefix}dashboardLabels`, resolved.dashboardLabels);
  check(typeof resolved.scrapeAnnotations === "boolean", `${prefix}scrapeAnnotations`, resolved.scrapeAnnotations, "true or false");
  return resolved;
}
