/**
 * Differential test against the real ruler of each Loki version: every rule file of every verdict corpus in
 * __tests__/fixtures/ruler-verdicts-loki-<version>.json goes through the project's validation for that version,
 * which must give that ruler's verdict: a loaded file is accepted, a refused file is refused, for the same reason,
 * in the ruler's own words. The corpora are read here only; the product code never sees them.
 */
import { ConfigError } from "../../../lib/core/validation";
import { LokiVersion } from "../../../lib/loki/chart";
import { checkRuleFileText, findRuleFileProblem } from "../../../lib/loki/rules/rulefmt";
import { CORPORA, rulerKind, rulerReason, VERDICT_CASES } from "../../support/ruler-verdicts";

const CASES = VERDICT_CASES;

/** The project's verdict for a Loki version: undefined when accepted, else the ConfigError message. */
function projectVerdict(file: string, version: LokiVersion): string | undefined {
  try {
    checkRuleFileText(file, version);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe("given the ruler verdict corpora of Loki 3.4.2 and 3.7.6", () => {
  test("then there is at least the shared corpus of each version, with both verdicts", () => {
    expect(CORPORA).toEqual(expect.arrayContaining(["ruler-verdicts-loki-3.4.2.json", "ruler-verdicts-loki-3.7.6.json"]));
    expect(CASES.length).toBeGreaterThanOrEqual(52);
    expect(CASES.some(([, c]) => c.loaded)).toBe(true);
    expect(CASES.some(([, c]) => !c.loaded)).toBe(true);
  });

  const loaded = CASES.filter(([, c]) => c.loaded);
  const refused = CASES.filter(([, c]) => !c.loaded);

  test.each(loaded)("given %s, which the ruler loaded, then the project accepts it", (_, c) => {
    expect(findRuleFileProblem(c.file, c.version)).toBeUndefined();
    expect(projectVerdict(c.file, c.version)).toBeUndefined();
  });

  test.each(refused)("fails on %s, which the ruler refused, for the same kind of reason", (_, c) => {
    const message = projectVerdict(c.file, c.version);
    expect(message).toBeDefined();
    expect(message).not.toContain("\n");
    const problem = findRuleFileProblem(c.file, c.version);
    expect(problem).toBeDefined();
    const kind = rulerKind(c.ruler);
    expect(kind).toBeDefined();
    expect(problem?.kind).toBe(kind);
  });

  test.each(refused)("fails on %s with the ruler's own message", (_, c) => {
    expect(findRuleFileProblem(c.file, c.version)?.rulerMessage).toBe(rulerReason(c.ruler));
  });
});

/** A rule file of one group "g" holding one rule, written as YAML lines under `rules:`. */
function file(...ruleLines: string[]): string {
  return ["groups:", "  - name: g", "    rules:", ...ruleLines.map((line) => `      ${line}`), ""].join("\n");
}

const EXPR = `expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9'`;
const RECORD_EXPR = `expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))'`;

/**
 * Cases of our own, with the verdict read from Loki 3.4.2's source (pkg/ruler/compat.go and the
 * vendored rulefmt, template and prometheus/common model packages), not from a ruler run. The real-program suite
 * asks the real rulers about every field and the template functions that differ (real/ruler.test.ts).
 */
const SOURCE_CASES: readonly (readonly [string, string, string | RegExp | undefined])[] = [
  ["a template in a recording rule's label (Loki parses templates of alerts only)", file("- record: ns:errors:rate5m", `  ${RECORD_EXPR}`, "  labels:", '    team: "{{ bad"'), undefined],
  ["keep_firing_for on a recording rule (Loki's own validation does not look at it)", file("- record: ns:errors:rate5m", `  ${RECORD_EXPR}`, "  keep_firing_for: 5m"), undefined],
  ["keep_firing_for, query_offset and limit", file("- alert: A", `  ${EXPR}`, "  keep_firing_for: 10m").replace("  - name: g\n", "  - name: g\n    query_offset: 1m\n    limit: 10\n"), undefined],
  ["$externalLabels, define/template and the externalURL function", file("- alert: A", `  ${EXPR}`, "  annotations:", `    a: '{{ $externalLabels.cluster }} {{ define "x" }}{{ . }}{{ end }}{{ template "x" $value }}'`, "    b: '{{ externalURL }}/alerts {{ pathPrefix }} {{ $labels.job | toUpper | reReplaceAll \"-\" \"_\" }}'"), undefined],
  ["a label value that is a number in YAML", file("- alert: A", `  ${EXPR}`, "  labels:", "    priority: 1"), undefined],
  ["two groups with the same name", file("- alert: A", `  ${EXPR}`) + ["  - name: g", "    rules:", "      - alert: B", `        ${EXPR}`, ""].join("\n"), 'groupname: "g" is repeated in the same file'],
  ["an empty group name", file("- alert: A", `  ${EXPR}`).replace("name: g", 'name: ""'), "group 0: Groupname must not be empty"],
  ["the label name __name__", file("- alert: A", `  ${EXPR}`, "  labels:", "    __name__: x"), "invalid label name: __name__"],
  ["an annotation name with a hyphen", file("- alert: A", `  ${EXPR}`, "  annotations:", "    run-book: x"), "invalid annotation name: run-book"],
  ["an unknown group key", file("- alert: A", `  ${EXPR}`).replace("  - name: g\n", "  - name: g\n    labels: {}\n"), "yaml: unmarshal errors:\n  line 3: field labels not found in type rulefmt.RuleGroup"],
  ["an unknown top-level key", `tenant: fake\n${file("- alert: A", `  ${EXPR}`)}`, "yaml: unmarshal errors:\n  line 1: field tenant not found in type rulefmt.RuleGroups"],
  ["a key given twice", file("- alert: A", `  ${EXPR}`, `  ${EXPR}`), 'yaml: unmarshal errors:\n  line 6: mapping key "expr" already defined at line 5'],
  ["rules given as a map", "groups:\n  - name: g\n    rules: {alert: A}\n", "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!map into []rulefmt.RuleNode"],
  ["duration units out of order", file("- alert: A", `  ${EXPR}`, "  for: 30m1h"), 'not a valid duration string: "30m1h"'],
  ["a fractional duration", file("- alert: A", `  ${EXPR}`, "  for: 1.5m"), 'unknown unit "." in duration "1.5m"'],
  ["an empty duration", file("- alert: A", `  ${EXPR}`, '  for: ""'), "empty duration string"],
  ["an interval that is not a duration", file("- alert: A", `  ${EXPR}`).replace("  - name: g\n", "  - name: g\n    interval: 1 minute\n"), 'unknown unit " minute" in duration "1 minute"'],
  ["the function now, which Prometheus added after Loki 3.4.2's vendored copy", file("- alert: A", `  ${EXPR}`, "  annotations:", "    at: '{{ now }}'"), 'annotation "at": template: __alert_A:1: function "now" not defined'],
  ["a template error on the second line of an annotation", file("- alert: A", `  ${EXPR}`, "  annotations:", "    d: |-", "      line one", "      {{ $value"), 'annotation "d": template: __alert_A:2: unclosed action'],
  ["an empty file", "", "EOF"],
  ["a group that is a string", "groups: [argocd]\n", "yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `argocd` into rulefmt.RuleGroup"],
  ["a limit that is not a number", file("- alert: A", `  ${EXPR}`).replace("  - name: g\n", "  - name: g\n    limit: unlimited\n"), "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `unlimited` into int"],
  ["a selector that matches every stream (Loki's validateMatchers, at parse time)", file("- alert: A", "  expr: 'count_over_time({namespace=~\".*\"} [5m]) > 9'"), "could not parse expression for alert 'A' in group 'g': queries require at least one regexp or equality matcher that does not have an empty-compatible value"],
  ["a regular expression that does not compile", file("- alert: A", "  expr: 'count_over_time({namespace=~\"(argo\"} [5m]) > 9'"), /^could not parse expression for alert 'A' in group 'g': /],
  ["an expression that does not parse", file("- record: r", "  expr: 'sum(rate({app=\"x\"}[5m])'"), /^could not parse expression for record 'r' in group 'g': parse error at line 1, col \d+: syntax error$/],
];

describe("given rule files whose verdict is read from Loki 3.4.2's source", () => {
  test.each(SOURCE_CASES)("given %s, then the verdict and message are the ruler's", (_, text, rulerMessage) => {
    const problem = findRuleFileProblem(text, "3.4.2");
    if (rulerMessage instanceof RegExp) expect(problem?.rulerMessage).toMatch(rulerMessage);
    else expect(problem?.rulerMessage).toBe(rulerMessage);
    if (rulerMessage !== undefined) expect(problem?.kind).toBe(rulerKind(problem?.rulerMessage ?? ""));
  });
});

/** Where Loki 3.7.6 differs from 3.4.2, read from its source (the vendored Prometheus 3.12 rulefmt and template). */
const SOURCE_CASES_3_7_6: readonly (readonly [string, string, string | undefined])[] = [
  ["the function now, which 3.7.6's vendored Prometheus has", file("- alert: A", `  ${EXPR}`, "  annotations:", "    at: '{{ now }}'"), undefined],
  ["a group's labels, a field of Prometheus 3's rulefmt", file("- alert: A", `  ${EXPR}`).replace("  - name: g\n", "  - name: g\n    labels: {team: a}\n"), undefined],
  ["a group's labels that are not a map", file("- alert: A", `  ${EXPR}`).replace("  - name: g\n", "  - name: g\n    labels: a\n"), "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `a` into map[string]string"],
  ["an unknown rule key, in Prometheus 3's type name", file("- alert: A", `  ${EXPR}`, "  severity: x"), "yaml: unmarshal errors:\n  line 6: field severity not found in type rulefmt.Rule"],
  ["rules given as a map, in Prometheus 3's type name", "groups:\n  - name: g\n    rules: {alert: A}\n", "yaml: unmarshal errors:\n  line 3: cannot unmarshal !!map into []rulefmt.Rule"],
];

describe("given rule files whose verdict is read from Loki 3.7.6's source", () => {
  test.each(SOURCE_CASES_3_7_6)("given %s, then the verdict and message are the ruler's", (_, text, rulerMessage) => {
    expect(findRuleFileProblem(text, "3.7.6")?.rulerMessage).toBe(rulerMessage);
  });
});
