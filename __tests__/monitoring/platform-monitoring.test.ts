import { ConfigError } from "../../lib/core/validation";
import { PlatformMonitoring } from "../../lib/monitoring/monitoring";
import { COMPONENT_SUFFIXES } from "../../lib/loki/chart";
import { MonitoredFluentBit, MonitoredLoki, PlatformMonitoringProps, resolvePlatformMonitoringProps } from "../../lib/monitoring/props";
import { manifestObject, synthPart, Synthesized } from "../support/synth";

/** The agents as the stack hands them over: plain data. */
const FLUENT_BIT: MonitoredFluentBit = {
  namespace: "fluent-bit",
  podSelectorLabels: { "app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit" },
  metricsPortName: "http",
  metricsPath: "/api/v2/metrics/prometheus",
};
/** The Loki release as the stack hands it over: its components' pod labels as the chart sets them. */
const LOKI: MonitoredLoki = { namespace: "loki", fullname: "loki", components: COMPONENT_SUFFIXES };
const KPS_PROPS: PlatformMonitoringProps = {
  stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" },
  loki: LOKI,
  fluentBit: FLUENT_BIT,
};

/** Builds the part alone, under the ID the stack gives it, and returns its Terraform JSON. */
function synth(props: PlatformMonitoringProps): Synthesized {
  return JSON.parse(
    synthPart((scope) => {
      new PlatformMonitoring(scope, "Monitoring", props);
    }),
  );
}

describe("PlatformMonitoring on its own, with kube-prometheus-stack", () => {
  const json = synth(KPS_PROPS);

  test("given the part under the stack's ID, then its objects keep their pinned Terraform addresses", () => {
    expect(Object.keys(json.resource.kubernetes_manifest).sort()).toEqual(["fluent_bit_pod_monitor", "loki_platform_rules"]);
    expect(Object.keys(json.resource.kubernetes_config_map_v1)).toEqual(["fluent_bit_dashboard"]);
  });

  test("given the agents' labels as plain data, then the PodMonitor selects exactly those", () => {
    const podMonitor = manifestObject(json.resource.kubernetes_manifest.fluent_bit_pod_monitor);
    expect(podMonitor.spec.selector.matchLabels).toEqual(FLUENT_BIT.podSelectorLabels);
    expect(podMonitor.spec.podMetricsEndpoints[0]).toMatchObject({ port: "http", path: "/api/v2/metrics/prometheus", interval: "15s" });
    expect(podMonitor.metadata.labels.release).toBe("kps");
  });

  test("given no dependencies handed over, then none are written", () => {
    expect(json.resource.kubernetes_manifest.loki_platform_rules.depends_on).toBeUndefined();
  });

  test("given no Grafana namespace, then the dashboard goes to kube-prometheus-stack's namespace", () => {
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.metadata.namespace).toBe("monitoring");
  });
});

describe("PlatformMonitoring with text Terraform would read as escapes or templates", () => {
  // A user rule with a regexp escape, quotes, and text that looks like Terraform interpolation and directives.
  const rule = {
    alert: "LokiPush5xx",
    expr: 'sum(rate(loki_request_duration_seconds_count{route=~"loki_api_v1_push", status_code=~"5\\d\\d"}[5m])) > 0',
    for: "5m",
    labels: { severity: "warning" },
    annotations: { summary: 'Pushes fail with "5xx"', description: "Not ${a.reference} nor %{ if x }; read {{ $labels.pod }}'s log.\nThen retry." },
  } as const;

  test("given such a user rule, then the manifest Terraform decodes carries it unchanged", () => {
    const json = synth({ ...KPS_PROPS, ruleGroups: [{ name: "mine", rules: [rule] }] });
    const groups = manifestObject(json.resource.kubernetes_manifest.loki_platform_rules).spec.groups;
    expect(groups[groups.length - 1]).toEqual({ name: "mine", rules: [rule] });
  });
});

describe("PlatformMonitoring on its own, with the reference stack", () => {
  test("given the standalone chart and no agents, then no object that needs CRDs and no Fluent Bit dashboard, but the rule file and the Loki dashboard", () => {
    const json = synth({ loki: LOKI });
    expect(json.resource?.kubernetes_manifest).toBeUndefined();
    expect(Object.keys(json.resource.kubernetes_config_map_v1).sort()).toEqual(["loki_dashboard", "loki_platform_rule_file"]);
    expect(json.resource.kubernetes_config_map_v1.loki_platform_rule_file.metadata.namespace).toBe("prometheus");
  });
});

describe("PlatformMonitoring props that cannot work", () => {
  test.each<[string, Partial<PlatformMonitoringProps>, string]>([
    ["a Grafana namespace that is not a DNS label", { grafanaNamespace: "Grafana" }, "grafanaNamespace"],
    ["a Loki release without a fullname", { loki: { ...LOKI, fullname: "" } }, "loki.fullname"],
    ["agents without pod labels, which would select every pod", { fluentBit: { ...FLUENT_BIT, podSelectorLabels: {} } }, "fluentBit.podSelectorLabels"],
    ["a metrics path that is not absolute", { fluentBit: { ...FLUENT_BIT, metricsPath: "metrics" } }, "fluentBit.metricsPath"],
    ["a scrape interval longer than 15s", { scrapeInterval: "30s" }, "scrapeInterval"],
  ])("fails on %s", (_name, props, setting) => {
    const run = () => resolvePlatformMonitoringProps({ ...KPS_PROPS, ...props });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(new RegExp(`^${setting.replace(/\./g, "\\.")} must be `));
    expect(() => synth({ ...KPS_PROPS, ...props })).toThrow(ConfigError);
  });
});
