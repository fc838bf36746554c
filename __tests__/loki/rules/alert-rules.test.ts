import { parse } from "yaml";
import { renderRuleFile, ruleFile, ruleFileName, ruleFiles } from "../../../lib/loki/rules/alert-rules";
import { readRuleFile } from "../../../lib/loki/rules/rulefmt";
import { LOKI_CHART } from "../../../lib/loki/chart-versions";
import { AlertingRule, EXAMPLE_RULE_GROUPS, RuleGroup } from "../../../lib/loki/rules/rules";

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

describe("given rules written in TypeScript, when rendered and read back as Loki's ruler reads the file", () => {
  /** Strings that YAML would take for something else unless the renderer quotes them right. */
  const TRICKY = [
    "{{ $labels.namespace }} logged {{ $value | humanize }} errors",
    '{{ printf "%.2f" $value }}',
    "{{- if gt $value 10.0 -}}high{{- else -}}low{{- end -}}",
    "{{ $labels.job }}: {{ $value }}",
    "it's 'quoted'",
    'say "hi"',
    "a: b",
    "# not a comment",
    "- dash",
    "> folded",
    "| literal",
    "@at",
    "`tick`",
    "%percent",
    "&anchor",
    "*alias",
    "!tag",
    "? question",
    "[not, a, list]",
    "{not: a map}",
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "true",
    "False",
    "null",
    "~",
    "",
    "1e3",
    "0x10",
    "010",
    "1_000",
    ".inf",
    "2024-04-01",
    "12:30",
    " leading space",
    "trailing space ",
    "tab\there",
    "multi\nline",
    "multi\nline\n",
    "\n",
    "unicode é ✓ 🚀",
    "back\\slash",
  ];
  const labels = Object.fromEntries(TRICKY.map((value, i) => [`z${TRICKY.length - i}_label`, value]));
  const annotations = Object.fromEntries(TRICKY.map((value, i) => [`a${(i * 7) % TRICKY.length}`, value]));
  const GROUP: RuleGroup = {
    name: "round-trip",
    interval: "1m",
    limit: 50,
    rules: [
      { alert: "Tricky", expr: 'sum(rate({app="foo"} |= "error" [5m])) by (job)\n  /\nsum(rate({app="foo"}[5m])) by (job)\n  > 0.05\n', for: "5m", labels, annotations },
      { record: "ns:errors:rate5m", expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))', labels: { on: "yes", empty: "" } },
      { alert: "Plain", expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9' },
    ],
  };

  test("then every group, rule, template and value is exactly what was written", () => {
    expect(readRuleFile(renderRuleFile(GROUP), LOKI_CHART.lokiVersion)).toEqual([GROUP]);
    for (const group of EXAMPLE_RULE_GROUPS) expect(readRuleFile(renderRuleFile(group), LOKI_CHART.lokiVersion)).toEqual([group]);
  });

  test("then keys keep the order they were written in", () => {
    const [read] = readRuleFile(renderRuleFile(GROUP), LOKI_CHART.lokiVersion);
    const [tricky] = read.rules as AlertingRule[];
    expect(Object.keys(tricky.labels ?? {})).toEqual(Object.keys(labels));
    expect(Object.keys(tricky.annotations ?? {})).toEqual(Object.keys(annotations));
    expect(Object.keys(parse(renderRuleFile(GROUP)).groups[0].rules[0])).toEqual(["alert", "expr", "for", "labels", "annotations"]);
    expect(Object.keys(parse(renderRuleFile(GROUP)).groups[0])).toEqual(["name", "interval", "limit", "rules"]);
  });

  test("then a YAML 1.2 reader (the yaml library's default) reads the same values", () => {
    expect(parse(renderRuleFile(GROUP))).toEqual(ruleFile(GROUP));
  });
});
