import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Fn, ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { stringify } from "yaml";
import { fluentBitDashboard, GrafanaDashboard, lokiDashboard } from "./dashboards";
import { platformRuleGroups } from "./platform-rules";
import { PlatformMonitoringProps, resolvePlatformMonitoringProps, ResolvedPlatformMonitoringProps } from "./props";
import { PrometheusRuleGroup } from "./promql";
import { PLATFORM_RULE_FILE, prometheusRuleSpecGroups, ruleFileYaml, standaloneHelmUpgrade, standaloneRuleFileValues, StandaloneRuleFileValues } from "./rule-file";

/** The Prometheus Operator's API group and version. */
export const PROMETHEUS_OPERATOR_API_VERSION = "monitoring.coreos.com/v1";
/** Key of the Fluent Bit dashboard in its ConfigMap; the sidecar writes it to Grafana's dashboards folder. */
export const FLUENT_BIT_DASHBOARD_FILE = "fluent-bit.json";
/** Key of the Loki dashboard in its ConfigMap. */
export const LOKI_DASHBOARD_FILE = "loki.json";

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
export function terraformLiteral(text: string): string {
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

/**
 * The platform's monitoring objects beside the Loki chart's own (its `monitoring.*` values, which the stack derives
 * from the same setting):
 * - with the Prometheus Operator (`monitoring.operatorObjects`): a PodMonitor for the Fluent Bit agents, selecting
 *   exactly the labels the DaemonSet puts on its pods, and one PrometheusRule with the platform's recording and
 *   alerting rules plus the user's (`monitoring.ruleGroups`), both labelled for the stack's Prometheus;
 * - with the standalone prometheus chart: the same rule groups as a rule file, in a ConfigMap in Prometheus'
 *   namespace, and the values for the user's Prometheus release that mount and load it (`ruleFileValues`), with the
 *   one command that applies them (`ruleFileHelmUpgrade`);
 * - with dashboards: the Fluent Bit dashboard as a ConfigMap for Grafana's sidecar, in the namespace it watches, and
 *   with the standalone chart the Loki dashboard too (kube-prometheus-stack gets the Loki chart's own, which select
 *   the labels of its ServiceMonitor).
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
  /** Every rule group the PrometheusRule and the rule file carry: the platform's, then the user's. */
  public readonly ruleGroups: readonly PrometheusRuleGroup[];
  /** The rule file's ConfigMap in Prometheus' namespace, with the standalone chart. */
  public readonly ruleFileConfigMap?: ConfigMapV1;
  /** The rule file, as its ConfigMap carries it: the same groups as the PrometheusRule's. */
  public readonly ruleFile?: string;
  /** The values for the user's standalone Prometheus release that mount and load the rule file. */
  public readonly ruleFileValues?: StandaloneRuleFileValues;
  /** The command that applies `ruleFileValues` to the user's release. */
  public readonly ruleFileHelmUpgrade?: string;
  /** The Fluent Bit dashboard, when delivered. */
  public readonly fluentBitDashboard?: GrafanaDashboard;
  /** The Loki dashboard ConfigMap, with dashboards and the standalone chart. */
  public readonly lokiDashboardConfigMap?: ConfigMapV1;
  /** The Loki dashboard, when delivered. */
  public readonly lokiDashboard?: GrafanaDashboard;
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

    // The standalone chart has no operator to read a PrometheusRule: the same groups go to Prometheus as a rule file.
    const { stack } = monitoring;
    if (stack.kind === "prometheus") {
      const ruleFileMapName = `${loki.fullname}-platform-rules`;
      this.ruleFile = ruleFileYaml(this.ruleGroups);
      this.ruleFileConfigMap = new ConfigMapV1(this, "PrometheusRuleFile", {
        metadata: { name: ruleFileMapName, namespace: stack.namespace, labels: managed },
        // One Terraform string literal in an expression (alone, cdktf would write it unescaped): a user rule's
        // backslashes, `${` and `%{` reach Prometheus as written, in Terraform JSON and in HCL alike.
        data: { [PLATFORM_RULE_FILE]: Fn.tostring(terraformLiteral(this.ruleFile)) },
      });
      this.ruleFileValues = standaloneRuleFileValues(ruleFileMapName);
      this.ruleFileHelmUpgrade = standaloneHelmUpgrade(stack);
    }

    const grafanaDashboard = (id: string, name: string, file: string, dashboard: GrafanaDashboard) =>
      new ConfigMapV1(this, id, {
        metadata: {
          name,
          namespace: monitoring.grafanaNamespace,
          labels: { ...monitoring.dashboardLabels, ...managed, "app.kubernetes.io/component": "grafana-dashboard" },
        },
        data: { [file]: JSON.stringify(dashboard) },
      });
    // Loki's own series carry the standalone chart's labels only there; kube-prometheus-stack gets the chart's dashboards.
    if (monitoring.dashboards && monitoring.lokiDiscovery === "pod-annotations") {
      this.lokiDashboard = lokiDashboard({ namespace: loki.namespace, components: loki.components });
      this.lokiDashboardConfigMap = grafanaDashboard("LokiDashboard", `${loki.fullname}-dashboard`, LOKI_DASHBOARD_FILE, this.lokiDashboard);
    }
    if (monitoring.dashboards && fluentBit) {
      this.fluentBitDashboard = fluentBitDashboard(fluentBit.namespace);
      this.fluentBitDashboardConfigMap = grafanaDashboard("FluentBitDashboard", `${loki.fullname}-fluent-bit-dashboard`, FLUENT_BIT_DASHBOARD_FILE, this.fluentBitDashboard);
    }
  }
}
