import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { LokiStack, LokiStackProps } from "../../lib";
import { prometheusScrapeAnnotations } from "../../lib/core/kubernetes";
import { resolveLokiStackProps } from "../../lib/loki-stack-props";
import { CANARY_HTTP_PORT, COMPONENT_SUFFIXES, LOKI_CHART_VERSIONS, LOKI_COMPONENTS, LokiChartVersion, MEMCACHED_EXPORTER_PORT } from "../../lib/loki/chart";
import { buildLokiValues } from "../../lib/loki/values";
import { dashboardExpressions, lokiDashboard } from "../../lib/monitoring/dashboards";
import { FLUENT_BIT_DASHBOARD_FILE, LOKI_DASHBOARD_FILE } from "../../lib/monitoring/monitoring";
import { findPromQLSyntaxError, PrometheusRuleGroup, promqlMetricNames } from "../../lib/monitoring/promql";
import {
  PLATFORM_RULE_FILE,
  PLATFORM_RULE_FILE_PATH,
  RULE_FILE_HELM_UPGRADE_OUTPUT,
  RULE_FILE_VALUES_OUTPUT,
  STANDALONE_DEFAULT_RULE_FILES,
} from "../../lib/monitoring/rule-file";
import { evaluateTemplate } from "../support/hcl-expression";
import { Json } from "../support/json";
import { DiscoveredPod, endpointSliceTargets, KubeObject, Labels, podTargets, serviceTargets } from "../support/kubernetes-sd";
import { relabel, RelabelRule, scrapedTarget } from "../support/relabel";
import { manifestObject, Synthesized, synthStack } from "../support/synth";

const BASE: LokiStackProps = { clusterName: "prod-eks", storage: "minio", kubeconfig: { path: "~/.kube/config" } };
const KPS: LokiStackProps = { ...BASE, monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } } };
/** Kinds that exist only where the Prometheus Operator's CRDs are installed. */
const OPERATOR_KINDS = ["ServiceMonitor", "PodMonitor", "PrometheusRule", "Probe", "ScrapeConfig"];

const synth = (props: LokiStackProps): { json: Synthesized; stack: LokiStack } => synthStack(props);
/** The two stacks most tests read, each synthesized once: kube-prometheus-stack, and the reference stack (standalone chart). */
const KPS_SYNTH = synth(KPS);
const BASE_SYNTH = synth(BASE);
/** A Terraform string written as one expression (`${tostring("...")}`), as Terraform reads it. */
const evaluated = (text: unknown): string => {
  const value = evaluateTemplate(String(text), (traversal) => {
    throw new Error(`a reference: ${traversal}`);
  });
  if (typeof value !== "string") throw new Error(`not a string: ${String(text)}`);
  return value;
};

/** The standalone chart's rendered prometheus.yml (29.27.0, default values), copied from the chart (fixtures/prometheus/). */
const PROMETHEUS_YML = parse(readFileSync(join(__dirname, "..", "fixtures", "prometheus", "prometheus-29.27.0-prometheus.yml"), "utf8")) as Json;
/** Each scrape job of the chart that Kubernetes discovery feeds, with the targets of its role. */
function scrapeKubernetes(objects: readonly KubeObject[], pods: readonly DiscoveredPod[]): Labels[] {
  const byRole: Record<string, Labels[]> = { pod: podTargets(pods), endpointslice: endpointSliceTargets(objects, pods), service: serviceTargets(objects) };
  const scraped = (PROMETHEUS_YML.scrape_configs as Json[]).flatMap((job) => {
    const role = (job.kubernetes_sd_configs as Json[] | undefined)?.[0]?.role as string | undefined;
    return (byRole[role ?? ""] ?? []).flatMap((target) => {
      const relabeled = relabel({ ...target, job: job.job_name }, job.relabel_configs as RelabelRule[]);
      return relabeled ? [scrapedTarget(relabeled, String(job.job_name), { metricsPath: job.metrics_path ?? "/metrics", scheme: job.scheme ?? "http" })] : [];
    });
  });
  // Targets with the same labels are one target: Prometheus scrapes each once.
  return [...new Map(scraped.map((t) => [JSON.stringify(Object.entries(t).sort()), t])).values()];
}

/** The README's alert table: alert name, severity and `for` of each row. */
function readmeAlertTable(): Map<string, { severity: string; for: string }> {
  const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
  const table = readme.split("**The alerts, what they mean and what to do**")[1].split("\n\n")[1];
  const rows = table.split("\n").filter((line) => /^\| `/.test(line));
  return new Map(
    rows.map((row) => {
      const [name, when] = row.split("|").slice(1, 3).map((cell) => cell.trim());
      const [severity, duration] = when.split(",").map((part) => part.trim().replace(/`/g, ""));
      return [name.replace(/`/g, ""), { severity, for: duration }];
    }),
  );
}

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
  const { json, stack } = KPS_SYNTH;
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

  test("given kube-prometheus-stack, then its stack stays as it was: no rule file, no Loki dashboard of the platform's, no outputs for a standalone Prometheus", () => {
    expect(json.resource.kubernetes_config_map_v1.loki_platform_rule_file).toBeUndefined();
    expect(json.resource.kubernetes_config_map_v1.loki_dashboard).toBeUndefined();
    expect(json.output[RULE_FILE_VALUES_OUTPUT]).toBeUndefined();
    expect(json.output[RULE_FILE_HELM_UPGRADE_OUTPUT]).toBeUndefined();
    expect(JSON.stringify(values(json))).not.toContain("prometheus.io/");
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
  const { json, stack } = BASE_SYNTH;
  const v = values(json);
  const ruleFileMap = json.resource.kubernetes_config_map_v1.loki_platform_rule_file;
  const ruleFile = parse(evaluated(ruleFileMap?.data[PLATFORM_RULE_FILE])) as Json;
  const ruleFileRules = (ruleFile.groups as Json[]).flatMap((g) => g.rules as Json[]);
  const lokiDashboardJson = JSON.parse(json.resource.kubernetes_config_map_v1.loki_dashboard.data[LOKI_DASHBOARD_FILE]) as Json;
  const fluentBitDashboardJson = JSON.parse(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data[FLUENT_BIT_DASHBOARD_FILE]) as Json;

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

  test("given defaults, then the Loki and Fluent Bit dashboards go to Grafana's sidecar in monitoring, and the chart's own dashboards are off", () => {
    expect(v.monitoring.dashboards).toEqual({ enabled: false, labels: { grafana_dashboard: "1" } });
    // Nothing of the chart goes to Grafana's namespace, so the plan does not look it up.
    expect(v.monitoring.namespace).toBe("loki");
    expect(json.data.kubernetes_resources?.loki_dashboard_namespace).toBeUndefined();
    for (const map of [json.resource.kubernetes_config_map_v1.loki_dashboard, json.resource.kubernetes_config_map_v1.fluent_bit_dashboard]) {
      expect(map.metadata).toMatchObject({ namespace: "monitoring", labels: { grafana_dashboard: "1" } });
    }
    expect(json.resource.kubernetes_config_map_v1.loki_dashboard.metadata.name).toBe("loki-dashboard");
  });

  test("given the Loki dashboard, then it is the platform's, for this release's namespace and the chart's component labels", () => {
    expect(lokiDashboardJson).toEqual(JSON.parse(JSON.stringify(lokiDashboard({ namespace: "loki", components: COMPONENT_SUFFIXES }))));
    expect(JSON.stringify(lokiDashboardJson)).not.toMatch(/\$\{|%\{|\\/);
    for (const expr of dashboardExpressions(lokiDashboardJson as never)) expect([expr, findPromQLSyntaxError(expr)]).toEqual([expr, undefined]);
  });

  test("given the rule file, then it lives in Prometheus' namespace and holds exactly the groups of kube-prometheus-stack's PrometheusRule", () => {
    expect(ruleFileMap.metadata).toMatchObject({ name: "loki-platform-rules", namespace: "prometheus" });
    expect(Object.keys(ruleFileMap.data)).toEqual([PLATFORM_RULE_FILE]);
    expect(Object.keys(ruleFile)).toEqual(["groups"]);
    expect(ruleFile.groups).toEqual(manifestOf(KPS_SYNTH.json, "PrometheusRule").spec.groups);
    expect(stack.monitoring.ruleFile).toBe(evaluated(ruleFileMap.data[PLATFORM_RULE_FILE]));
  });

  test("given the README's alert table, then every alert in it is in the rule file with the table's severity and for, and every alert of the file is in the table", () => {
    const table = readmeAlertTable();
    const alerts = ruleFileRules.filter((r) => r.alert);
    expect(table.size).toBeGreaterThan(10);
    expect(alerts.map((a) => a.alert).sort()).toEqual([...table.keys()].sort());
    for (const a of alerts) expect([a.alert, a.labels.severity, a.for]).toEqual([a.alert, table.get(a.alert)?.severity, table.get(a.alert)?.for]);
  });

  test("given every recording rule the delivered dashboards read, then the rule file records it", () => {
    const recorded = new Set(ruleFileRules.filter((r) => r.record).map((r) => r.record));
    const read = [lokiDashboardJson, fluentBitDashboardJson].flatMap((d) => dashboardExpressions(d as never)).flatMap((e) => promqlMetricNames(e)).filter((m) => m.includes(":"));
    expect(read.length).toBeGreaterThan(0);
    for (const metric of read) expect([metric, recorded.has(metric)]).toEqual([metric, true]);
  });

  test("given the values output, then the user's prometheus release mounts the ConfigMap in its server and reloader and loads the file after its own", () => {
    const out = parse(evaluated(json.output[RULE_FILE_VALUES_OUTPUT].value)) as Json;
    const mount = { name: "loki-platform-rules", mountPath: "/etc/loki-platform-rules", subPath: "", configMap: ruleFileMap.metadata.name, readOnly: true };
    expect(out).toEqual({
      server: { extraConfigmapMounts: [mount] },
      serverFiles: { "prometheus.yml": { rule_files: [...STANDALONE_DEFAULT_RULE_FILES, PLATFORM_RULE_FILE_PATH] } },
      configmapReload: { prometheus: { extraConfigmapMounts: [mount], extraVolumeDirs: ["/etc/loki-platform-rules"] } },
    });
    // The chart's own rule files, as its values.yaml lists them: Helm replaces the list, so they stay in it.
    expect(STANDALONE_DEFAULT_RULE_FILES).toEqual((PROMETHEUS_YML.rule_files as string[]).slice(0, 4));
    expect(PLATFORM_RULE_FILE_PATH).toBe(`${mount.mountPath}/${PLATFORM_RULE_FILE}`);
  });

  test("given the command output, then it pipes the values output into helm upgrade of the reference release, keeping its other values", () => {
    expect(json.output[RULE_FILE_HELM_UPGRADE_OUTPUT].value).toBe(
      `terraform output -raw ${RULE_FILE_VALUES_OUTPUT} | helm upgrade prometheus prometheus --repo https://prometheus-community.github.io/helm-charts --version 29.27.0 --namespace prometheus --reuse-values --values -`,
    );
  });

  test("given Loki's pods and Fluent Bit's Service, when the chart's default jobs read their annotations, then each Loki pod, each cache and the agents are one target each, at the annotated port and path", () => {
    const lokiPorts = [
      { name: "http-metrics", containerPort: 3100 },
      { name: "grpc", containerPort: 9095 },
      { name: "http-memberlist", containerPort: 7946 },
    ];
    const annotated: [string, Json, { name: string; containerPort: number }[]][] = [
      ...LOKI_COMPONENTS.map((c) => [c, v[c].podAnnotations, lokiPorts] as [string, Json, typeof lokiPorts]),
      ["chunksCache", v.chunksCache.podAnnotations, [{ name: "client", containerPort: 11211 }, { name: "http-metrics", containerPort: MEMCACHED_EXPORTER_PORT }]],
      ["lokiCanary", v.lokiCanary.podAnnotations, [{ name: "http-metrics", containerPort: CANARY_HTTP_PORT }]],
    ];
    const pods: DiscoveredPod[] = annotated.map(([name, annotations, ports], i) => ({
      namespace: "loki",
      name: `loki-${name.toLowerCase()}-0`,
      ip: `10.1.0.${i + 1}`,
      nodeName: "node-a",
      controllerKind: "StatefulSet",
      controllerName: `loki-${name}`,
      workload: `loki-${name}`,
      labels: { "app.kubernetes.io/name": "loki", "app.kubernetes.io/component": name },
      annotations,
      containers: [{ name: "main", image: "x", ports, init: false }],
    }));
    const daemonSet = (Object.values(json.resource.kubernetes_daemon_set_v1) as Json[])[0];
    const service = (Object.values(json.resource.kubernetes_service_v1) as Json[])[0];
    const agent: DiscoveredPod = {
      namespace: "fluent-bit",
      name: "fluent-bit-x7k2p",
      ip: "10.1.1.1",
      nodeName: "node-a",
      controllerKind: "DaemonSet",
      controllerName: "fluent-bit",
      workload: "fluent-bit",
      labels: daemonSet.spec.template.metadata.labels,
      annotations: daemonSet.spec.template.metadata.annotations,
      containers: [{ name: "fluent-bit", image: "x", ports: [{ name: "http", containerPort: 2020 }], init: false }],
    };
    const serviceObject: KubeObject = {
      kind: "Service",
      metadata: { name: service.metadata.name, namespace: "fluent-bit", labels: service.metadata.labels, annotations: service.metadata.annotations },
      spec: { selector: service.spec.selector, ports: service.spec.port.map((p: Json) => ({ name: p.name, port: p.port, targetPort: p.target_port })) },
    };
    const targets = scrapeKubernetes([serviceObject], [...pods, agent]);
    expect(targets.map((t) => [t.job, t.pod ?? t.service, t.__address__, t.__metrics_path__])).toEqual([
      ...pods.map((pod, i) => ["kubernetes-pods", pod.name, `${pod.ip}:${annotated[i][0] === "chunksCache" ? 9150 : annotated[i][0] === "lokiCanary" ? 3500 : 3100}`, "/metrics"]),
      ["kubernetes-service-endpoints", "fluent-bit", "10.1.1.1:2020", "/api/v2/metrics/prometheus"],
    ]);
    expect(targets[0]).toMatchObject({ namespace: "loki", node: "node-a", app_kubernetes_io_component: "distributor" });
    expect(targets[targets.length - 1]).toMatchObject({ namespace: "fluent-bit", node: "node-a", service: "fluent-bit" });
  });
});

describe.each(LOKI_CHART_VERSIONS)("the scrape annotations of the chart %s values", (version: LokiChartVersion) => {
  // Pure: the values builder over the resolved props, no synth.
  const valuesOf = (props: LokiStackProps) => buildLokiValues(resolveLokiStackProps({ ...props, chartVersion: version }, "test").lokiResolved) as unknown as Json;
  const standalone = valuesOf(BASE);
  const kps = valuesOf(KPS);
  const scrape = (port: number) => prometheusScrapeAnnotations(port, "/metrics");

  test("given the standalone chart, then every Loki component's pods, the caches' and the canary's carry prometheus.io/scrape, port and path, under this version's keys", () => {
    for (const component of LOKI_COMPONENTS) expect([component, standalone[component].podAnnotations]).toEqual([component, scrape(3100)]);
    expect(standalone.chunksCache.podAnnotations).toEqual(scrape(9150));
    expect(standalone.resultsCache.podAnnotations).toEqual(scrape(9150));
    // Chart 6.29.0 has no lokiCanary.podAnnotations: its lokiCanary.annotations are the pod template's.
    expect(standalone.lokiCanary[version === "6.29.0" ? "annotations" : "podAnnotations"]).toEqual(scrape(3500));
    expect(JSON.stringify(standalone)).not.toMatch(/serviceAnnotations|"service":\{"annotations"/);
  });

  test("given kube-prometheus-stack, then no pod carries a scrape annotation: its ServiceMonitor scrapes them already", () => {
    expect(JSON.stringify(kps)).not.toContain("prometheus.io/");
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
    const { json } = synth({ ...KPS, grafana: { enabled: false } });
    expect(json.resource.kubernetes_config_map_v1?.fluent_bit_dashboard).toBeUndefined();
    expect(values(json).monitoring.dashboards.enabled).toBe(false);
    const { json: asked } = synth({ ...KPS, grafana: { enabled: false }, monitoring: { ...KPS.monitoring, dashboards: true } });
    expect(values(asked).monitoring.dashboards.enabled).toBe(true);
  });

  test("given grafana disabled with the standalone chart, then neither dashboard of the platform's, and the rule file still goes to Prometheus", () => {
    const { json } = synth({ ...BASE, grafana: { enabled: false } });
    const maps = Object.keys(json.resource.kubernetes_config_map_v1 ?? {});
    expect(maps).toContain("loki_platform_rule_file");
    expect(maps.filter((m) => m.includes("dashboard"))).toEqual([]);
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
    const { json } = KPS_SYNTH;
    expect(JSON.stringify(manifestOf(json, "PrometheusRule"))).not.toMatch(/\$\{|%\{/);
    // The manifests are one yamldecode expression each: nothing in them but that one interpolation.
    for (const manifest of Object.values(json.resource.kubernetes_manifest)) expect((String(manifest.manifest).match(/\$\{/g) ?? []).length).toBe(1);
    expect(JSON.stringify(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data)).not.toMatch(/\$\{|%\{/);
  });

  test("given the dashboard's JSON, then it carries no backslash, which cdktf's HCL writer would drop before a quote", () => {
    const { json } = KPS_SYNTH;
    expect(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data[FLUENT_BIT_DASHBOARD_FILE]).not.toContain("\\");
  });
});
