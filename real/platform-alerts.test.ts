/**
 * The platform's Prometheus rules, as the stacks carry them, with the real promtool: every row's rule groups pass
 * `promtool check rules`, and each alert has a `promtool test rules` unit test that fires on a synthetic series of
 * the failure it names and stays quiet on a healthy one (the series: real/platform-alerts.series.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { PLATFORM_RULE_FILE, prometheusRuleSpecGroups } from "../lib/monitoring/rule-file";
import { evaluateTemplate } from "../__tests__/support/hcl-expression";
import { Json } from "../__tests__/support/json";
import { manifestObject } from "../__tests__/support/synth";
import { ALERT_CASES, AlertCases, FiringScenario, Scenario } from "./platform-alerts.series";
import { programPath } from "./support/programs";
import { ProgramRun, runProgram } from "./support/run-program";
import { RealStack, realStack } from "./support/stacks";
import { CHART_VERSIONS, REAL_ROWS } from "./support/variants";

/**
 * The platform's rule groups as the stack carries them: its PrometheusRule, or the rule file it writes for the
 * standalone chart; with neither (kube-prometheus-stack without operator objects), the groups it builds for them.
 */
function platformGroups(stack: RealStack): Json[] {
  const manifest = stack.json.resource.kubernetes_manifest?.loki_platform_rules;
  if (manifest !== undefined) return manifestObject(manifest).spec.groups as Json[];
  const ruleFile = stack.json.resource.kubernetes_config_map_v1?.loki_platform_rule_file;
  if (ruleFile !== undefined) {
    const text = evaluateTemplate(String(ruleFile.data[PLATFORM_RULE_FILE]), (traversal) => {
      throw new Error(`the rule file refers to ${traversal}`);
    });
    return parse(String(text)).groups as Json[];
  }
  return prometheusRuleSpecGroups(stack.stack.monitoring.ruleGroups);
}

/** Every alerting rule of the groups, by alert name. */
function alertsOf(groups: readonly Json[]): Map<string, Json> {
  return new Map(groups.flatMap((g) => (g.rules as Json[]).filter((r) => typeof r.alert === "string").map((r) => [String(r.alert), r] as const)));
}

/** Runs promtool in a fresh directory holding the given files. */
async function promtool(args: readonly string[], files: Readonly<Record<string, string>>): Promise<ProgramRun> {
  const dir = mkdtempSync(join(tmpdir(), "promtool-"));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return await runProgram(programPath("promtool"), args, { cwd: dir });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What promtool said, for a failure message. */
function said(run: ProgramRun): { status: number; output: string } {
  return { status: run.status, output: `${run.stdout}${run.stderr}`.trim() };
}

describe.each(REAL_ROWS.map((row) => [row.name, row] as const))("%s", (_, row) => {
  test("given the platform's rule groups as the stack carries them, when promtool checks them, then it accepts every rule", async () => {
    const groups = platformGroups(realStack(row.name, row.props, row.id));
    expect(alertsOf(groups).size).toBeGreaterThan(0);
    const run = await promtool(["check", "rules", "rules.yaml"], { "rules.yaml": stringify({ groups }) });
    expect(said(run)).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS: \d+ rules found/) });
  });
});

/** The expected annotations of a firing alert: the rule's templates with the alert's labels and value put in. */
function expectedAnnotations(rule: Json, labels: Readonly<Record<string, string>>, scenario: FiringScenario): Record<string, string> {
  const expand = (text: string): string =>
    text.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, inner: string) => {
      const label = /^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(inner);
      if (label) {
        if (labels[label[1]] === undefined) throw new Error(`${rule.alert}: the annotation reads $labels.${label[1]}, which the alert does not carry`);
        return labels[label[1]];
      }
      if (/^\$value \| humanize(Duration)?$/.test(inner)) {
        if (scenario.humanizedValue === undefined) throw new Error(`${rule.alert}: the annotation shows ${whole}; give the firing case's humanizedValue`);
        return scenario.humanizedValue;
      }
      throw new Error(`${rule.alert}: the annotation template ${whole} is not one the test knows how to expect`);
    });
  return Object.fromEntries(Object.entries((rule.annotations ?? {}) as Record<string, string>).map(([k, v]) => [k, expand(v)]));
}

/** A promtool input series in its notation: `metric{namespace="...", ...}`. */
function inputSeries(scenario: Scenario, namespaces: { loki: string; fluentBit: string }): Json[] {
  return scenario.series.map((s) => {
    const labels = { namespace: namespaces[s.part], ...s.labels };
    const matchers = Object.entries(labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    return { series: `${s.metric}{${matchers.join(", ")}}`, values: s.values };
  });
}

/**
 * The rows the alerts are unit-tested on: the stack that carries a PrometheusRule, at each chart version (the row with
 * tenants aside: its platform rules are the same groups, for another namespace, and 18.11.0 only).
 */
const KPS_ROWS = REAL_ROWS.filter((row) => row.props.monitoring?.stack?.kind === "kube-prometheus-stack" && row.props.tenants === undefined);

test("given the table, then there is a kube-prometheus-stack row at every chart version to unit-test the alerts on", () => {
  expect(KPS_ROWS.map((r) => r.chartVersion)).toEqual([...CHART_VERSIONS]);
});

describe.each(KPS_ROWS.map((row) => [row.name, row] as const))("the platform's alerts of %s", (_, row) => {
  const stack = realStack(row.name, row.props, row.id);
  const groups = platformGroups(stack);
  const alerts = alertsOf(groups);
  const namespaces = { loki: stack.stack.names.namespace, fluentBit: stack.stack.settings.fluentBit?.namespace ?? "" };
  const rulesFile = stringify({ groups });

  test("then every platform alert has a firing and a healthy case, and every case names an alert of the platform", () => {
    expect(stack.json.resource.kubernetes_manifest?.loki_platform_rules).toBeDefined();
    expect([...alerts.keys()].sort()).toEqual(Object.keys(ALERT_CASES).sort());
    for (const cases of Object.values(ALERT_CASES) as AlertCases[]) {
      expect(cases.firing.series.length).toBeGreaterThan(0);
      expect(cases.healthy.series.length).toBeGreaterThan(0);
    }
  });

  /** Runs one unit test of one alert: the scenario's series, and the alerts promtool must see at evalTime. */
  async function unitTest(alert: string, scenario: Scenario, expAlerts: Json[]): Promise<ProgramRun> {
    const test = {
      rule_files: ["rules.yaml"],
      evaluation_interval: "1m",
      tests: [
        {
          interval: scenario.interval ?? "1m",
          input_series: inputSeries(scenario, namespaces),
          alert_rule_test: [{ eval_time: scenario.evalTime, alertname: alert, exp_alerts: expAlerts }],
        },
      ],
    };
    return promtool(["test", "rules", "test.yaml"], { "rules.yaml": rulesFile, "test.yaml": stringify(test) });
  }

  describe.each(Object.keys(ALERT_CASES))("%s", (alert) => {
    const cases = ALERT_CASES[alert];

    test("given a synthetic series of the failure it names, when promtool evaluates the rules, then it fires with its labels and annotations", async () => {
      const rule = alerts.get(alert) as Json;
      expect(rule).toBeDefined();
      const part = cases.firing.series[0].part;
      const labels = { namespace: namespaces[part], ...cases.firing.labels };
      const run = await unitTest(alert, cases.firing, [{ exp_labels: labels, exp_annotations: expectedAnnotations(rule, { ...labels, alertname: alert }, cases.firing) }]);
      expect(said(run)).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS/) });
    });

    test("given a healthy series, when promtool evaluates the rules, then it stays quiet", async () => {
      const run = await unitTest(alert, cases.healthy, []);
      expect(said(run)).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS/) });
      for (const quiet of cases.alsoQuiet ?? []) {
        expect([quiet.why, said(await unitTest(alert, quiet, []))]).toEqual([quiet.why, { status: 0, output: expect.stringMatching(/SUCCESS/) }]);
      }
    });
  });
});
