import { parse } from "yaml";
import { renderRuleFile, ruleFile, ruleFileName, ruleFiles } from "../../../lib/loki/rules/alert-rules";
import { EXAMPLE_RULE_GROUPS, RuleGroup } from "../../../lib/loki/rules/rules";

const [ARGOCD] = EXAMPLE_RULE_GROUPS;

describe("renderRuleFile", () => {
  test("given the reference group, then the file is the Prometheus-style rule file Loki's ruler reads", () => {
    expect(parse(renderRuleFile(ARGOCD))).toEqual({
      groups: [
        {
          name: "argocd",
          rules: [
            {
              alert: "HighPercentageError",
              expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9',
              for: "1m",
              labels: { severity: "warning" },
              annotations: { summary: "Argo CD logged more than 9 error lines in 5 minutes" },
            },
          ],
        },
      ],
    });
  });

  test("given the reference group, then the text reads as written, keys in the usual order", () => {
    expect(renderRuleFile(ARGOCD)).toBe(
      [
        "groups:",
        "  - name: argocd",
        "    rules:",
        "      - alert: HighPercentageError",
        '        expr: count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9',
        "        for: 1m",
        "        labels:",
        "          severity: warning",
        "        annotations:",
        "          summary: Argo CD logged more than 9 error lines in 5 minutes",
        "",
      ].join("\n"),
    );
  });

  test("given a recording rule and an interval, then both are rendered and nothing alerting-only appears", () => {
    const group: RuleGroup = {
      name: "recorded",
      interval: "30s",
      rules: [{ record: "namespace:log_lines:rate5m", expr: "sum by (namespace) (rate({namespace=~\".+\"}[5m]))", labels: { team: "sre" } }],
    };
    expect(ruleFile(group)).toEqual({
      groups: [
        {
          name: "recorded",
          interval: "30s",
          rules: [{ record: "namespace:log_lines:rate5m", expr: "sum by (namespace) (rate({namespace=~\".+\"}[5m]))", labels: { team: "sre" } }],
        },
      ],
    });
  });

  test("given empty labels and annotations and no for, then those keys are left out", () => {
    const group: RuleGroup = { name: "g", rules: [{ alert: "A", expr: "vector(1) > 0", labels: {}, annotations: {} }] };
    expect(ruleFile(group).groups[0].rules[0]).toEqual({ alert: "A", expr: "vector(1) > 0" });
    expect(ruleFile(group).groups[0]).not.toHaveProperty("interval");
  });

  test("given a long expression, then it is never folded across lines", () => {
    const expr = `sum by (namespace, app) (count_over_time({namespace="argocd", app=~"argocd-(server|repo-server|application-controller)"} |= "level=error" [5m])) > 9`;
    const text = renderRuleFile({ name: "g", rules: [{ alert: "A", expr }] });
    expect(text).toContain(`expr: ${expr}\n`);
  });

  test("given a multi-line expression, a templated annotation and a YAML 1.1 boolean word, then all round-trip unchanged", () => {
    const expr = 'sum(rate({app="foo"} |= "error" [5m])) by (job)\n  /\nsum(rate({app="foo"}[5m])) by (job)\n  > 0.05\n';
    const annotations = { message: "{{ $labels.job }} is failing: {{ $value }}" };
    const text = renderRuleFile({ name: "g", rules: [{ alert: "A", expr, annotations, labels: { severity: "on" } }] });
    expect(parse(text).groups[0].rules[0]).toEqual({ alert: "A", expr, annotations, labels: { severity: "on" } });
    expect(text).toContain('severity: "on"');
  });
});

describe("ruleFiles", () => {
  test("given several groups, then each becomes its own <group>.yaml file", () => {
    const other: RuleGroup = { name: "payments", rules: [{ alert: "B", expr: 'count_over_time({app="pay"}[5m]) > 0' }] };
    const files = ruleFiles([ARGOCD, other]);
    expect(Object.keys(files)).toEqual(["argocd.yaml", "payments.yaml"]);
    expect(files["payments.yaml"]).toBe(renderRuleFile(other));
    expect(ruleFileName(other)).toBe("payments.yaml");
  });

  test("given no groups, then there are no files", () => {
    expect(ruleFiles([])).toEqual({});
  });
});
