import type { PodPeer } from "../core/kubernetes";
import { check, checkDnsLabel } from "../core/validation";

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
/** A monitoring stack with every default applied. */
export type ResolvedMonitoringStack = Required<StandalonePrometheusStack> | KubePrometheusStack;

/** The reference deployment's monitoring stack. */
export const DEFAULT_MONITORING_STACK: Required<StandalonePrometheusStack> = { kind: "prometheus", releaseName: "prometheus", namespace: "prometheus" };
/** Alertmanager's port in both charts. */
export const ALERTMANAGER_PORT = 9093;
/** The Grafana chart's sidecar label for dashboard ConfigMaps (`sidecar.dashboards.label` / `labelValue`). */
export const GRAFANA_DASHBOARD_LABEL: Readonly<Record<string, string>> = { grafana_dashboard: "1" };
/** Where Grafana's sidecar looks, when Grafana is not part of the stack (the reference deployment). */
export const DEFAULT_GRAFANA_NAMESPACE = "monitoring";
/**
 * The standalone chart version the values the stack prints for it were rendered and checked with (the real-program
 * suite renders them with it, and Prometheus loads the result).
 */
export const STANDALONE_PROMETHEUS_CHART_VERSION = "29.27.0";
/** The standalone chart's Helm repository. */
export const STANDALONE_PROMETHEUS_CHART_REPOSITORY = "https://prometheus-community.github.io/helm-charts";
/** The kube-prometheus-stack chart's name, from which its `fullname` is built. */
const KPS_CHART_NAME = "kube-prometheus-stack";
/** kube-prometheus-stack cuts its fullname to 26 characters, so that the longest suffix still fits in 63. */
const KPS_FULLNAME_MAX = 26;

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
export function stackAlertmanagerUrl(stack: ResolvedMonitoringStack): string {
  const service =
    stack.kind === "prometheus" ? standaloneAlertmanagerService(stack.releaseName) : `${kubePrometheusStackFullname(stack.releaseName)}-alertmanager`;
  return `http://${service}.${stack.namespace}.svc.cluster.local:${ALERTMANAGER_PORT}`;
}

/**
 * The labels that make the stack's Prometheus pick up ServiceMonitors, PodMonitors and PrometheusRules.
 * kube-prometheus-stack's Prometheus selects them by its release label (serviceMonitorSelectorNilUsesHelmValues and
 * friends, all true by default). The standalone chart selects nothing.
 */
export function stackPrometheusSelectorLabels(stack: ResolvedMonitoringStack): Readonly<Record<string, string>> {
  return stack.kind === "kube-prometheus-stack" ? { release: stack.releaseName } : {};
}

/**
 * How the stack's Prometheus finds Loki's metrics, and so which labels Loki's series carry there:
 * - `service-monitor` (kube-prometheus-stack): the Loki chart's ServiceMonitor; its series carry `job`
 *   `<namespace>/<component>` (and `app_instance` in chart 18), which the chart's mixin dashboards and rules select;
 * - `pod-annotations` (the standalone chart): its `kubernetes-pods` job scrapes every pod annotated
 *   `prometheus.io/scrape: "true"`, at the annotated port and path; its series carry `job="kubernetes-pods"`,
 *   `namespace`, `pod`, `node` and every pod label with "." and "/" turned into "_" (`app_kubernetes_io_component`),
 *   which the platform's own Loki dashboard selects.
 */
export type LokiDiscovery = "service-monitor" | "pod-annotations";

/** How the stack's Prometheus finds Loki's metrics. */
export function stackLokiDiscovery(stack: ResolvedMonitoringStack): LokiDiscovery {
  return stack.kind === "kube-prometheus-stack" ? "service-monitor" : "pod-annotations";
}

/**
 * The label a pod label becomes on the series the standalone chart's `kubernetes-pods` job scrapes: its
 * `labelmap` of `__meta_kubernetes_pod_label_(.+)`, whose names Prometheus' Kubernetes discovery writes with every
 * character that is not a letter, digit or "_" turned into "_".
 */
export function podLabelAsSeriesLabel(podLabel: string): string {
  return podLabel.replace(/[^a-zA-Z0-9_]/g, "_");
}

/** The namespace Grafana's sidecar watches: kube-prometheus-stack's Grafana runs in the release's namespace. */
export function stackGrafanaNamespace(stack: ResolvedMonitoringStack): string {
  return stack.kind === "kube-prometheus-stack" ? stack.namespace : DEFAULT_GRAFANA_NAMESPACE;
}

/**
 * Applies the defaults to a monitoring stack and validates it. Throws a ConfigError naming the setting.
 * @param prefix prepended to setting names in messages, such as "monitoring."
 */
export function resolveMonitoringStack(given: MonitoringStack | undefined, prefix = ""): ResolvedMonitoringStack {
  const stack = given ?? DEFAULT_MONITORING_STACK;
  check(
    stack?.kind === "prometheus" || stack?.kind === "kube-prometheus-stack",
    `${prefix}stack.kind`,
    stack?.kind,
    '"prometheus" (the standalone chart) or "kube-prometheus-stack"',
  );
  const resolved: ResolvedMonitoringStack =
    stack.kind === "prometheus"
      ? {
          kind: "prometheus",
          releaseName: stack.releaseName ?? DEFAULT_MONITORING_STACK.releaseName,
          namespace: stack.namespace ?? DEFAULT_MONITORING_STACK.namespace,
        }
      : { kind: "kube-prometheus-stack", releaseName: stack.releaseName, namespace: stack.namespace };
  // Helm limits release names to 53 characters.
  checkDnsLabel(`${prefix}stack.releaseName`, resolved.releaseName, 53);
  checkDnsLabel(`${prefix}stack.namespace`, resolved.namespace);
  return resolved;
}

/**
 * The monitoring stack's Prometheus server pods, by the labels their chart gives them: what a NetworkPolicy admits
 * Prometheus by, never a whole namespace. The standalone chart labels its server `app.kubernetes.io/component: server`;
 * the Prometheus Operator labels the pods of kube-prometheus-stack's Prometheus `prometheus: <fullname>-prometheus`.
 */
export function stackPrometheusPods(stack: ResolvedMonitoringStack): PodPeer {
  const podLabels: Readonly<Record<string, string>> =
    stack.kind === "prometheus"
      ? { "app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": stack.releaseName, "app.kubernetes.io/component": "server" }
      : { "app.kubernetes.io/name": "prometheus", prometheus: `${kubePrometheusStackFullname(stack.releaseName)}-prometheus` };
  return { namespace: stack.namespace, podLabels };
}

/**
 * The monitoring stack's Alertmanager pods, by their labels: where the ruler's NetworkPolicy lets it send alerts. The
 * standalone chart's `alertmanager` subchart labels them with its name and the release; the Prometheus Operator labels
 * kube-prometheus-stack's `alertmanager: <fullname>-alertmanager`.
 */
export function stackAlertmanagerPods(stack: ResolvedMonitoringStack): PodPeer {
  const podLabels: Readonly<Record<string, string>> =
    stack.kind === "prometheus"
      ? { "app.kubernetes.io/name": "alertmanager", "app.kubernetes.io/instance": stack.releaseName }
      : { "app.kubernetes.io/name": "alertmanager", alertmanager: `${kubePrometheusStackFullname(stack.releaseName)}-alertmanager` };
  return { namespace: stack.namespace, podLabels };
}
