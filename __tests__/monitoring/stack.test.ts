import { ConfigError } from "../../lib/core/validation";
import {
  DEFAULT_MONITORING_STACK,
  kubePrometheusStackFullname,
  MonitoringSettings,
  resolveMonitoring,
  stackAlertmanagerUrl,
  standaloneAlertmanagerService,
} from "../../lib/monitoring/stack";
import { DEFAULT_ALERTMANAGER_URL, LokiStackProps, resolveSettings } from "../../lib/settings";

/** The reference deployment's Alertmanager, as the reference setup wrote it. */
const REFERENCE_ALERTMANAGER = "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093";
const KPS: MonitoringSettings = { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } };

function settings(props: Partial<LokiStackProps> = {}) {
  return resolveSettings({ clusterName: "prod-eks", ...props }, "test");
}

function expectConfigError(fn: () => void, setting: string): void {
  expect(fn).toThrow(ConfigError);
  expect(fn).toThrow(new RegExp(`^${setting.replace(/[[\]".]/g, "\\$&")} must be `));
}

describe("resolveMonitoring with the reference stack (the default)", () => {
  const m = settings().monitoring;

  test("given defaults, then the Alertmanager URL is the reference one", () => {
    expect(m.alertmanagerUrl).toBe(REFERENCE_ALERTMANAGER);
    expect(DEFAULT_ALERTMANAGER_URL).toBe(REFERENCE_ALERTMANAGER);
    expect(settings().alertmanagerUrl).toBe(REFERENCE_ALERTMANAGER);
    expect(m.stack).toEqual(DEFAULT_MONITORING_STACK);
  });

  test("given the standalone chart, which runs no operator, then no operator objects and no selector labels", () => {
    expect(m.operatorObjects).toBe(false);
    expect(m.prometheusSelectorLabels).toEqual({});
  });

  test("given defaults, then dashboards and data sources go to Grafana's sidecar in monitoring", () => {
    expect(m.dashboards).toBe(true);
    expect(m.grafana).toEqual({ namespace: "monitoring", dashboardLabels: { grafana_dashboard: "1" }, datasourceLabels: { grafana_datasource: "1" } });
    expect(settings().grafana.namespace).toBe("monitoring");
  });

  test("given another standalone release and namespace, then the Alertmanager Service follows", () => {
    expect(resolveMonitoring({ stack: { kind: "prometheus", releaseName: "prom", namespace: "metrics" } }).alertmanagerUrl).toBe(
      "http://prom-alertmanager.metrics.svc.cluster.local:9093",
    );
    expect(standaloneAlertmanagerService("alertmanager-main")).toBe("alertmanager-main");
  });
});

describe("resolveMonitoring with kube-prometheus-stack", () => {
  const s = settings({ monitoring: KPS });
  const m = s.monitoring;

  test("given release kps in monitoring, then the Alertmanager URL is that chart's Alertmanager Service", () => {
    expect(m.alertmanagerUrl).toBe("http://kps-kube-prometheus-stack-alertmanager.monitoring.svc.cluster.local:9093");
    expect(s.alertmanagerUrl).toBe(m.alertmanagerUrl);
  });

  test("given release kps, then Prometheus' selector label is release: kps and operator objects are on", () => {
    expect(m.prometheusSelectorLabels).toEqual({ release: "kps" });
    expect(m.operatorObjects).toBe(true);
  });

  test("given kube-prometheus-stack in monitoring, then Grafana's sidecar namespace is the release's", () => {
    expect(s.grafana.namespace).toBe("monitoring");
    const other = settings({ monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "observability" } } });
    expect(other.grafana.namespace).toBe("observability");
    expect(other.monitoring.grafana.namespace).toBe("observability");
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
    expect(o.alertmanagerUrl).toBe("http://am.example.svc:9093");
    expect(o.grafana.namespace).toBe("grafana");
    expect(o.monitoring.grafana.namespace).toBe("grafana");
  });

  test("given operatorObjects false, then no operator objects even with the operator", () => {
    expect(settings({ monitoring: { ...KPS, operatorObjects: false } }).monitoring.operatorObjects).toBe(false);
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
