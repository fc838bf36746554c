import { ConfigError } from "../../../lib/core/validation";
import {
  checkAlertTemplate,
  checkRuleFiles,
  checkRuleFileText,
  findRuleFileProblem,
  LOKI_RULER_TEMPLATE_VARIABLES,
  parsePrometheusDuration,
  readRuleFile,
  RULER_FORMATS,
  rulerFormat,
  TYPED_ALERT_KEYS,
  TYPED_GROUP_KEYS,
  TYPED_RECORD_KEYS,
} from "../../../lib/loki/rules/rulefmt";
import { LokiVersion } from "../../../lib/loki/chart";
import { LOKI_CHART } from "../../../lib/loki/chart-versions";
import { renderRuleFile } from "../../../lib/loki/rules/alert-rules";
import { AlertingRule, EXAMPLE_RULE_GROUPS, LokiRule, RuleGroup } from "../../../lib/loki/rules/rules";

/** The Loki version the stack deploys today, whose ruler the stack's rule files are checked for. */
const V = LOKI_CHART.lokiVersion;
/** Every Loki version the project knows a rule-file format for. */
const VERSIONS = Object.keys(RULER_FORMATS) as LokiVersion[];

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
  test.each(VERSIONS)("given Loki %s, then the variables Loki declares and each function of the Prometheus it vendors are known", (version) => {
    for (const variable of LOKI_RULER_TEMPLATE_VARIABLES) expect(() => checkAlertTemplate("A", `{{ ${variable} }}`, version)).not.toThrow();
    for (const fn of rulerFormat(version).templateFunctions) expect(() => checkAlertTemplate("A", `{{ ${fn} }}`, version)).not.toThrow();
  });

  test("given each version, then 3.4.2 has Prometheus 2.55's 26 functions and 3.7.6 adds toDuration, now and urlQueryEscape", () => {
    expect(rulerFormat("3.4.2").templateFunctions).toHaveLength(26);
    expect(rulerFormat("3.7.6").templateFunctions.filter((fn) => !rulerFormat("3.4.2").templateFunctions.includes(fn))).toEqual(["toDuration", "now", "urlQueryEscape"]);
  });

  test.each(VERSIONS)("fails on $externalURL, which Loki %s, unlike Prometheus, does not declare", (version) => {
    expect(() => checkAlertTemplate("A", "{{ $externalURL }}", version)).toThrow('template: __alert_A:1: undefined variable "$externalURL"');
  });

  test("fails on a function Prometheus added after the copy Loki 3.4.2 vendors, which 3.7.6 knows", () => {
    expect(() => checkAlertTemplate("A", "{{ toDuration 1 }}", "3.4.2")).toThrow('template: __alert_A:1: function "toDuration" not defined');
    expect(() => checkAlertTemplate("A", "{{ toDuration 1 }}", "3.7.6")).not.toThrow();
  });
});

describe("the rule-file format of each Loki version", () => {
  test.each(VERSIONS)("given Loki %s, then the typed rules have exactly the fields its ruler loads", (version) => {
    const { groupFields, ruleFields } = rulerFormat(version);
    const loaded = (fields: Readonly<Record<string, string>>) => Object.keys(fields).filter((f) => fields[f] === "loaded");
    expect([...TYPED_GROUP_KEYS].sort()).toEqual(loaded(groupFields).sort());
    expect([...new Set([...TYPED_ALERT_KEYS, ...TYPED_RECORD_KEYS])].sort()).toEqual(loaded(ruleFields).sort());
  });

  test("given each version, then 3.7.6 (Prometheus 3) knows a group's labels and 3.4.2 does not; both drop query_offset and keep_firing_for", () => {
    expect(Object.keys(rulerFormat("3.7.6").groupFields).filter((f) => !(f in rulerFormat("3.4.2").groupFields))).toEqual(["labels"]);
    for (const version of VERSIONS) {
      expect(rulerFormat(version).groupFields.query_offset).toBe("ignored");
      expect(rulerFormat(version).ruleFields.keep_firing_for).toBe("ignored");
    }
  });

  test("fails for a Loki version without a format, naming it", () => {
    expect(() => rulerFormat("9.9.9" as LokiVersion)).toThrow(/no rule-file format for Loki 9\.9\.9/);
  });
});

describe("checkRuleFiles", () => {
  test("given the reference rules and an empty list, then both pass", () => {
    expect(() => checkRuleFiles(EXAMPLE_RULE_GROUPS, V)).not.toThrow();
    expect(() => checkRuleFiles([], V)).not.toThrow();
  });

  test("given templates in labels and annotations that Loki parses, then they pass", () => {
    const annotations = { summary: "{{ $labels.namespace }} logged {{ $value | humanize }} errors", runbook: "{{ externalURL }}/runbooks" };
    expect(() => checkRuleFiles(group(alert({ labels: { team: "{{ $labels.namespace | toUpper }}" }, annotations })), V)).not.toThrow();
  });

  test("fails on an annotation template that does not parse, naming group, rule and annotation, with the position", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ annotations: { summary: "{{ $value" } })), "3.4.2"));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary');
    expect(err.message).toBe(
      'ruleGroups["argocd"].rules["HighPercentageError"].annotations.summary must be a Go template that Loki 3.4.2\'s ruler parses: ' +
        "the template functions of Prometheus 2.55, the variables $labels, $externalLabels, $value (got \"{{ $value\"): " +
        "Loki 3.4.2's ruler refuses the rule file: annotation \"summary\": template: __alert_HighPercentageError:1: unclosed action " +
        "at line 1, column 10 of the annotation; a refused file disables every rule of its tenant",
    );
  });

  test("fails on a label template with an unknown function, naming the label", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ labels: { severity: "{{ humanise $value }}" } })), V));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].labels.severity');
    expect(err.message).toMatch(/label "severity": template: __alert_HighPercentageError:1: function "humanise" not defined at line 1, column \d+ of the label/);
  });

  test("fails on a template mistake on the second line with that line", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ annotations: { description: "first line\n{{ $nope }}" } })), V));
    expect(err.message).toMatch(/template: __alert_HighPercentageError:2: undefined variable "\$nope" at line 2, column \d+ of the annotation/);
  });

  test("fails on a key slipped onto a rule at runtime, which the ruler refuses", () => {
    const rule = { ...alert(), severity: "warning" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule), "3.4.2"));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].severity');
    expect(err.message).toMatch(/field severity not found in type rulefmt\.RuleNode/);
    // Loki 3.7.6 vendors Prometheus 3, whose rule type is named rulefmt.Rule: the message is that ruler's own.
    expect(errorOf(() => checkRuleFiles(group(rule), "3.7.6")).message).toMatch(/field severity not found in type rulefmt\.Rule;/);
  });

  test("fails on for slipped onto a recording rule at runtime", () => {
    const rule = { record: "ns:errors:rate5m", expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))', for: "5m" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule), V));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["ns:errors:rate5m"].for');
    expect(err.message).toMatch(/invalid field 'for' in recording rule/);
  });

  test("fails on annotations slipped onto a recording rule at runtime", () => {
    const rule = { record: "ns:errors:rate5m", expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))', annotations: { summary: "x" } } as unknown as LokiRule;
    expect(errorOf(() => checkRuleFiles(group(rule), V)).setting).toBe('ruleGroups["argocd"].rules["ns:errors:rate5m"].annotations');
  });

  test.each(VERSIONS)("fails on keep_firing_for with Loki %s, whose ruler reads it and then drops it, saying so", (version) => {
    const rule = { ...alert(), keep_firing_for: "5m" } as unknown as LokiRule;
    const err = errorOf(() => checkRuleFiles(group(rule), version));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].keep_firing_for');
    expect(err.message).toContain(`must be absent: Loki ${version}'s ruler reads keep_firing_for and then drops it`);
    expect(err.message).toContain("its rule store keeps no keep_firing_for, so the alerting rule would run as if it were not set");
  });

  test.each(VERSIONS)("fails on a group's query_offset with Loki %s, whose ruler drops it, saying so", (version) => {
    const groups = [{ name: "argocd", query_offset: "1m", rules: [alert()] }] as unknown as RuleGroup[];
    const err = errorOf(() => checkRuleFiles(groups, version));
    expect(err.setting).toBe('ruleGroups["argocd"].query_offset');
    expect(err.message).toContain(`Loki ${version}'s ruler reads query_offset and then drops it`);
  });

  test("fails on a group's labels: Loki 3.4.2's ruler refuses the field, and 3.7.6's drops it", () => {
    const groups = [{ name: "argocd", labels: { team: "a" }, rules: [alert()] }] as unknown as RuleGroup[];
    const old = errorOf(() => checkRuleFiles(groups, "3.4.2"));
    expect(old.setting).toBe('ruleGroups["argocd"].labels');
    expect(old.message).toContain("must be absent: in the rule files of Loki 3.4.2's ruler, a group takes only the keys name, interval, query_offset, limit, rules");
    expect(old.message).toContain("Loki 3.4.2's ruler refuses the rule file: yaml: unmarshal errors: line 3: field labels not found in type rulefmt.RuleGroup");
    const current = errorOf(() => checkRuleFiles(groups, "3.7.6"));
    expect(current.setting).toBe('ruleGroups["argocd"].labels');
    expect(current.message).toContain("Loki 3.7.6's ruler reads labels and then drops it");
  });

  test("fails on a key slipped onto a rule with Loki 3.7.6, naming the Go type of that version's rulefmt", () => {
    const rule = { ...alert(), severity: "warning" } as unknown as LokiRule;
    expect(errorOf(() => checkRuleFiles(group(rule), "3.7.6")).message).toMatch(/field severity not found in type rulefmt\.Rule;/);
  });

  test.each(VERSIONS)("given a group limit with Loki %s, whose ruler loads it, then it is accepted, rendered and read back", (version) => {
    const groups: RuleGroup[] = [{ name: "argocd", limit: 10, rules: [alert()] }];
    expect(() => checkRuleFiles(groups, version)).not.toThrow();
    expect(readRuleFile(renderRuleFile(groups[0]), version)).toEqual(groups);
  });

  test("fails on a group key that is not a ruler field at all, which the stack would not render", () => {
    const groups = [{ name: "argocd", owner: "team-a", rules: [alert()] }] as unknown as RuleGroup[];
    const err = errorOf(() => checkRuleFiles(groups, V));
    expect(err.setting).toBe('ruleGroups["argocd"].owner');
    expect(err.message).toMatch(/field owner not found in type rulefmt\.RuleGroup/);
  });

  test("fails on a for whose units are out of order, which the project's own duration check lets through", () => {
    const err = errorOf(() => checkRuleFiles(group(alert({ for: "30s1m" })), V));
    expect(err.setting).toBe('ruleGroups["argocd"].rules["HighPercentageError"].for');
    expect(err.message).toMatch(/not a valid duration string: "30s1m"/);
  });
});

describe("findRuleFileProblem", () => {
  test("given a YAML syntax error, then it is refused as YAML with its position", () => {
    const problem = findRuleFileProblem("groups:\n  - name: g\n    rules: [\n", V);
    expect(problem).toMatchObject({ kind: "yaml", setting: "ruleFile" });
    expect(problem?.where).toMatch(/^line \d+, column \d+ of the rule file$/);
  });

  test("given several rules, then the first problem in file order is the one reported", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        labels: {1bad: x}", "      - expr: x", ""].join("\n");
    expect(findRuleFileProblem(text, V)?.rulerMessage).toBe("invalid label name: 1bad");
  });

  test("given an expression that Grafana's LogQL grammar refuses, then it is refused as the ruler refuses it", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", "        expr: 'count_over_time({app=\"x\"[5m]) > 1'", ""].join("\n");
    expect(findRuleFileProblem(text, V)).toMatchObject({ kind: "expr", setting: 'ruleGroups["g"].rules["A"].expr' });
  });
});

describe("checkRuleFileText and readRuleFile", () => {
  test("given a file the ruler loads but the project's own checks refuse (a log query as an alert), then it is refused", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", "        expr: '{app=\"x\"} |= \"error\"'", ""].join("\n");
    expect(findRuleFileProblem(text, V)).toBeUndefined();
    expect(errorOf(() => checkRuleFileText(text, V)).setting).toBe('ruleGroups["g"].rules["A"].expr');
  });

  test("given for: 0, which Prometheus durations allow without a unit, then the file is accepted", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        for: 0", ""].join("\n");
    expect(() => checkRuleFileText(text, V)).not.toThrow();
  });

  test("given a file with nulls and numbers, then it reads them as the ruler's yaml.v3 does", () => {
    const text = ["groups:", "  - name: g", "    rules:", "      - alert: A", `        expr: '${GOOD_EXPR}'`, "        labels:", "          priority: 1", "          empty: ~", "        annotations: ~", ""].join("\n");
    expect(readRuleFile(text, V)).toEqual([{ name: "g", rules: [{ alert: "A", expr: GOOD_EXPR, labels: { priority: "1", empty: "" } }] }]);
  });
});
