import { COMPONENT_SUFFIXES } from "../../lib/loki/chart";
import { dashboardExpressions, fluentBitDashboard, lokiDashboard } from "../../lib/monitoring/dashboards";
import { DISCARD_REASONS, platformRuleGroups, RETENTION_STALE_SECONDS, vectorSelector } from "../../lib/monitoring/platform-rules";
import {
  checkPrometheusRuleGroups,
  findPromQLSyntaxError,
  isPrometheusAlertingRule,
  PrometheusAlertingRule,
  PrometheusRecordingRule,
  promqlMetricNames,
} from "../../lib/monitoring/promql";
import { parseDuration } from "../../lib/core/validation";
import { LOKI_CHART_VERSIONS } from "../../lib/loki/chart";
import { LOKI_CHARTS } from "../../lib/loki/chart-versions";
import { FLUENT_BIT_DASHBOARD_FILE } from "../../lib/monitoring/monitoring";
import { Json } from "../support/json";
import { manifestObject, synthStack } from "../support/synth";
import { Exporter, exportedMetrics } from "./exported-metrics";

const groups = platformRuleGroups({ lokiNamespace: "loki", fluentBitNamespace: "fluent-bit" });
const rules = groups.flatMap((g) => g.rules);
const alerts = rules.filter(isPrometheusAlertingRule);
const recorded = new Set(rules.filter((r): r is PrometheusRecordingRule => !isPrometheusAlertingRule(r)).map((r) => r.record));
const alert = (name: string): PrometheusAlertingRule => {
  const found = alerts.find((a) => a.alert === name);
  if (!found) throw new Error(`no alert ${name}`);
  return found;
};

/** The program a metric name belongs to, by its prefix. */
function exporterOf(metric: string): Exporter {
  // Every program exports its process' metrics; the platform reads them of Loki's pods (the compactor's start, each component's CPU and memory).
  if (metric.startsWith("process_")) return "loki";
  if (metric.startsWith("loki_canary_")) return "canary";
  if (metric.startsWith("fluentbit_")) return "fluent-bit";
  if (metric.startsWith("loki_")) return "loki";
  throw new Error(`${metric} belongs to no program the platform runs`);
}

describe("the platform's Prometheus rules", () => {
  test("given every rule, then its expression parses with Prometheus' own grammar", () => {
    for (const rule of rules) expect([rule.expr, findPromQLSyntaxError(rule.expr)]).toEqual([rule.expr, undefined]);
  });

  test("given every recorded series, then a rule reads it (no recording rule is dead weight)", () => {
    const read = new Set(rules.flatMap((rule) => promqlMetricNames(rule.expr)));
    for (const series of recorded) expect([series, read.has(series)]).toEqual([series, true]);
  });

  test("given the failures the platform must see, then each has an alert", () => {
    const byFailure: Record<string, string> = {
      "discarded: rate_limited": "LokiIngestionRateLimited",
      "discarded: per_stream_rate_limit": "LokiStreamRateLimited",
      "discarded: too_far_behind": "LokiSamplesTooFarBehind",
      "discarded: line_too_long": "LokiLinesTooLong",
      "ruler cannot reach Alertmanager": "LokiRulerAlertmanagerUnreachable",
      "ruler knows no Alertmanager": "LokiRulerNoAlertmanager",
      "rule groups fail to load": "LokiRulerRulesNotLoaded",
      "rule groups fail to evaluate": "LokiRuleEvaluationFailures",
      "compactor retention not run for a day": "LokiRetentionNotApplied",
      "Fluent Bit retries failed for good": "FluentBitRetriesFailed",
      "Fluent Bit dropped records": "FluentBitDroppedRecords",
      "Fluent Bit buffer close to full": "FluentBitBufferNearlyFull",
      "a node whose agent sent nothing": "FluentBitNodeSilent",
    };
    for (const name of Object.values(byFailure)) expect(alert(name).alert).toBe(name);
  });

  test("given each discard reason, then its alert selects exactly that reason", () => {
    for (const [reason, { alert: name }] of Object.entries(DISCARD_REASONS)) {
      expect(alert(name).expr).toContain(`reason="${reason}"`);
    }
    expect(Object.keys(DISCARD_REASONS)).toEqual(["rate_limited", "per_stream_rate_limit", "too_far_behind", "line_too_long"]);
  });

  test("given the retention alert, then it fires after a day without a successful run", () => {
    expect(RETENTION_STALE_SECONDS).toBe(86400);
    expect(alert("LokiRetentionNotApplied").expr).toMatch(/loki_compactor_apply_retention_last_successful_run_timestamp_seconds.*> 86400$/);
    // A compactor that has not run yet (its gauge is 0 for one compaction interval) ages from its start, not from 1970.
    expect(alert("LokiRetentionNotApplied").expr).toContain(
      'loki_compactor_apply_retention_last_successful_run_timestamp_seconds{namespace="loki"} > 0 or (process_start_time_seconds{namespace="loki"} and',
    );
  });

  test("given every alert, then it has a severity, a summary, a runbook-style description and a for of at least 5 minutes", () => {
    expect(() => checkPrometheusRuleGroups("rules", groups)).not.toThrow();
    for (const a of alerts) {
      expect(["critical", "warning", "info"]).toContain(a.labels.severity);
      expect(a.annotations.summary.length).toBeGreaterThan(10);
      expect(a.annotations.description.length).toBeGreaterThan(80);
      expect(parseDuration(a.for)).toBeGreaterThanOrEqual(5 * 60_000);
    }
  });

  test("given the scope's namespaces, then every selector reads only this platform's Loki or agents", () => {
    for (const rule of rules) {
      for (const selector of rule.expr.match(/[a-z_:]+\{[^}]*\}/g) ?? []) expect(selector).toMatch(/namespace="(loki|fluent-bit)"/);
    }
    const other = platformRuleGroups({ lokiNamespace: "logs", fluentBitNamespace: "agents" }).flatMap((g) => g.rules);
    expect(other.find((r) => "alert" in r && r.alert === "FluentBitDroppedRecords")?.expr).toContain('namespace="agents"');
    expect(other.find((r) => "alert" in r && r.alert === "LokiRulerNoAlertmanager")?.expr).toContain('namespace="logs"');
  });

  test("given no Fluent Bit namespace, then no rule reads a Fluent Bit series", () => {
    const lokiOnly = platformRuleGroups({ lokiNamespace: "loki" }).flatMap((g) => g.rules);
    expect(lokiOnly.some((r) => r.expr.includes("fluentbit_"))).toBe(false);
    expect(lokiOnly.some((r) => "alert" in r && r.alert === "LokiRetentionNotApplied")).toBe(true);
  });
});

describe("vectorSelector", () => {
  test("given labels, then each value is a quoted PromQL string", () => {
    expect(vectorSelector("up", { namespace: 'a"b' })).toBe('up{namespace="a\\"b"}');
    expect(vectorSelector("up", {})).toBe("up");
  });

  test("given a regular-expression match, then it is written =~ with the expression quoted", () => {
    expect(vectorSelector("up", { namespace: "loki", route: { regex: "loki_api_v1_.+" } }, "'")).toBe("up{namespace='loki', route=~'loki_api_v1_.+'}");
    expect(findPromQLSyntaxError(vectorSelector("up", { route: { regex: "a|b" } }))).toBeUndefined();
  });

  test("given single quotes, then each value is a single-quoted PromQL string that parses", () => {
    expect(vectorSelector("up", { namespace: "fluent-bit", job: "a'b" }, "'")).toBe("up{namespace='fluent-bit', job='a\\'b'}");
    expect(findPromQLSyntaxError(vectorSelector("up", { namespace: "fluent-bit", job: "a'b" }, "'"))).toBeUndefined();
  });
});

describe("the Fluent Bit dashboard", () => {
  const dashboard = fluentBitDashboard("fluent-bit");
  const exprs = dashboardExpressions(dashboard);

  test("given every panel query, then it parses and reads only the agents' namespace", () => {
    expect(exprs.length).toBeGreaterThanOrEqual(6);
    for (const expr of exprs) {
      expect([expr, findPromQLSyntaxError(expr)]).toEqual([expr, undefined]);
      expect(expr).toContain("namespace='fluent-bit'");
    }
  });

  test("given the dashboard JSON, then nothing in it reads as a Terraform template", () => {
    expect(JSON.stringify(dashboard)).not.toMatch(/\$\{|%\{/);
    expect(dashboard.templating.list[0]).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" });
  });
});

describe("the Loki dashboard", () => {
  const dashboard = lokiDashboard({ namespace: "logs", components: COMPONENT_SUFFIXES });
  const exprs = dashboardExpressions(dashboard);

  test("given every panel query, then it parses and reads only the release's namespace", () => {
    expect(exprs.length).toBeGreaterThanOrEqual(12);
    for (const expr of exprs) {
      expect([expr, findPromQLSyntaxError(expr)]).toEqual([expr, undefined]);
      for (const selector of expr.match(/[a-z_:]+\{[^}]*\}/g) ?? []) expect(selector).toContain("namespace='logs'");
    }
  });

  test("given the components, then panels select them by the label the standalone chart's pod job makes of app.kubernetes.io/component", () => {
    expect(exprs.some((e) => e.includes("app_kubernetes_io_component='distributor', route='loki_api_v1_push'"))).toBe(true);
    expect(exprs.some((e) => e.includes("app_kubernetes_io_component='query-frontend', route=~'loki_api_v1_.+'"))).toBe(true);
    expect(exprs.some((e) => e.includes(`app_kubernetes_io_component=~'${Object.values(COMPONENT_SUFFIXES).join("|")}'`))).toBe(true);
    // Only the canary and the caches are left out of the per-component panels: they are not Loki.
    expect(Object.values(COMPONENT_SUFFIXES)).toEqual(["distributor", "ingester", "querier", "query-frontend", "query-scheduler", "index-gateway", "compactor", "ruler"]);
  });

  test("given the retention panel, then it shows the same age the retention alert fires on", () => {
    const panel = exprs.find((e) => e.includes("loki_compactor_apply_retention_last_successful_run_timestamp_seconds")) as string;
    expect(panel.replace(/'/g, '"').replace(/, app_kubernetes_io_component="compactor"/g, "")).toBe(
      alert("LokiRetentionNotApplied").expr.replace(/namespace="loki"/g, 'namespace="logs"').replace(/ > 86400$/, ""),
    );
  });

  test("given the dashboard JSON, then nothing in it reads as a Terraform template or carries a backslash", () => {
    expect(JSON.stringify(dashboard)).not.toMatch(/\$\{|%\{|\\/);
  });
});

describe.each(LOKI_CHART_VERSIONS)("the platform's rules and Fluent Bit dashboard of a stack on chart %s", (version) => {
  const { lokiVersion, fluentBitVersion } = LOKI_CHARTS[version];
  const { json } = synthStack({
    clusterName: "prod-eks",
    storage: "minio",
    kubeconfig: { path: "~/.kube/config" },
    chartVersion: version,
    monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } },
  });
  const stackRules = (manifestObject(json.resource.kubernetes_manifest.loki_platform_rules).spec.groups as Json[]).flatMap((g) => g.rules as Json[]);
  const stackRecorded = new Set(stackRules.filter((r) => r.record).map((r) => String(r.record)));
  const panels = JSON.parse(json.resource.kubernetes_config_map_v1.fluent_bit_dashboard.data[FLUENT_BIT_DASHBOARD_FILE]).panels as Json[];
  const exported = (exporter: Exporter) => exportedMetrics(exporter, version);

  test(`given every metric a rule reads, then Loki ${lokiVersion}, its canary or Fluent Bit ${fluentBitVersion} really exports it, or a platform rule records it`, () => {
    const read = stackRules.flatMap((rule) => promqlMetricNames(String(rule.expr)));
    expect(read.length).toBeGreaterThan(10);
    for (const metric of read) {
      if (stackRecorded.has(metric)) continue;
      expect([metric, exported(exporterOf(metric)).has(metric)]).toEqual([metric, true]);
    }
  });

  test(`given every panel of the Fluent Bit dashboard, then it reads only metrics Fluent Bit ${fluentBitVersion} exports at /api/v2/metrics/prometheus`, () => {
    const read = panels.flatMap((panel) => (panel.targets as Json[]).flatMap((t) => promqlMetricNames(String(t.expr))));
    expect(read.length).toBeGreaterThanOrEqual(6);
    for (const metric of read) expect([metric, exported("fluent-bit").has(metric)]).toEqual([metric, true]);
  });

  test(`given every panel of the Loki dashboard, then it reads only metrics Loki ${lokiVersion} exports, or a platform rule records`, () => {
    const read = dashboardExpressions(lokiDashboard({ namespace: "loki", components: COMPONENT_SUFFIXES })).flatMap((e) => promqlMetricNames(e));
    expect(read.length).toBeGreaterThanOrEqual(12);
    for (const metric of read) {
      if (stackRecorded.has(metric)) continue;
      expect([metric, exportedMetrics("loki", version).has(metric)]).toEqual([metric, true]);
    }
  });

  test(`given the buffer metrics the rules and panels read, then Fluent Bit ${fluentBitVersion} exports them at /api/v2 and not at /api/v1: the PodMonitor's path`, () => {
    for (const metric of ["fluentbit_output_chunk_available_capacity_percent", "fluentbit_storage_fs_chunks_up"]) {
      expect([metric, exported("fluent-bit").has(metric), exported("fluent-bit-v1").has(metric)]).toEqual([metric, true, false]);
    }
  });
});
