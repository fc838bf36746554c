import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { LokiStack, LokiStackProps } from "../../lib";
import { FLUENT_BIT_DASHBOARD_FILE } from "../../lib/monitoring/monitoring";
import { findPromQLSyntaxError, PrometheusRuleGroup } from "../../lib/monitoring/promql";
import { Json } from "../support/json";
import { manifestObject, Synthesized, synthStack } from "../support/synth";

const BASE: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };
const KPS: LokiStackProps = { ...BASE, monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } } };
/** Kinds that exist only where the Prometheus Operator's CRDs are installed. */
const OPERATOR_KINDS = ["ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig"];

const synth = (props: LokiStackProps): { json: Synthesized; stack: LokiStack } => synthStack(props);
/** The Loki chart's values (a MinIO stack on chart 18.11.0 has a MinIO release too). */
const values = (json: Json): Json => parse(json.resource.helm_release.loki.values[0]);
const manifests = (json: Synthesized): Json[] => (Object.values(json.resource.kubernetes_manifest ?? {}) as Json[]).map((m) => manifestObject(m));
const manifestOf = (json: Synthesized, kind: string): Json => {
  const found = manifests(json).filter((m) => m.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

/** The leaf key paths of chart 6.29.0 that the monitoring values may set (from the chart's values.yaml). */
const CHART_KEYS = new Set(
  readFileSync(join(__dirname, "..", "fixtures", "chart-6.29.0-monitoring-keys.txt"), "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#")),
);
function leafPaths(value: unknown, path: string[] = []): string[] {
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...path, k]));
  }
  return [path.join(".")];
}


/** A user's own platform rule group, in the typed form. */
const MY_GROUP: PrometheusRuleGroup = {
  name: "mine",
  rules: [
    {
      alert: "LokiPanics",
      expr: 'sum(increase(loki_panic_total{namespace="loki"}[10m])) > 0',
      for: "5m",
      labels: { severity: "critical" },
      annotations: { summary: "Loki panicked", description: "A Loki component panicked; read its log." },
    },
  ],
};

describe("monitoring with kube-prometheus-stack, release kps in monitoring", () => {
  const { json, stack } = synth(KPS);
  const v = values(json);
  const daemonSet = (Object.values(json.resource.kubernetes_daemon_set_v1) as Json[])[0];

  test("given the stack, then the ruler sends to kube-prometheus-stack's Alertmanager Service", () => {
    expect(v.loki.rulerConfig.alertmanager_url).toBe("http://kps-kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093");
  });

  test("given the chart's ServiceMonitor, then it is on, carries release: kps, and no key 18.0 removed is set", () => {
    expect(v.monitoring.serviceMonitor).toEqual({ enabled: true, labels: { release: "kps" }, interval: "15s" });
    expect(v.monitoring).not.toHaveProperty("selfMonitoring");
  });

  test("given the chart's ServiceMonitor, then its selector (the chart's selector labels) still matches Loki's Services: nothing renames them", () => {
    // The chart selects app.kubernetes.io/name: loki (the chart name) and app.kubernetes.io/instance: <release>.
    expect(v.nameOverride).toBeUndefined();
    expect(v.fullnameOverride).toBeUndefined();
    expect(stack.names.releaseName).toBe("loki");
  });

  test("given the chart's recording rules, alerts and dashboards, then the rules and alerts carry release: kps and everything goes to Grafana's namespace with the sidecar label", () => {
    expect(v.monitoring.rules).toEqual({ enabled: true, labels: { release: "kps" } });
    expect(v.monitoring.alerts).toEqual({ enabled: true, labels: { release: "kps" } });
    expect(v.monitoring.namespace).toBe("monitoring");
    expect(v.monitoring.dashboards).toEqual({ enabled: true, labels: { grafana_dashboard: "1" } });
  });

  test("given the Fluent Bit PodMonitor, then it carries release: kps and selects exactly the labels the DaemonSet's pods carry", () => {
    const podMonitor = manifestOf(json, "PodMonitor");
    expect(podMonitor.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(podMonitor.metadata.labels.release).toBe("kps");
    expect(podMonitor.metadata.namespace).toBe("fluent-bit");
    const podLabels = daemonSet.spec.template.metadata.labels;
    const selector = podMonitor.spec.selector.matchLabels;
    expect(Object.keys(selector).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(selector)) expect(podLabels[key]).toBe(value);
    expect(selector).toEqual(daemonSet.spec.selector.match_labels);
    expect(podMonitor.spec.namespaceSelector).toEqual({ matchNames: [stack.fluentBit?.namespace] });
  });

  test("given the Fluent Bit PodMonitor, then it scrapes the container's named port at the v2 metrics path, and names the node", () => {
    const [endpoint] = manifestOf(json, "PodMonitor").spec.podMetricsEndpoints;
    const ports = daemonSet.spec.template.spec.container[0].port;
    expect(ports.map((p: Json) => p.name)).toContain(endpoint.port);
    expect(endpoint.path).toBe(stack.settings.fluentBit!.agent.metricsPath);
    expect(endpoint.path).toBe("/api/v2/metrics/prometheus");
    expect(endpoint.relabelings).toContainEqual({ action: "replace", sourceLabels: ["__meta_kubernetes_pod_node_name"], targetLabel: "node" });
  });

  test("given the PrometheusRule, then it carries release: kps, lives in Loki's namespace, and every expression parses", () => {
    const rule = manifestOf(json, "PrometheusRule");
    expect(rule.metadata).toMatchObject({ namespace: "loki", labels: { release: "kps" } });
    const rules = rule.spec.groups.flatMap((g: Json) => g.rules);
    expect(rules.length).toBeGreaterThan(15);
    for (const r of rules) expect([r.expr, findPromQLSyntaxError(r.expr)]).toEqual([r.expr, undefined]);
    expect(rules.filter((r: Json) => r.alert).every((r: Json) => r.labels.severity && r.annotations.description && r.for)).toBe(true);
  });

  test("given the stack's wiring, then the PrometheusRule waits for the Loki release and the PodMonitor for the DaemonSet", () => {
    const [daemonSetName] = Object.keys(json.resource.kubernetes_daemon_set_v1);
    expect(json.resource.kubernetes_manifest.loki_platform_rules.depends_on).toEqual(["helm_release.loki"]);
    expect(json.resource.kubernetes_manifest.fluent_bit_pod_monitor.depends_on).toEqual([`kubernetes_daemon_set_v1.${daemonSetName}`]);
  });

  test("given the Fluent Bit dashboard, then it is a ConfigMap in Grafana's namespace with the sidecar's label", () => {
    const map = json.resource.kubernetes_config_map_v1.fluent_bit_dashboard;
    expect(map.metadata).toMatchObject({ name: "loki-fluent-bit-dashboard", namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    expect(JSON.parse(map.data[FLUENT_BIT_DASHBOARD_FILE]).panels.length).toBeGreaterThan(0);
  });

  test("given the data source, then it is labelled for Grafana's sidecar in the stack's namespace", () => {
    expect(json.resource.kubernetes_config_map_v1.loki_grafana_datasource.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_datasource: "1" } });
  });

  test("given user rules in the typed form, then they join the platform's PrometheusRule", () => {
    const { json: withMine } = synth({
      ...KPS,
      monitoring: {
        ...KPS.monitoring,
        ruleGroups: [MY_GROUP],
      },
    });
    const groups = manifestOf(withMine, "PrometheusRule").spec.groups;
    expect(groups[groups.length - 1]).toEqual(MY_GROUP);
  });
});

describe("monitoring with the reference stack (the default)", () => {
  const { json } = synth(BASE);
  const v = values(json);

  test("given defaults, then the Alertmanager URL is the reference deployment's", () => {
    expect(v.loki.rulerConfig.alertmanager_url).toBe("http://prometheus-alertmanager.prometheus.svc.cluster.local:9093");
  });

  test("given the standalone prometheus chart (no operator), then nothing needs Prometheus Operator CRDs", () => {
    expect(json.resource.kubernetes_manifest).toBeUndefined();
    expect(v.monitoring.serviceMonitor.enabled).toBe(false);
    expect(v.monitoring.rules.enabled).toBe(false);
    expect(v.monitoring.alerts.enabled).toBe(false);
  });

  test("given the standalone chart, then Fluent Bit stays discoverable by its Service's prometheus.io annotations", () => {
    const service = (Object.values(json.resource.kubernetes_service_v1) as Json[])[0];
    expect(service.metadata.annotations).toMatchObject({ "prometheus.io/scrape": "true", "prometheus.io/path": "/api/v2/metrics/prometheus" });
  });

  test("given defaults, then the dashboards still go to Grafana's sidecar in monitoring", () => {
    expect(v.monitoring.namespace).toBe("monitoring");
    expect(v.monitoring.dashboards).toEqual({ enabled: true, labels: { grafana_dashboard: "1" } });
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.metadata.namespace).toBe("monitoring");
  });
});

describe("monitoring with kube-prometheus-stack on chart 6.29.0", () => {
  const v = values(synth({ ...KPS, chartVersion: "6.29.0" }).json);

  test("given chart 6.29.0, then its own monitoring section: alerts as a switch of the rules, dashboards with their own namespace, no Grafana Agent objects", () => {
    expect(v.monitoring.serviceMonitor).toEqual({ enabled: true, labels: { release: "kps" }, interval: "15s", metricsInstance: { enabled: false } });
    expect(v.monitoring.rules).toEqual({ enabled: true, alerting: true, labels: { release: "kps" } });
    expect(v.monitoring.dashboards).toEqual({ enabled: true, namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    expect(v.monitoring.selfMonitoring.enabled).toBe(false);
  });

  test("given every monitoring value, then its key exists in chart 6.29.0", () => {
    const paths = [...leafPaths(v.monitoring, ["monitoring"]), "gateway.enabled"];
    for (const path of paths) {
      const known = path.split(".").some((_, i, parts) => CHART_KEYS.has(parts.slice(0, i + 1).join(".")));
      expect([path, known]).toEqual([path, true]);
    }
  });
});

describe("monitoring switched off or partial", () => {
  test("given operatorObjects false with kube-prometheus-stack, then no object needs Prometheus Operator CRDs", () => {
    const { json } = synth({ ...KPS, monitoring: { ...KPS.monitoring, operatorObjects: false } });
    const v = values(json);
    expect(json.resource.kubernetes_manifest).toBeUndefined();
    expect(JSON.stringify(json.resource)).not.toMatch(new RegExp(`"kind":"(${OPERATOR_KINDS.join("|")})"`));
    expect(v.monitoring.serviceMonitor.enabled).toBe(false);
    expect(v.monitoring.rules.enabled).toBe(false);
    expect(v.monitoring.alerts.enabled).toBe(false);
  });

  test("given dashboards false, then no dashboard ConfigMap and the chart's dashboards are off", () => {
    const { json } = synth({ ...KPS, monitoring: { ...KPS.monitoring, dashboards: false } });
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard).toBeUndefined();
    expect(values(json).monitoring.dashboards.enabled).toBe(false);
  });

  test("given grafana disabled, then no dashboards by default either (Grafana's namespace may not exist), unless asked for", () => {
    const { json } = synth({ ...BASE, grafana: { enabled: false } });
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard).toBeUndefined();
    expect(values(json).monitoring.dashboards.enabled).toBe(false);
    const { json: asked } = synth({ ...BASE, grafana: { enabled: false }, monitoring: { dashboards: true } });
    expect(values(asked).monitoring.dashboards.enabled).toBe(true);
  });

  test("given Fluent Bit disabled, then no PodMonitor, no Fluent Bit dashboard and no Fluent Bit rules", () => {
    const { json } = synth({ ...KPS, fluentBit: { enabled: false } });
    expect(manifests(json).map((m) => m.kind)).toEqual(["PrometheusRule"]);
    expect(JSON.stringify(manifestOf(json, "PrometheusRule"))).not.toMatch(/fluentbit_/);
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard).toBeUndefined();
  });

  test("given another Loki release and namespace, then the rules read that namespace and the rule object is named after the release", () => {
    const { json } = synth({ ...KPS, releaseName: "logs", namespace: "observability" });
    const rule = manifestOf(json, "PrometheusRule");
    expect(rule.metadata).toMatchObject({ name: "logs-loki-platform", namespace: "observability" });
    expect(JSON.stringify(rule.spec)).toContain('namespace=\\"observability\\"');
  });
});

describe("text Terraform would read as a template", () => {
  test("given the PrometheusRule and the dashboard, then no ${ or %{ appears (Prometheus templates use {{ }})", () => {
    const { json } = synth(KPS);
    expect(JSON.stringify(manifestOf(json, "PrometheusRule"))).not.toMatch(/\$\{|%\{/);
    // The manifests are one yamldecode expression each: nothing in them but that one interpolation.
    for (const manifest of Object.values(json.resource.kubernetes_manifest)) expect((String(manifest.manifest).match(/\$\{/g) ?? []).length).toBe(1);
    expect(JSON.stringify(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data)).not.toMatch(/\$\{|%\{/);
  });

  test("given the dashboard's JSON, then it carries no backslash, which cdktf's HCL writer would drop before a quote", () => {
    const { json } = synth(KPS);
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data[FLUENT_BIT_DASHBOARD_FILE]).not.toContain("\\");
  });
});
