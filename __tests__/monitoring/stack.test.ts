import { ConfigError } from "../../lib/core/validation";
import { GRAFANA_DATASOURCE_LABEL, resolveLokiDatasourceProps } from "../../lib/grafana/loki-datasource";
import { LokiStackProps, MonitoringSettings, resolveLokiStackProps } from "../../lib/loki-stack-props";
import { DEFAULT_ALERTMANAGER_URL } from "../../lib/loki/loki-props";
import { DEFAULT_QUERY_TIMEOUT_SECONDS } from "../../lib/loki/sizing";
import {
  DEFAULT_GRAFANA_NAMESPACE,
  DEFAULT_MONITORING_STACK,
  kubePrometheusStackFullname,
  resolveMonitoringStack,
  stackAlertmanagerUrl,
  standaloneAlertmanagerService,
} from "../../lib/monitoring/stack";
import { queryTarget } from "../support/targets";

/** The reference deployment's Alertmanager, as the reference setup wrote it. */
const REFERENCE_ALERTMANAGER = "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093";
const KPS: MonitoringSettings = { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } };

function settings(props: Partial<LokiStackProps> = {}) {
  return resolveLokiStackProps({ clusterName: "prod-eks", ...props }, "test");
}

function expectConfigError(fn: () => void, setting: string): void {
  expect(fn).toThrow(ConfigError);
  expect(fn).toThrow(new RegExp(`^${setting.replace(/[[\]".]/g, "\\$&")} must be `));
}

describe("the monitoring stack's defaults, with the reference stack (the default)", () => {
  const s = settings();
  const m = s.monitoring;

  test("given defaults, then the Alertmanager URL is the reference one", () => {
    expect(s.lokiResolved.alertmanagerUrl).toBe(REFERENCE_ALERTMANAGER);
    expect(DEFAULT_ALERTMANAGER_URL).toBe(REFERENCE_ALERTMANAGER);
    // The Loki part's own default and the one the reference stack derives are the same URL.
    expect(stackAlertmanagerUrl(DEFAULT_MONITORING_STACK)).toBe(DEFAULT_ALERTMANAGER_URL);
    expect(m.stack).toEqual(DEFAULT_MONITORING_STACK);
  });

  test("given the standalone chart, which runs no operator, then no operator objects and no selector labels", () => {
    expect(m.operatorObjects).toBe(false);
    expect(m.prometheusSelectorLabels).toEqual({});
  });

  test("given defaults, then dashboards and data sources go to Grafana's sidecar in monitoring", () => {
    expect(m.dashboards).toBe(true);
    expect(m.grafanaNamespace).toBe("monitoring");
    expect(m.dashboardLabels).toEqual({ grafana_dashboard: "1" });
    expect(GRAFANA_DATASOURCE_LABEL).toEqual({ grafana_datasource: "1" });
    expect(s.grafana?.namespace).toBe("monitoring");
    // The data source part's own default and the reference stack's Grafana namespace are the same.
    expect(resolveLokiDatasourceProps({ loki: queryTarget(), queryTimeoutSeconds: DEFAULT_QUERY_TIMEOUT_SECONDS }).namespace).toBe(DEFAULT_GRAFANA_NAMESPACE);
  });

  test("given defaults, then Loki's pods carry the scrape annotations and the chart's dashboards are off: its ServiceMonitor's labels never exist here", () => {
    expect(m.lokiDiscovery).toBe("pod-annotations");
    expect(s.lokiResolved.monitoring).toMatchObject({ scrapeAnnotations: true, dashboards: false, dashboardNamespace: m.grafanaNamespace, dashboardLabels: m.dashboardLabels });
    expect(s.lokiResolved.monitoring).toMatchObject({ operatorObjects: false, prometheusLabels: {}, scrapeInterval: "15s" });
    expect(m.dashboards).toBe(true);
  });

  test("given kube-prometheus-stack, then the chart's ServiceMonitor and dashboards, and no scrape annotations", () => {
    const kps = settings({ monitoring: KPS });
    expect(kps.monitoring.lokiDiscovery).toBe("service-monitor");
    expect(kps.lokiResolved.monitoring).toMatchObject({ scrapeAnnotations: false, dashboards: true, operatorObjects: true });
  });

  test("given another standalone release and namespace, then the Alertmanager Service follows", () => {
    expect(stackAlertmanagerUrl(resolveMonitoringStack({ kind: "prometheus", releaseName: "prom", namespace: "metrics" }))).toBe(
      "http://prom-alertmanager.metrics.svc.cluster.local:9093",
    );
    expect(settings({ monitoring: { stack: { kind: "prometheus", releaseName: "prom", namespace: "metrics" } } }).lokiResolved.alertmanagerUrl).toBe(
      "http://prom-alertmanager.metrics.svc.cluster.local:9093",
    );
    expect(standaloneAlertmanagerService("alertmanager-main")).toBe("alertmanager-main");
  });
});

describe("the monitoring stack's defaults, with kube-prometheus-stack", () => {
  const s = settings({ monitoring: KPS });
  const m = s.monitoring;

  test("given release kps in monitoring, then the Alertmanager URL is that chart's Alertmanager Service", () => {
    expect(s.lokiResolved.alertmanagerUrl).toBe("http://kps-kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093");
    expect(stackAlertmanagerUrl(m.stack)).toBe(s.lokiResolved.alertmanagerUrl);
  });

  test("given release kps, then Prometheus' selector label is release: kps and operator objects are on", () => {
    expect(m.prometheusSelectorLabels).toEqual({ release: "kps" });
    expect(m.operatorObjects).toBe(true);
    expect(s.lokiResolved.monitoring).toMatchObject({ operatorObjects: true, prometheusLabels: { release: "kps" } });
  });

  test("given kube-prometheus-stack in monitoring, then Grafana's sidecar namespace is the release's", () => {
    expect(s.grafana?.namespace).toBe("monitoring");
    const other = settings({ monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "observability" } } });
    expect(other.grafana?.namespace).toBe("observability");
    expect(other.monitoring.grafanaNamespace).toBe("observability");
    expect(other.lokiResolved.monitoring.dashboardNamespace).toBe("observability");
  });

  test("given the chart's fullname rule, then a release containing the chart name is used as is, and names are cut to 26", () => {
    expect(kubePrometheusStackFullname("kube-prometheus-stack")).toBe("kube-prometheus-stack");
    expect(kubePrometheusStackFullname("monitoring")).toBe("monitoring-kube-prometheus");
    expect(kubePrometheusStackFullname("my-monitoring")).toBe("my-monitoring-kube-prometh");
    expect(stackAlertmanagerUrl({ kind: "kube-prometheus-stack", releaseName: "kube-prometheus-stack", namespace: "m" })).toBe(
      "http://kube-prometheus-stack-alertmanager.m.svc.cluster.local:9093",
    );
  });

  test("given explicit alertmanagerUrl and grafana.namespace, then they win over the stack's", () => {
    const o = settings({ monitoring: KPS, alertmanagerUrl: "http://am.example.svc:9093", grafana: { namespace: "grafana" } });
    expect(o.lokiResolved.alertmanagerUrl).toBe("http://am.example.svc:9093");
    expect(o.grafana?.namespace).toBe("grafana");
    expect(o.monitoring.grafanaNamespace).toBe("grafana");
    expect(o.lokiResolved.monitoring.dashboardNamespace).toBe("grafana");
  });

  test("given operatorObjects false, then no operator objects even with the operator", () => {
    const o = settings({ monitoring: { ...KPS, operatorObjects: false } });
    expect(o.monitoring.operatorObjects).toBe(false);
    expect(o.lokiResolved.monitoring.operatorObjects).toBe(false);
  });

  test("given grafana disabled, then no dashboards by default, unless asked for", () => {
    expect(settings({ grafana: { enabled: false } }).monitoring.dashboards).toBe(false);
    expect(settings({ grafana: { enabled: false }, monitoring: { dashboards: true } }).monitoring.dashboards).toBe(true);
  });
});

describe("monitoring settings that cannot work", () => {
  test("fails on an unknown stack kind", () => {
    expectConfigError(() => settings({ monitoring: { stack: { kind: "victoria" } as never } }), "monitoring.stack.kind");
  });

  test("fails on kube-prometheus-stack without a release name", () => {
    expectConfigError(() => settings({ monitoring: { stack: { kind: "kube-prometheus-stack", namespace: "monitoring" } as never } }), "monitoring.stack.releaseName");
  });

  test("fails on a release name that is not a Helm release name", () => {
    expectConfigError(() => settings({ monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "KPS", namespace: "monitoring" } } }), "monitoring.stack.releaseName");
  });

  test("fails on a namespace that is not a DNS label", () => {
    expectConfigError(() => settings({ monitoring: { stack: { kind: "prometheus", namespace: "Prom_NS" } } }), "monitoring.stack.namespace");
  });

  test("fails on operatorObjects that is not a boolean", () => {
    expectConfigError(() => settings({ monitoring: { operatorObjects: "yes" as never } }), "monitoring.operatorObjects");
  });

  test("fails on dashboards that is not a boolean", () => {
    expectConfigError(() => settings({ monitoring: { dashboards: 1 as never } }), "monitoring.dashboards");
  });

  test("fails on a scrape interval longer than a quarter of the rules' rate window", () => {
    expectConfigError(() => settings({ monitoring: { scrapeInterval: "1m" } }), "monitoring.scrapeInterval");
  });

  test("fails on a scrape interval that is not a duration", () => {
    expectConfigError(() => settings({ monitoring: { scrapeInterval: "often" } }), "monitoring.scrapeInterval");
  });

  test("fails on a user rule that does not parse", () => {
    expectConfigError(
      () => settings({ monitoring: { ruleGroups: [{ name: "mine", rules: [{ record: "x:y", expr: "sum(" }] }] } }),
      'monitoring.ruleGroups["mine"].rules["x:y"].expr',
    );
  });

  test("fails on a bad alertmanagerUrl, even with a stack", () => {
    expectConfigError(() => settings({ monitoring: KPS, alertmanagerUrl: "alertmanager:9093" }), "alertmanagerUrl");
  });

  test("fails on a bad grafana.namespace, even with a stack", () => {
    expectConfigError(() => settings({ monitoring: KPS, grafana: { namespace: "Grafana" } }), "grafana.namespace");
  });
});

describe("chart values the monitoring stack derives", () => {
  test("fails on valuesOverrides that turn the gateway off, which Grafana's data source and the canary go through", () => {
    expectConfigError(() => settings({ valuesOverrides: { gateway: { enabled: false } } }), "valuesOverrides.gateway.enabled");
  });

  test("fails on valuesOverrides of the ServiceMonitor's labels, which Prometheus selects by", () => {
    expectConfigError(() => settings({ valuesOverrides: { monitoring: { serviceMonitor: { labels: { release: "x" } } } } }), "valuesOverrides.monitoring.serviceMonitor.labels");
  });

  test("fails on valuesOverrides of the rules' labels", () => {
    expectConfigError(() => settings({ valuesOverrides: { monitoring: { rules: { labels: {} } } } }), "valuesOverrides.monitoring.rules.labels");
  });

  test("fails on valuesOverrides of the dashboards' namespace", () => {
    expectConfigError(() => settings({ valuesOverrides: { monitoring: { dashboards: { namespace: "grafana" } } } }), "valuesOverrides.monitoring.dashboards.namespace");
  });

  test("given other monitoring overrides, then they are allowed (the escape hatch)", () => {
    expect(() => settings({ valuesOverrides: { monitoring: { rules: { disabled: { LokiRequestPanics: true } } } } })).not.toThrow();
  });
});
