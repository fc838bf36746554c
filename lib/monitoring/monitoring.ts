import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { fluentBitDashboard, GrafanaDashboard } from "./dashboards";
import { platformRuleGroups } from "./platform-rules";
import { PlatformMonitoringProps, resolvePlatformMonitoringProps, ResolvedPlatformMonitoringProps } from "./props";
import { isPrometheusAlertingRule, PrometheusRule, PrometheusRuleGroup } from "./promql";

/** The Prometheus Operator's API group and version. */
export const PROMETHEUS_OPERATOR_API_VERSION = "monitoring.coreos.com/v1";
/** Key of the Fluent Bit dashboard in its ConfigMap; the sidecar writes it to Grafana's dashboards folder. */
export const FLUENT_BIT_DASHBOARD_FILE = "fluent-bit.json";

/** A Kubernetes object for the Prometheus Operator, as typed data. */
export interface OperatorObject {
  readonly apiVersion: typeof PROMETHEUS_OPERATOR_API_VERSION;
  readonly kind: "PodMonitor" | "PrometheusRule";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> };
  readonly spec: Readonly<Record<string, unknown>>;
}

/**
 * Text as a Terraform string literal inside an expression. cdktf's rawString escapes quotes, newlines and `${`, but
 * not backslashes or `%{`, which Terraform would read as an escape or a template directive.
 */
function terraformLiteral(text: string): string {
  return Fn.rawString(text.replace(/\\/g, "\\\\").replace(/%\{/g, "%%{"));
}

/**
 * A `kubernetes_manifest` whose object is written once as YAML and read back by Terraform's `yamldecode`:
 * `manifest = "${yamldecode("<the YAML>")}"`. Written inline as an object, a list inside it comes out of
 * `cdktf synth --hcl` as a map keyed "0", "1", ... (hashicorp/terraform-cdk#3717), a PodMonitor Kubernetes refuses;
 * one expression is written alike in Terraform JSON and HCL.
 */
function operatorManifest(scope: Construct, id: string, object: OperatorObject, dependsOn: readonly ITerraformDependable[]): Manifest {
  return new Manifest(scope, id, {
    manifest: Token.asAny(Fn.yamldecode(terraformLiteral(stringify(object)))),
    dependsOn: dependsOn.length > 0 ? [...dependsOn] : undefined,
  });
}

/** One rule as a PrometheusRule lists it: unset fields left out. */
function ruleObject(rule: PrometheusRule): Record<string, unknown> {
  if (isPrometheusAlertingRule(rule)) {
    return { alert: rule.alert, expr: rule.expr, for: rule.for, labels: { ...rule.labels }, annotations: { ...rule.annotations } };
  }
  return { record: rule.record, expr: rule.expr, ...(rule.labels && Object.keys(rule.labels).length > 0 ? { labels: { ...rule.labels } } : {}) };
}

/** A PrometheusRule's `spec.groups` from typed groups. */
export function prometheusRuleSpecGroups(groups: readonly PrometheusRuleGroup[]): Record<string, unknown>[] {
  return groups.map((g) => ({ name: g.name, ...(g.interval !== undefined ? { interval: g.interval } : {}), rules: g.rules.map(ruleObject) }));
}

/**
 * The platform's monitoring objects beside the Loki chart's own (its `monitoring.*` values, which the stack derives
 * from the same setting):
 * - with the Prometheus Operator (`monitoring.operatorObjects`): a PodMonitor for the Fluent Bit agents, selecting
 *   exactly the labels the DaemonSet puts on its pods, and one PrometheusRule with the platform's recording and
 *   alerting rules plus the user's (`monitoring.ruleGroups`), both labelled for the stack's Prometheus;
 * - with dashboards: the Fluent Bit dashboard as a ConfigMap for Grafana's sidecar, in the namespace it watches.
 * It validates its own props (resolvePlatformMonitoringProps).
 */
export class PlatformMonitoring extends Construct {
  /** The Fluent Bit PodMonitor, with operator objects and Fluent Bit. */
  public readonly podMonitor?: Manifest;
  /** The PodMonitor's object, as the manifest carries it. */
  public readonly podMonitorObject?: OperatorObject;
  /** The platform's PrometheusRule, with operator objects. */
  public readonly prometheusRule?: Manifest;
  /** The PrometheusRule's object, as the manifest carries it. */
  public readonly prometheusRuleObject?: OperatorObject;
  /** The Fluent Bit dashboard ConfigMap, with dashboards and Fluent Bit. */
  public readonly fluentBitDashboardConfigMap?: ConfigMapV1;
  /** Every rule group the PrometheusRule carries: the platform's, then the user's. */
  public readonly ruleGroups: readonly PrometheusRuleGroup[];
  /** The Fluent Bit dashboard, when delivered. */
  public readonly fluentBitDashboard?: GrafanaDashboard;
  /** The props with every default applied. */
  public readonly settings: ResolvedPlatformMonitoringProps;

  constructor(scope: Construct, id: string, props: PlatformMonitoringProps) {
    super(scope, id);
    const monitoring = resolvePlatformMonitoringProps(props);
    this.settings = monitoring;
    const { loki, fluentBit } = monitoring;
    const managed = { "app.kubernetes.io/part-of": "loki", "app.kubernetes.io/managed-by": "cdktf" };
    const forPrometheus = { ...monitoring.prometheusSelectorLabels, ...managed };
    this.ruleGroups = [
      // Without agents there are no Fluent Bit series to record or alert on.
      ...platformRuleGroups({ lokiNamespace: loki.namespace, fluentBitNamespace: fluentBit?.namespace }),
      ...monitoring.ruleGroups,
    ];

    if (monitoring.operatorObjects) {
      if (fluentBit) {
        this.podMonitorObject = {
          apiVersion: PROMETHEUS_OPERATOR_API_VERSION,
          kind: "PodMonitor",
          metadata: { name: "fluent-bit", namespace: fluentBit.namespace, labels: forPrometheus },
          spec: {
            selector: { matchLabels: { ...fluentBit.podSelectorLabels } },
            namespaceSelector: { matchNames: [fluentBit.namespace] },
            podMetricsEndpoints: [
              {
                port: fluentBit.metricsPortName,
                path: fluentBit.metricsPath,
                interval: monitoring.scrapeInterval,
                // The node's name on every series, so alerts and the dashboard say which node's logs are at risk.
                relabelings: [{ action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" }],
              },
            ],
          },
        };
        this.podMonitor = operatorManifest(this, "FluentBitPodMonitor", this.podMonitorObject, monitoring.fluentBitDependsOn);
      }
      this.prometheusRuleObject = {
        apiVersion: PROMETHEUS_OPERATOR_API_VERSION,
        kind: "PrometheusRule",
        metadata: { name: `${loki.fullname}-platform`, namespace: loki.namespace, labels: forPrometheus },
        spec: { groups: prometheusRuleSpecGroups(this.ruleGroups) },
      };
      this.prometheusRule = operatorManifest(this, "PrometheusRule", this.prometheusRuleObject, monitoring.lokiDependsOn);
    }

    if (monitoring.dashboards && fluentBit) {
      this.fluentBitDashboard = fluentBitDashboard(fluentBit.namespace);
      this.fluentBitDashboardConfigMap = new ConfigMapV1(this, "FluentBitDashboard", {
        metadata: {
          name: `${loki.fullname}-fluent-bit-dashboard`,
          namespace: monitoring.grafanaNamespace,
          labels: { ...monitoring.dashboardLabels, ...managed, "app.kubernetes.io/component": "grafana-dashboard" },
        },
        data: { [FLUENT_BIT_DASHBOARD_FILE]: JSON.stringify(this.fluentBitDashboard) },
      });
    }
  }
}
