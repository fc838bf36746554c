import { ConfigError } from "../../lib/core/validation";
import { checkPrometheusRuleGroups, findPromQLSyntaxError, PrometheusRuleGroup, promqlMetricNames } from "../../lib/monitoring/promql";

const ok: PrometheusRuleGroup = {
  name: "team",
  rules: [
    { record: "namespace:loki_distributor_lines_received:rate5m", expr: "sum by (namespace) (rate(loki_distributor_lines_received_total[5m]))" },
    {
      alert: "LokiNoLines",
      expr: "sum(namespace:loki_distributor_lines_received:rate5m) == 0",
      for: "30m",
      labels: { severity: "warning", team: "platform" },
      annotations: { summary: "No lines", description: "Nothing arrives; check the agents." },
    },
  ],
};

/** Expects one ConfigError whose message starts with the setting. */
function expectConfigError(fn: () => void, setting: string): void {
  expect(fn).toThrow(ConfigError);
  expect(fn).toThrow(new RegExp(`^${setting.replace(/[[\]".]/g, "\\$&")} must be `));
}

describe("findPromQLSyntaxError", () => {
  test("given valid PromQL, then no error", () => {
    expect(findPromQLSyntaxError('histogram_quantile(0.99, sum by (le) (rate(a_bucket{job="x"}[5m])))')).toBeUndefined();
  });

  test("given an unclosed call, then the error is at the end", () => {
    expect(findPromQLSyntaxError("rate(x[5m]")).toEqual({ position: 10, line: 1, column: 11, near: "" });
  });

  test("given a stray operator, then the error names the position and the text", () => {
    const error = findPromQLSyntaxError("sum(rate(x[5m])) > > 1");
    expect(error?.position).toBeGreaterThan(15);
    expect(error?.near).not.toBe("");
  });
});

describe("promqlMetricNames", () => {
  test("given selectors, function names and labels, then only the metric names, once each", () => {
    expect(promqlMetricNames('sum by (reason) (rate(a_total{reason="x"}[5m])) / rate(a_total[5m]) + on (pod) b')).toEqual(["a_total", "b"]);
  });

  test("given a __name__ matcher, then its value is the metric", () => {
    expect(promqlMetricNames('{__name__="loki_panic_total", namespace="loki"}')).toEqual(["loki_panic_total"]);
  });
});

describe("checkPrometheusRuleGroups", () => {
  test("given typed user rules, then they pass", () => {
    expect(() => checkPrometheusRuleGroups("monitoring.ruleGroups", [ok])).not.toThrow();
  });

  const alert = ok.rules[1] as Extract<PrometheusRuleGroup["rules"][number], { alert: string }>;
  const withAlert = (patch: object): PrometheusRuleGroup[] => [{ ...ok, rules: [{ ...alert, ...patch } as typeof alert] }];

  test("fails on a syntax error, naming the rule and the position", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ expr: "sum(rate(x[5m])" })), 'monitoring.ruleGroups["team"].rules["LokiNoLines"].expr');
    expect(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ expr: "sum(rate(x[5m])" }))).toThrow(/syntax error at position 15/);
  });

  test("fails on an empty expression", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ expr: " " })), 'monitoring.ruleGroups["team"].rules["LokiNoLines"].expr');
  });

  test("fails on an alert without a severity", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ labels: {} })), 'monitoring.ruleGroups["team"].rules["LokiNoLines"].labels.severity');
  });

  test("fails on an unknown severity", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ labels: { severity: "page" } })), 'monitoring.ruleGroups["team"].rules["LokiNoLines"].labels.severity');
  });

  test("fails on an alert without a description", () => {
    expectConfigError(
      () => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ annotations: { summary: "x" } })),
      'monitoring.ruleGroups["team"].rules["LokiNoLines"].annotations.description',
    );
  });

  test("fails on a for that is not a duration", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ for: "soon" })), 'monitoring.ruleGroups["team"].rules["LokiNoLines"].for');
  });

  test("fails on a bad label name", () => {
    expectConfigError(
      () => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ labels: { severity: "info", "team-name": "x" } })),
      'monitoring.ruleGroups["team"].rules["LokiNoLines"].labels',
    );
  });

  test("fails on an alert name that is not a Prometheus name", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", withAlert({ alert: "no lines" })), 'monitoring.ruleGroups["team"].rules[0].alert');
  });

  test("fails on a recorded series that is not a metric name", () => {
    const bad: PrometheusRuleGroup[] = [{ name: "team", rules: [{ record: "lines per second", expr: "1" }] }];
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", bad), 'monitoring.ruleGroups["team"].rules[0].record');
  });

  test("fails on two groups of one name", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", [ok, ok]), "monitoring.ruleGroups[1].name");
  });

  test("fails on two rules of one name in a group", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", [{ ...ok, rules: [alert, alert] }]), 'monitoring.ruleGroups["team"].rules[1].alert');
  });

  test("fails on an empty group", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", [{ name: "team", rules: [] }]), 'monitoring.ruleGroups["team"].rules');
  });

  test("fails on a bad interval", () => {
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", [{ ...ok, interval: "0s" }]), 'monitoring.ruleGroups["team"].interval');
  });

  test("fails on a rule that is neither alerting nor recording", () => {
    const bad = [{ name: "team", rules: [{ expr: "1" }] }] as unknown as PrometheusRuleGroup[];
    expectConfigError(() => checkPrometheusRuleGroups("monitoring.ruleGroups", bad), 'monitoring.ruleGroups["team"].rules[0]');
  });
});
