import type { ITerraformDependable } from "cdktf";
import { check, checkDnsLabel, checkDuration } from "../core/validation";
import { checkPrometheusRuleGroups, PrometheusRuleGroup } from "./promql";
import { DASHBOARD_COMPONENTS, DashboardComponent } from "./dashboards";
import {
  GRAFANA_DASHBOARD_LABEL,
  LokiDiscovery,
  MonitoringStack,
  resolveMonitoringStack,
  ResolvedMonitoringStack,
  stackGrafanaNamespace,
  stackLokiDiscovery,
  stackPrometheusSelectorLabels,
} from "./stack";

/** Monitoring of the log platform itself, as the stack's `monitoring` setting carries it. */
export interface MonitoringOptions {
  /** The monitoring stack. @default { kind: "prometheus", releaseName: "prometheus", namespace: "prometheus" } (the reference deployment) */
  readonly stack?: MonitoringStack;
  /**
   * Create the objects that need the Prometheus Operator's CRDs: ServiceMonitor, PodMonitor, PrometheusRule.
   * @default true with kube-prometheus-stack, false with the standalone prometheus chart (it has no operator)
   */
  readonly operatorObjects?: boolean;
  /**
   * Deliver the Loki and Fluent Bit dashboards as ConfigMaps for Grafana's sidecar: the Loki chart's own with
   * kube-prometheus-stack (they select its ServiceMonitor's labels), the platform's Loki dashboard with the standalone
   * chart (it selects what that chart's pod job produces). @default true
   */
  readonly dashboards?: boolean;
  /**
   * How often the ServiceMonitor and the PodMonitor scrape Loki and Fluent Bit; at most a quarter of the rules' 1m
   * rate window. The standalone chart's jobs scrape at its release's `server.global.scrape_interval` instead.
   * @default "15s"
   */
  readonly scrapeInterval?: string;
  /** Your own Prometheus rules about the platform, in the same typed form as the built-in ones. @default [] */
  readonly ruleGroups?: readonly PrometheusRuleGroup[];
}

/** The Loki release the rules watch: plain data from the stack, derived from the release's names. */
export interface MonitoredLoki {
  /** Namespace of the release: the rules read it, and the PrometheusRule lives there. */
  readonly namespace: string;
  /** The release's `loki.fullname`: the monitoring objects' names derive from it. */
  readonly fullname: string;
  /** The value of each component's `app.kubernetes.io/component` pod label, as the chart sets it: the Loki dashboard selects by it. */
  readonly components: Readonly<Record<DashboardComponent, string>>;
}

/** The Fluent Bit agents the PodMonitor scrapes: plain data from the stack. */
export interface MonitoredFluentBit {
  /** Namespace of the agents. */
  readonly namespace: string;
  /** The labels the DaemonSet's pods carry and its selector matches. */
  readonly podSelectorLabels: Readonly<Record<string, string>>;
  /** Name of the container port that serves metrics. */
  readonly metricsPortName: string;
  /** Path of the Prometheus metrics. */
  readonly metricsPath: string;
}

/** Properties of the platform monitoring. */
export interface PlatformMonitoringProps extends MonitoringOptions {
  /** Namespace Grafana's sidecar watches for dashboards. @default the stack's: kube-prometheus-stack's namespace, else "monitoring" */
  readonly grafanaNamespace?: string;
  /** The Loki release. */
  readonly loki: MonitoredLoki;
  /** The Fluent Bit agents, when deployed. @default none: no PodMonitor, no Fluent Bit dashboard, no Fluent Bit rules */
  readonly fluentBit?: MonitoredFluentBit;
  /** What the PrometheusRule waits for, such as the Loki release (and so Loki's namespace). @default none */
  readonly lokiDependsOn?: readonly ITerraformDependable[];
  /** What the PodMonitor waits for, such as the DaemonSet (and so its namespace). @default none */
  readonly fluentBitDependsOn?: readonly ITerraformDependable[];
}

/** The platform monitoring's props with every default applied, validated, and the stack's names derived once. */
export interface ResolvedPlatformMonitoringProps {
  readonly stack: ResolvedMonitoringStack;
  /**
   * How the stack's Prometheus finds Loki's metrics: the chart's ServiceMonitor (kube-prometheus-stack, with the chart's
   * mixin dashboards), or the pods' `prometheus.io/*` annotations (the standalone chart, with the platform's Loki dashboard).
   */
  readonly lokiDiscovery: LokiDiscovery;
  /** Labels that make Prometheus pick up ServiceMonitors, PodMonitors and PrometheusRules. */
  readonly prometheusSelectorLabels: Readonly<Record<string, string>>;
  /** Whether ServiceMonitor, PodMonitor and PrometheusRule objects are created. */
  readonly operatorObjects: boolean;
  readonly dashboards: boolean;
  /** Namespace Grafana's sidecar watches for dashboards. */
  readonly grafanaNamespace: string;
  /** Labels Grafana's sidecar selects dashboard ConfigMaps by. */
  readonly dashboardLabels: Readonly<Record<string, string>>;
  readonly scrapeInterval: string;
  readonly ruleGroups: readonly PrometheusRuleGroup[];
  readonly loki: MonitoredLoki;
  readonly fluentBit?: MonitoredFluentBit;
  readonly lokiDependsOn: readonly ITerraformDependable[];
  readonly fluentBitDependsOn: readonly ITerraformDependable[];
}

/** The rules take rates over 1m: the longest scrape interval that still gives four samples per window. */
const MAX_SCRAPE_INTERVAL_MS = 15_000;

/**
 * Applies the defaults to the monitoring props, validates them and derives, once, every name the monitoring stack
 * and this platform must agree on. Throws a ConfigError naming the setting.
 * @param prefix prepended to setting names in messages, such as "monitoring."
 */
export function resolvePlatformMonitoringProps(props: PlatformMonitoringProps, prefix = ""): ResolvedPlatformMonitoringProps {
  const stack = resolveMonitoringStack(props.stack, prefix);

  const operatorObjects = props.operatorObjects ?? stack.kind === "kube-prometheus-stack";
  check(typeof operatorObjects === "boolean", `${prefix}operatorObjects`, operatorObjects, "true or false");
  const dashboards = props.dashboards ?? true;
  check(typeof dashboards === "boolean", `${prefix}dashboards`, dashboards, "true or false");

  const scrapeInterval = props.scrapeInterval ?? "15s";
  const intervalMs = checkDuration(`${prefix}scrapeInterval`, scrapeInterval);
  check(
    intervalMs <= MAX_SCRAPE_INTERVAL_MS && intervalMs >= 1000,
    `${prefix}scrapeInterval`,
    scrapeInterval,
    'a duration from "1s" to "15s"',
    "the alert and recording rules take rates over 1m, which needs at least four samples",
  );

  const ruleGroups = props.ruleGroups ?? [];
  checkPrometheusRuleGroups(`${prefix}ruleGroups`, ruleGroups);

  const grafanaNamespace = props.grafanaNamespace ?? stackGrafanaNamespace(stack);
  checkDnsLabel(`${prefix}grafanaNamespace`, grafanaNamespace);

  const { loki, fluentBit } = props;
  checkDnsLabel(`${prefix}loki.namespace`, loki?.namespace);
  check(typeof loki.fullname === "string" && loki.fullname !== "", `${prefix}loki.fullname`, loki.fullname, "the Loki release's fullname");
  // Each is a pod label value the dashboard matches exactly, and joins into one regular expression: a DNS label has no metacharacter.
  for (const component of DASHBOARD_COMPONENTS) checkDnsLabel(`${prefix}loki.components.${component}`, loki.components?.[component] as string);
  if (fluentBit !== undefined) {
    checkDnsLabel(`${prefix}fluentBit.namespace`, fluentBit.namespace);
    check(
      Object.keys(fluentBit.podSelectorLabels ?? {}).length > 0,
      `${prefix}fluentBit.podSelectorLabels`,
      fluentBit.podSelectorLabels,
      "the labels the DaemonSet selects its pods by",
      "an empty selector would scrape every pod of the namespace",
    );
    check(typeof fluentBit.metricsPath === "string" && fluentBit.metricsPath.startsWith("/"), `${prefix}fluentBit.metricsPath`, fluentBit.metricsPath, "an absolute URL path");
  }

  return {
    stack,
    lokiDiscovery: stackLokiDiscovery(stack),
    prometheusSelectorLabels: stackPrometheusSelectorLabels(stack),
    operatorObjects,
    dashboards,
    grafanaNamespace,
    dashboardLabels: GRAFANA_DASHBOARD_LABEL,
    scrapeInterval,
    ruleGroups,
    loki,
    fluentBit,
    lokiDependsOn: props.lokiDependsOn ?? [],
    fluentBitDependsOn: props.fluentBitDependsOn ?? [],
  };
}
