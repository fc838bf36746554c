import { ConfigError } from "../../../lib/core/validation";
import {
  checkAlertTemplate,
  checkRuleFiles,
  checkRuleFileText,
  findRuleFileProblem,
  LOKI_RULER_TEMPLATE_FUNCTIONS,
  LOKI_RULER_TEMPLATE_VARIABLES,
  parsePrometheusDuration,
  readRuleFile,
} from "../../../lib/loki/rules/rulefmt";
import { AlertingRule, EXAMPLE_RULE_GROUPS, LokiRule, RuleGroup } from "../../../lib/loki/rules/rules";

const GOOD_EXPR = 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9';

/** One group "argocd" holding the given rules. */
function group(...rules: LokiRule[]): RuleGroup[] {
  return [{ name: "argocd", rules }];
}

/** The reference alert with changes. */
function alert(extra: Partial<AlertingRule> = {}): AlertingRule {
  return { alert: "HighPercentageError", expr: GOOD_EXPR, ...extra };
}

/** The ConfigError a check throws. */
function errorOf(fn: () => void): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).not.toContain("\n");
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError, got none");
}

describe("parsePrometheusDuration", () => {
  test.each([
    ["0", 0],
    ["0s", 0],
    ["30s", 30_000],
    ["1m", 60_000],
    ["1h30m", 5_400_000],
    ["1y2w3d4h5m6s7ms", 31_536_000_000 + 1_209_600_000 + 259_200_000 + 14_400_000 + 300_000 + 6_000 + 7],
    ["01m", 60_000],
  ])("given %s, then it is %d ms", (text, ms) => {
    expect(parsePrometheusDuration(text)).toEqual({ ms });
  });

  test.each([
    ["", "empty duration string"],
    ["5", 'not a valid duration string: "5"'],
    ["m", 'not a valid duration string: "m"'],
    ["30m1h", 'not a valid duration string: "30m1h"'],
    ["1m1m", 'not a valid duration string: "1m1m"'],
    ["1 minute", 'unknown unit " minute" in duration "1 minute"'],
    ["1.5m", 'unknown unit "." in duration "1.5m"'],
    ["5ns", 'unknown unit "ns" in duration "5ns"'],
    ["-5m", 'not a valid duration string: "-5m"'],
    ["300y", "duration out of range"],
  ])("fails on %j with Prometheus' message", (text, error) => {
    expect(parsePrometheusDuration(text)).toEqual({ error });
  });
});

describe("checkAlertTemplate", () => {
  test("given the variables Loki declares and Prometheus' functions, then each is known", () => {
    for (const variable of LOKI_RULER_TEMPLATE_VARIABLES) expect(() => checkAlertTemplate("A", `{{ ${variable} }}`)).not.toThrow();
    for (const fn of LOKI_RULER_TEMPLATE_FUNCTIONS) expect(() => checkAlertTemplate("A", `{{ ${fn} }}`)).not.toThrow();
    expect(LOKI_RULER_TEMPLATE_FUNCTIONS).toHaveLength(26);
  });

  test("fails on $externalURL, which Loki, unlike Prometheus, does not declare", () => {
    expect(() => checkAlertTemplate("A", "{{ $externalURL }}")).toThrow('template: __alert_A:1: undefined variable "$externalURL"');
  });

  test("fails on a function Prometheus added after the copy Loki 3.4.2 vendors", () => {
    expect(() => checkAlertTemplate("A", "{{ toDuration 1 }}")).toThrow('template: __alert_A:1: function "toDuration" not defined');
  });
});

describe("checkRuleFiles", () => {
  test("given the reference rules and an empty list, then both pass", () => {
    expect(() => checkRuleFiles(EXAMPLE_RULE_GROUPS)).not.toThrow();
    expect(() => checkRuleFiles([])).not.toThrow();
  });

  test("given templates in labels and annotations that Loki parses, then they pass", () => {
    const annotations = { summary: "{{ $labels.namespace }} logged {{ $value | humanize }} errors", runbook: "{{ externalURL }}/runbooks" };
    expect(() => checkRuleFiles(group(alert({ labels: { team: "{{ $labels.namespace | toUpper }}" }, annotations })))).not.toThrow();
  });

  test("fails on an annotation template that does not parse, naming group, rule and annotation, with the position", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ annotations: { summary: "{{ $value" } }))));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary');
    expect(err.message).toBe(
      'ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary must be a Go template that Loki\'s ruler parses: ' +
        "Prometheus' template functions, the variables $labels, $externalLabels, $value (got \"{{ $value\"): " +
        "Loki's ruler refuses the rule file: annotation \"summary\": template: __alert_HighPercentageError:1: unclosed action " +
        "at line 1, column 10 of the annotation; a refused file disables every rule of its tenant",
    );
  });

  test("fails on a label template with an unknown function, naming the label", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ labels: { severity: "{{ humanise $value }}" } }))));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].labels.severity');
    expect(err.message).toMatch(/label "severity": template: __alert_HighPercentageError:1: function "humanise" not defined at line 1, column \d+ of the label/);
  });

  test("fails on a template mistake on the second line with that line", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ annotations: { description: "first line\n{{ $nope }}" } }))));
    expect(err.message).toMatch(/template: __alert_HighPercentageError:2: undefined variable "\$nope" at line 2, column \d+ of the annotation/);
  });

  test("fails on a key slipped onto a rule at runtime, which the ruler refuses", () => {
    const rule = { ...alert(), severity: "warning" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule)));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].severity');
    expect(err.message).toMatch(/field severity not found in type rulefmt\.RuleNode/);
  });

  test("fails on for slipped onto a recording rule at runtime", () => {
    const rule = { record: "ns:errors:rate5m", expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))', for: "5m" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule)));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["ns:errors:rate5m"].for');
    expect(err.message).toMatch(/invalid field 'for' in recording rule/);
  });

  test("fails on annotations slipped onto a recording rule at runtime", () => {
    const rule = { record: "ns:errors:rate5m", expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))', annotations: { summary: "x" } } as unknown as LokiRule;
    expect(errorOf(() => checkRuleFiles(group(rule))).setting).toBe('ruleGroups["argocd"].rules["ns:errors:rate5m"].annotations');
  });

  test("fails on keep_firing_for, which the ruler takes but the stack would not render", () => {
    const rule = { ...alert(), keep_firing_for: "5m" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule)));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].keep_firing_for');
    expect(err.message).toMatch(/the stack would leave it out of the rule file/);
  });

  test("fails on a group key the stack would not render", () => {
    const groups = [{ name: "argocd", limit: 5, rules: [alert()] }] as unknown as RuleGroup[];
    expect(errorOf(() => checkRuleFiles(groups)).setting).toBe('ruleGroups["argocd"].limit');
  });

  test("fails on a for whose units are out of order, which the project's own duration check lets through", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ for: "30s1m" }))));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].for');
    expect(err.message).toMatch(/not a valid duration string: "30s1m"/);
  });
});

describe("findRuleFileProblem", () => {
  test("given a YAML syntax error, then it is refused as YAML with its position", () => {
    const problem = findRuleFileProblem("groups:\n  - name: g\n    rules: [\n");
    expect(problem).toMatchObject({ kind: "yaml", setting: "ruleFile" });
    expect(problem?.where).toMatch(/^line \d+, column \d+ of the rule file$/);
  });

  test("given several rules, then the first problem in file order is the one reported", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        labels: {1bad: x}", "      - expr: x", ""].join("\n");
    expect(findRuleFileProblem(text)?.rulerMessage).toBe("invalid label name: 1bad");
  });

  test("given an expression that Grafana's LogQL grammar refuses, then it is refused as the ruler refuses it", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", "        expr: 'count_over_time({app=\"x\"[5m]) > 1'", ""].join("\n");
    expect(findRuleFileProblem(text)).toMatchObject({ kind: "expr", setting: 'ruleGroups["g"].rules["A"].expr' });
  });
});

describe("checkRuleFileText and readRuleFile", () => {
  test("given a file the ruler loads but the project's own checks refuse (a log query as an alert), then it is refused", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", "        expr: '{app=\"x\"} |= \"error\"'", ""].join("\n");
    expect(findRuleFileProblem(text)).toBeUndefined();
    expect(errorOf(() => checkRuleFileText(text)).setting).toBe('ruleGroups["g"].rules["A"].expr');
  });

  test("given for: 0, which Prometheus durations allow without a unit, then the file is accepted", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        for: 0", ""].join("\n");
    expect(() => checkRuleFileText(text)).not.toThrow();
  });

  test("given a file with nulls and numbers, then it reads them as the ruler's yaml.v3 does", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        labels:", "          priority: 1", "          empty: ~", "        annotations: ~", ""].join("\n");
    expect(readRuleFile(text)).toEqual([{ name: "g", rules: [{ alert: "A", expr: GOOD_EXPR, labels: { priority: "1", empty: "" } }] }]);
  });
});
