import { check, checkDnsLabel, checkHttpUrl, checkDuration } from "../core/validation";
import { GRAFANA_DATASOURCE_LABEL } from "../grafana/loki-datasource";
import { checkPrometheusRuleGroups, PrometheusRuleGroup } from "./promql";

/**
 * The standalone `prometheus` chart (prometheus-community/prometheus), as in the reference deployment:
 * Prometheus with its Alertmanager subchart, no Prometheus Operator.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/prometheus
 */
export interface StandalonePrometheusStack {
  readonly kind: "prometheus";
  /** Helm release name of the chart. @default "prometheus" */
  readonly releaseName?: string;
  /** Namespace of the release. @default "prometheus" */
  readonly namespace?: string;
}

/**
 * kube-prometheus-stack (prometheus-community/kube-prometheus-stack): the Prometheus Operator, Prometheus,
 * Alertmanager and Grafana with its sidecars.
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/kube-prometheus-stack
 */
export interface KubePrometheusStack {
  readonly kind: "kube-prometheus-stack";
  /** Helm release name of the chart; Prometheus selects monitors and rules by `release: <releaseName>`. */
  readonly releaseName: string;
  /** Namespace of the release, where Grafana and its sidecar run. */
  readonly namespace: string;
}

/** The monitoring stack Loki and Fluent Bit plug into. */
export type MonitoringStack = StandalonePrometheusStack | KubePrometheusStack;

/** Monitoring of the log platform itself. */
export interface MonitoringSettings {
  /** The monitoring stack. @default { kind: "prometheus", releaseName: "prometheus", namespace: "prometheus" } (the reference deployment) */
  readonly stack?: MonitoringStack;
  /**
   * Create the objects that need the Prometheus Operator's CRDs: ServiceMonitor, PodMonitor, PrometheusRule.
   * @default true with kube-prometheus-stack, false with the standalone prometheus chart (it has no operator)
   */
  readonly operatorObjects?: boolean;
  /** Deliver the Loki and Fluent Bit dashboards as ConfigMaps for Grafana's sidecar. @default true, false with `grafana.enabled: false` */
  readonly dashboards?: boolean;
  /** How often Prometheus scrapes Loki and Fluent Bit; at most a quarter of the rules' 1m rate window. @default "15s" */
  readonly scrapeInterval?: string;
  /** Your own Prometheus rules about the platform, in the same typed form as the built-in ones. @default [] */
  readonly ruleGroups?: readonly PrometheusRuleGroup[];
}

/** The reference deployment's monitoring stack. */
export const DEFAULT_MONITORING_STACK: Required<StandalonePrometheusStack> = { kind: "prometheus", releaseName: "prometheus", namespace: "prometheus" };
/** Alertmanager's port in both charts. */
export const ALERTMANAGER_PORT = 9093;
/** The Grafana chart's sidecar label for dashboard ConfigMaps (`sidecar.dashboards.label` / `labelValue`). */
export const GRAFANA_DASHBOARD_LABEL: Readonly<Record<string, string>> = { grafana_dashboard: "1" };
/** Where Grafana's sidecar looks, when Grafana is not part of the stack (the reference deployment). */
export const DEFAULT_GRAFANA_NAMESPACE = "monitoring";
/** The kube-prometheus-stack chart's name, from which its `fullname` is built. */
const KPS_CHART_NAME = "kube-prometheus-stack";
/** kube-prometheus-stack cuts its fullname to 26 characters, so that the longest suffix still fits in 63. */
const KPS_FULLNAME_MAX = 26;

/** Everything derived once from the monitoring stack. */
export interface ResolvedMonitoring {
  readonly stack: Required<StandalonePrometheusStack> | KubePrometheusStack;
  /** The Alertmanager the ruler sends to: the stack's own, unless `alertmanagerUrl` is set. */
  readonly alertmanagerUrl: string;
  /** Labels that make Prometheus pick up ServiceMonitors, PodMonitors and PrometheusRules. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
  /** Whether ServiceMonitor, PodMonitor and PrometheusRule objects are created. */
  readonly operatorObjects: boolean;
  readonly grafana: {
    /** Namespace Grafana's sidecar watches: the stack's, unless `grafana.namespace` is set. */
    readonly namespace: string;
    readonly dashboardLabels: Readonly<Record<string, string>>;
    readonly datasourceLabels: Readonly<Record<string, string>>;
  };
  readonly dashboards: boolean;
  readonly scrapeInterval: string;
  readonly ruleGroups: readonly PrometheusRuleGroup[];
}

/**
 * The kube-prometheus-stack `kube-prometheus-stack.fullname` helper: the release name when it contains the chart name,
 * otherwise `<release>-kube-prometheus-stack`, cut to 26 characters without a trailing "-".
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/kube-prometheus-stack/templates/_helpers.tpl
 */
export function kubePrometheusStackFullname(releaseName: string): string {
  const full = releaseName.includes(KPS_CHART_NAME) ? releaseName : `${releaseName}-${KPS_CHART_NAME}`;
  return full.slice(0, KPS_FULLNAME_MAX).replace(/-+$/, "");
}

/**
 * The standalone chart's Alertmanager Service: the `alertmanager` subchart's fullname, which is the release name
 * when it contains "alertmanager", otherwise `<release>-alertmanager`.
 * @see https://github.com/prometheus-community/helm-charts/blob/main/charts/alertmanager/templates/_helpers.tpl
 */
export function standaloneAlertmanagerService(releaseName: string): string {
  const full = releaseName.includes("alertmanager") ? releaseName : `${releaseName}-alertmanager`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/** The in-cluster URL of the stack's Alertmanager. */
export function stackAlertmanagerUrl(stack: ResolvedMonitoring["stack"]): string {
  const service =
    stack.kind === "prometheus" ? standaloneAlertmanagerService(stack.releaseName) : `${kubePrometheusStackFullname(stack.releaseName)}-alertmanager`;
  return `http://${service}.${stack.namespace}.svc.cluster.local:${ALERTMANAGER_PORT}`;
}

/** Overrides that win over what the stack implies. */
export interface MonitoringOverrides {
  /** The `alertmanagerUrl` prop. */
  readonly alertmanagerUrl?: string;
  /** The `grafana.namespace` prop. */
  readonly grafanaNamespace?: string;
  /** The `grafana.enabled` prop: without Grafana's data source, no dashboards by default either. */
  readonly grafanaEnabled?: boolean;
}

/**
 * Applies the defaults to the monitoring settings, validates them and derives, once, every name the monitoring stack
 * and this platform must agree on. Throws a ConfigError naming the setting.
 */
export function resolveMonitoring(settings: MonitoringSettings | undefined, overrides: MonitoringOverrides = {}): ResolvedMonitoring {
  const props = settings ?? {};
  const given = props.stack ?? DEFAULT_MONITORING_STACK;
  check(
    given?.kind === "prometheus" || given?.kind === "kube-prometheus-stack",
    "monitoring.stack.kind",
    given?.kind,
    '"prometheus" (the standalone chart) or "kube-prometheus-stack"'
  );
  let stack: ResolvedMonitoring["stack"];
  if (given.kind === "prometheus") {
    stack = {
      kind: "prometheus",
      releaseName: given.releaseName ?? DEFAULT_MONITORING_STACK.releaseName,
      namespace: given.namespace ?? DEFAULT_MONITORING_STACK.namespace,
    };
  } else {
    stack = { kind: "kube-prometheus-stack", releaseName: given.releaseName, namespace: given.namespace };
  }
  // Helm limits release names to 53 characters.
  checkDnsLabel("monitoring.stack.releaseName", stack.releaseName, 53);
  checkDnsLabel("monitoring.stack.namespace", stack.namespace);

  const kps = stack.kind === "kube-prometheus-stack";
  const operatorObjects = props.operatorObjects ?? kps;
  check(typeof operatorObjects === "boolean", "monitoring.operatorObjects", operatorObjects, "true or false");
  // The chart writes its dashboard ConfigMaps into Grafana's namespace: without Grafana it may not exist.
  const dashboards = props.dashboards ?? overrides.grafanaEnabled ?? true;
  check(typeof dashboards === "boolean", "monitoring.dashboards", dashboards, "true or false");

  const scrapeInterval = props.scrapeInterval ?? "15s";
  const intervalMs = checkDuration("monitoring.scrapeInterval", scrapeInterval);
  check(
    intervalMs <= 15_000 && intervalMs >= 1000,
    "monitoring.scrapeInterval",
    scrapeInterval,
    'a duration from "1s" to "15s"',
    "the alert and recording rules take rates over 1m, which needs at least four samples"
  );

  const ruleGroups = props.ruleGroups ?? [];
  checkPrometheusRuleGroups("monitoring.ruleGroups", ruleGroups);

  const alertmanagerUrl = overrides.alertmanagerUrl ?? stackAlertmanagerUrl(stack);
  checkHttpUrl("alertmanagerUrl", alertmanagerUrl);
  // kube-prometheus-stack's Grafana sidecar watches Grafana's own namespace, the release's.
  const grafanaNamespace = overrides.grafanaNamespace ?? (kps ? stack.namespace : DEFAULT_GRAFANA_NAMESPACE);
  checkDnsLabel("grafana.namespace", grafanaNamespace);

  return {
    stack,
    alertmanagerUrl,
    // kube-prometheus-stack's Prometheus selects monitors and rules by its release label
    // (serviceMonitorSelectorNilUsesHelmValues and friends, all true by default). The standalone chart selects nothing.
    prometheusSelectorLabels: kps ? { release: stack.releaseName } : {},
    operatorObjects,
    grafana: { namespace: grafanaNamespace, dashboardLabels: GRAFANA_DASHBOARD_LABEL, datasourceLabels: GRAFANA_DATASOURCE_LABEL },
    dashboards,
    scrapeInterval,
    ruleGroups,
  };
}
