import { ConfigError } from "../../lib/core/validation";
import type { Chart18110MonitoringValues } from "../../lib/loki/charts/values-18.11.0";
import type { Chart6290MonitoringValues } from "../../lib/loki/charts/values-6.29.0";
import { LokiObjectStorage, LokiReleaseProps, resolveLokiReleaseProps } from "../../lib/loki/loki-props";
import { LokiMonitoringProps } from "../../lib/loki/monitoring-values";
import { buildLokiValues } from "../../lib/loki/values";

const S3: LokiObjectStorage = { mode: "s3", region: "ap-northeast-1", chunksBucketName: "prod-eks-loki-chunks", rulerBucketName: "prod-eks-loki-ruler" };
/** What the stack hands the release for kube-prometheus-stack, release kps in monitoring. */
const KPS: LokiMonitoringProps = {
  operatorObjects: true,
  prometheusLabels: { release: "kps" },
  scrapeInterval: "15s",
  dashboards: true,
  dashboardNamespace: "monitoring",
  dashboardLabels: { grafana_dashboard: "1" },
};

/** The chart's `monitoring` values from the release's props, in chart 6.29.0. */
function monitoring6290(props: Partial<LokiReleaseProps> = {}): Chart6290MonitoringValues {
  return buildLokiValues(resolveLokiReleaseProps({ storage: S3, ...props, chartVersion: "6.29.0" })).monitoring as Chart6290MonitoringValues;
}
/** The chart's `monitoring` values from the release's props, in chart 18.11.0. */
function monitoring18110(props: Partial<LokiReleaseProps> = {}): Chart18110MonitoringValues {
  return buildLokiValues(resolveLokiReleaseProps({ storage: S3, ...props, chartVersion: "18.11.0" })).monitoring as Chart18110MonitoringValues;
}

describe("chart 6.29.0: the release's monitoring values on its own (no monitoring stack handed over)", () => {
  const m = monitoring6290();

  test("given no monitoring props, then nothing that needs the Prometheus Operator or Grafana is switched on", () => {
    expect(m.serviceMonitor).toEqual({ enabled: false, labels: {}, metricsInstance: { enabled: false } });
    expect(m.rules).toEqual({ enabled: false, alerting: false, labels: {} });
    expect(m.dashboards).toEqual({ enabled: false, namespace: "loki", labels: {} });
  });

  test("given any props, then the Grafana Agent objects the chart would render are off", () => {
    // metricsInstance is on in the chart's own defaults; it needs monitoring.grafana.com CRDs.
    expect(m.serviceMonitor.metricsInstance.enabled).toBe(false);
    expect(m.selfMonitoring).toEqual({ enabled: false, grafanaAgent: { installOperator: false } });
  });
});

describe("chart 6.29.0: the release's monitoring values with what the stack hands over for kube-prometheus-stack", () => {
  const m = monitoring6290({ monitoring: KPS });

  test("given the stack's labels and interval, then the ServiceMonitor and rules carry them", () => {
    expect(m.serviceMonitor).toEqual({ enabled: true, labels: { release: "kps" }, interval: "15s", metricsInstance: { enabled: false } });
    expect(m.rules).toEqual({ enabled: true, alerting: true, labels: { release: "kps" } });
  });

  test("given Grafana's namespace and label, then the dashboards go there", () => {
    expect(m.dashboards).toEqual({ enabled: true, namespace: "monitoring", labels: { grafana_dashboard: "1" } });
  });
});

describe("chart 18.11.0: the release's monitoring values on its own (no monitoring stack handed over)", () => {
  const m = monitoring18110();

  test("given no monitoring props, then nothing that needs the Prometheus Operator or Grafana is switched on, and every object stays in the release's namespace", () => {
    expect(m).toEqual({
      namespace: "loki",
      serviceMonitor: { enabled: false, labels: {} },
      rules: { enabled: false, labels: {} },
      alerts: { enabled: false, labels: {} },
      dashboards: { enabled: false, labels: {} },
    });
  });

  test("given the keys 18.0 removed, then none is set (they would be ignored, or fail the key check)", () => {
    expect(m.serviceMonitor).not.toHaveProperty("metricsInstance");
    expect(m).not.toHaveProperty("selfMonitoring");
    expect(m.rules).not.toHaveProperty("alerting");
    expect(m.dashboards).not.toHaveProperty("namespace");
  });
});

describe("chart 18.11.0: the release's monitoring values with what the stack hands over for kube-prometheus-stack", () => {
  const m = monitoring18110({ monitoring: KPS });

  test("given the stack's labels and interval, then the ServiceMonitor, the recording rules and the alerts (split since 18.0) carry them", () => {
    expect(m.serviceMonitor).toEqual({ enabled: true, labels: { release: "kps" }, interval: "15s" });
    expect(m.rules).toEqual({ enabled: true, labels: { release: "kps" } });
    expect(m.alerts).toEqual({ enabled: true, labels: { release: "kps" } });
  });

  test("given Grafana's namespace and label, then the dashboards go there through monitoring.namespace, the one namespace of every monitoring object since 18.0", () => {
    expect(m.namespace).toBe("monitoring");
    expect(m.dashboards).toEqual({ enabled: true, labels: { grafana_dashboard: "1" } });
  });

  test("given no dashboards, then the rules stay in the release's namespace, not in a Grafana namespace nobody checked", () => {
    expect(monitoring18110({ monitoring: { ...KPS, dashboards: false } }).namespace).toBe("loki");
  });
});

describe("the release's monitoring props that cannot work", () => {
  test.each<[string, LokiMonitoringProps, string]>([
    ["operatorObjects that is not a boolean", { operatorObjects: "yes" as never }, "monitoring.operatorObjects"],
    ["labels that are not a map of strings", { prometheusLabels: { release: 1 } as never }, "monitoring.prometheusLabels"],
    ["a scrape interval that is not a duration", { scrapeInterval: "often" }, "monitoring.scrapeInterval"],
    ["dashboards that is not a boolean", { dashboards: 1 as never }, "monitoring.dashboards"],
    ["a dashboard namespace that is not a DNS label", { dashboardNamespace: "Grafana" }, "monitoring.dashboardNamespace"],
    ["dashboard labels that are a list", { dashboardLabels: ["grafana_dashboard"] as never }, "monitoring.dashboardLabels"],
  ])("fails on %s", (_name, monitoring, setting) => {
    const run = () => resolveLokiReleaseProps({ storage: S3, monitoring });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(new RegExp(`^${setting.replace(/\./g, "\\.")} must be `));
  });
});
