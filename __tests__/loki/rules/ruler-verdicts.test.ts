/**
 * Differential test against Loki 3.4.2's ruler: every rule file of every verdict corpus in
 * __tests__/fixtures/ruler-verdicts-*.json goes through the project's validation, which must give the
 * ruler's verdict: a loaded file is accepted, a refused file is refused, for the same kind of reason.
 * The corpus is read here only; the product code never sees it.
 */
import { readdirSync, readFileSync } from "fs";
import { join } from "path";
import { ConfigError } from "../../../lib/core/validation";
import { checkRuleFileText, findRuleFileProblem, RuleFileProblemKind } from "../../../lib/loki/rules/rulefmt";

interface VerdictCase {
  readonly id: string;
  readonly loaded: boolean;
  /** "loaded", or the ruler's error message. */
  readonly ruler: string;
  readonly file: string;
}

const FIXTURES = join(__dirname, "../../fixtures");
const CORPORA = readdirSync(FIXTURES).filter((name) => /^ruler-verdicts-.*\.json$/.test(name));
const CASES: readonly (readonly [string, VerdictCase])[] = CORPORA.flatMap((name) => {
  const corpus = JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as { cases: VerdictCase[] };
  return corpus.cases.map((c) => [`${name.replace(/\.json$/, "")}/${c.id}`, c] as const);
});

/** The kind of a Loki ruler message, by the message's own wording. */
const RULER_MESSAGE_KINDS: readonly (readonly [RegExp, RuleFileProblemKind])[] = [
  [/^(annotation|label) ".*": template: /, "template"],
  [/^invalid label name: /, "label-name"],
  [/^invalid label value: /, "label-value"],
  [/^invalid annotation name: /, "annotation-name"],
  [/^invalid recording rule name: /, "record-name"],
  [/^only one of 'record' and 'alert' must be set/, "alert-and-record"],
  [/^one of 'record' or 'alert' must be set/, "no-alert-or-record"],
  [/^field 'expr' must be set in rule/, "empty-expr"],
  [/^could not parse expression/, "expr"],
  [/^invalid field '.*' in recording rule/, "recording-field"],
  [/^yaml: unmarshal errors:\n\s+line \d+: field .* not found in type rulefmt\./, "unknown-field"],
  [/^yaml: unmarshal errors:\n\s+line \d+: mapping key .* already defined/, "duplicate-key"],
  [/^yaml: unmarshal errors:\n\s+line \d+: cannot unmarshal /, "type"],
  [/duration|^not a valid duration string/, "duration"],
  [/Groupname must not be empty/, "group-name"],
  [/is repeated in the same file/, "duplicate-group"],
  [/^yaml: |^EOF$/, "yaml"],
];

function rulerKind(message: string): RuleFileProblemKind | undefined {
  return RULER_MESSAGE_KINDS.find(([pattern]) => pattern.test(message))?.[1];
}

/** The project's verdict: undefined when accepted, else the ConfigError message. */
function projectVerdict(file: string): string | undefined {
  try {
    checkRuleFileText(file);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
}

describe("given the Loki 3.4.2 ruler verdict corpus", () => {
  test("then there is at least the shared corpus, with both verdicts", () => {
    expect(CORPORA).toContain("ruler-verdicts-loki-3.4.2.json");
    expect(CASES.length).toBeGreaterThanOrEqual(26);
    expect(CASES.some(([, c]) => c.loaded)).toBe(true);
    expect(CASES.some(([, c]) => !c.loaded)).toBe(true);
  });

  const loaded = CASES.filter(([, c]) => c.loaded);
  const refused = CASES.filter(([, c]) => !c.loaded);

  test.each(loaded)("given %s, which the ruler loaded, then the project accepts it", (_, c) => {
    expect(findRuleFileProblem(c.file)).toBeUndefined();
    expect(projectVerdict(c.file)).toBeUndefined();
  });

  test.each(refused)("fails on %s, which the ruler refused, for the same kind of reason", (_, c) => {
    const message = projectVerdict(c.file);
    expect(message).toBeDefined();
    expect(message).not.toContain("\n");
    const problem = findRuleFileProblem(c.file);
    expect(problem).toBeDefined();
    const kind = rulerKind(c.ruler);
    expect(kind).toBeDefined();
    expect(problem?.kind).toBe(kind);
  });

  test.each(refused.filter(([name]) => name.startsWith("ruler-verdicts-loki-3.4.2/")))(
    "fails on %s with the ruler's own message",
    (_, c) => {
      expect(findRuleFileProblem(c.file)?.rulerMessage).toBe(c.ruler);
    },
  );
});

/** A rule file of one group "g" holding one rule, written as YAML lines under `rules:`. */
function file(...ruleLines: string[]): string {
  return ["groups:", "  - name: g", "    rules:", ...ruleLines.map((line) => `      ${line}`), ""].join("\n");
}

const EXPR = `expr: 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9'`;
const RECORD_EXPR = `expr: 'sum by (namespace) (rate({namespace="argocd"}[5m]))'`;

/**
 * Cases of our own, with the verdict read from Loki 3.4.2's source (pkg/ruler/compat.go and the
 * vendored rulefmt, template and prometheus/common model packages), not from a ruler run.
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
    const problem = findRuleFileProblem(text);
    if (rulerMessage instanceof RegExp) expect(problem?.rulerMessage).toMatch(rulerMessage);
    else expect(problem?.rulerMessage).toBe(rulerMessage);
    if (rulerMessage !== undefined) expect(problem?.kind).toBe(rulerKind(problem?.rulerMessage ?? ""));
  });
});
