import {
  analyzeLogQL,
  checkLogQLRuleExpression,
  checkRuleGroups,
  findLogQLSyntaxError,
  matcherMatchesEmpty,
  unquoteLogQLString,
} from "../../../lib/loki/rules/logql";
import { AlertingRule, EXAMPLE_RULE_GROUPS, LokiRule, RuleGroup } from "../../../lib/loki/rules/rules";
import { resolveLokiStackProps } from "../../../lib/loki-stack-props";
import { ConfigError } from "../../../lib/core/validation";

const GOOD_EXPR = 'count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9';

/** One group "argocd" holding the given rules. */
function group(...rules: LokiRule[]): RuleGroup[] {
  return [{ name: "argocd", rules }];
}

/** An alerting rule named "HighPercentageError" with the given expression. */
function alert(expr: string, extra: Partial<AlertingRule> = {}): AlertingRule {
  return { alert: "HighPercentageError", expr, ...extra };
}

/** The ConfigError message a check throws. */
function errorOf(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error("expected a ConfigError, got none");
}

describe("findLogQLSyntaxError", () => {
  test("given the reference alert expression, then it parses", () => {
    expect(findLogQLSyntaxError(GOOD_EXPR)).toBeUndefined();
  });

  test("given a selector missing its closing brace, then the error points at the range that follows", () => {
    expect(findLogQLSyntaxError('count_over_time({app="x"[5m])')).toEqual({ position: 24, line: 1, column: 25, near: "[5m])" });
  });

  test("given a multi-line expression with a bad unit, then line and column are those of the mistake", () => {
    const error = findLogQLSyntaxError('sum(\n  rate({app="a"} [5x])\n)');
    expect(error).toMatchObject({ line: 2, column: 19 });
  });

  test("given an unfinished expression, then the error is at its end with nothing near it", () => {
    const expr = 'count_over_time({app="a"}[5m]';
    expect(findLogQLSyntaxError(expr)).toMatchObject({ position: expr.length, near: "" });
  });
});

describe("analyzeLogQL", () => {
  test("given a metric query, then it reports kind, selectors, ranges and offsets", () => {
    const analysis = analyzeLogQL('sum by (pod) (rate({namespace="argocd", pod=~"api-.*"} |= "error" [5m] offset 1h))');
    expect(analysis?.kind).toBe("metric");
    expect(analysis?.selectors).toEqual([
      {
        text: '{namespace="argocd", pod=~"api-.*"}',
        position: 19,
        matchers: [
          { label: "namespace", op: "=", value: "argocd" },
          { label: "pod", op: "=~", value: "api-.*" },
        ],
      },
    ]);
    expect(analysis?.durations).toEqual([
      { kind: "range", text: "5m", position: 67 },
      { kind: "offset", text: "1h", position: 78 },
    ]);
  });

  test("given a log query, then its kind is log", () => {
    expect(analyzeLogQL('{namespace="argocd"} |= "error"')?.kind).toBe("log");
  });

  test("given a duration inside a label filter, then it is not taken for a range", () => {
    expect(analyzeLogQL('count_over_time({app="a"} | logfmt | duration > 10s [1m])')?.durations).toEqual([{ kind: "range", text: "1m", position: 53 }]);
  });

  test("given an expression that does not parse, then there is no analysis", () => {
    expect(analyzeLogQL("rate({app=")).toBeUndefined();
  });
});

describe("unquoteLogQLString", () => {
  test("given Go escapes, then they are decoded", () => {
    expect(unquoteLogQLString('"a\\"b\\\\d\\n\\x41\\u00e9\\101"')).toBe('a"b\\d\nAéA');
  });

  test("given a back-quoted raw string, then backslashes stay", () => {
    expect(unquoteLogQLString("`\\d+`")).toBe("\\d+");
  });

  test("fails on an escape Go does not know", () => {
    expect(() => unquoteLogQLString('"\\q"')).toThrow(/unknown escape sequence \\q/);
  });
});

describe("matcherMatchesEmpty", () => {
  test.each([
    ["=", "argocd", false],
    ["=", "", true],
    ["!=", "argocd", true],
    ["!=", "", false],
    ["=~", ".*", true],
    ["=~", ".+", false],
    ["=~", "api|", true],
    ["=~", "(?i)argo.*", false],
    ["=~", "(?P<app>argo)", false],
    ["!~", ".+", true],
    ["!~", ".*", false],
  ] as const)("given %s %j, then it matches the empty string: %s", (op, value, expected) => {
    expect(matcherMatchesEmpty({ label: "app", op, value })).toBe(expected);
  });
});

describe("checkRuleGroups", () => {
  test("given the reference rule groups, then they pass", () => {
    expect(() => checkRuleGroups(EXAMPLE_RULE_GROUPS)).not.toThrow();
  });

  test("given no groups, then they pass", () => {
    expect(() => checkRuleGroups([])).not.toThrow();
  });

  test("given valid alerting and recording rules of every shape, then they pass", () => {
    const groups: RuleGroup[] = [
      {
        name: "platform.errors_v2",
        interval: "30s",
        rules: [
          alert('sum by (app) (rate({namespace="prod", app=~".+"} |= "error" [5m])) > 0.1', { for: "0s" }),
          alert('absent_over_time({namespace="prod", app="api"}[15m])', { alert: "ApiSilent", for: "1h30m" }),
          alert('count_over_time({namespace="prod"} |~ `(?i)panic` [1m]) > 0 # any panic', { alert: "Panic" }),
          alert('sum(rate({app="a", env!="dev"} | json | level="error" [5m])) / sum(rate({app="a"}[5m])) > 0.05', { alert: "ErrorRatio" }),
          { record: "namespace:log_lines:rate5m", expr: 'sum by (namespace) (rate({namespace=~"prod|staging"}[5m]))', labels: { team: "sre" } },
        ],
      },
    ];
    expect(() => checkRuleGroups(groups)).not.toThrow();
  });

  test("given a multi-line expression, then it passes", () => {
    expect(() => checkRuleGroups(group(alert('sum(rate({app="foo"} |= "error" [5m])) by (job)\n  /\nsum(rate({app="foo"}[5m])) by (job)\n  > 0.05\n')))).not.toThrow();
  });

  test("fails on a syntax error, naming the group, the rule, the expression and the position", () => {
    const message = errorOf(() => checkRuleGroups(group(alert('count_over_time({app="x"[5m]) > 1'))));
    expect(message).toBe(
      'ruleGroups["argocd"].rules["HighPercentageError"].expr must be a valid LogQL expression (got "count_over_time({app=\\"x\\"[5m]) > 1"): ' +
        'syntax error at position 24 (line 1, column 25) near "[5m]) > 1"',
    );
  });

  test("fails on an unfinished expression, saying the error is at its end", () => {
    expect(() => checkRuleGroups(group(alert('sum(rate({app="x"}[5m])')))).toThrow(/syntax error at position 23 \(line 1, column 24\) at the end of the expression/);
  });

  test("fails on an empty expression", () => {
    expect(() => checkRuleGroups(group(alert("  ")))).toThrow(/ruleGroups\["argocd"\]\.rules\["HighPercentageError"\]\.expr must be a LogQL metric query/);
  });

  test("fails on a log query used as an alert", () => {
    expect(() => checkRuleGroups(group(alert('{namespace="argocd"} |= "level=error"')))).toThrow(
      /rules\["HighPercentageError"\]\.expr must be a LogQL metric query .*: this is a log query, which returns log lines/,
    );
  });

  test("fails on a log query used as a recording rule", () => {
    expect(() => checkRuleGroups(group({ record: "argocd:errors", expr: '{namespace="argocd"}' }))).toThrow(/rules\["argocd:errors"\]\.expr must be a LogQL metric query/);
  });

  test.each([
    ['{app=~".*"}', "a regex that matches everything"],
    ['{app!="api"}', "a negative matcher"],
    ['{app=""}', "an empty equality"],
    ['{app=~"api|"}', "a regex with an empty alternative"],
    ['{app!~".+"}', "a negative regex"],
    ['{app=~".*", env!="dev"}', "two empty-compatible matchers"],
  ])("fails on the selector %s (%s)", (selector) => {
    const message = errorOf(() => checkRuleGroups(group(alert(`count_over_time(${selector} [5m]) > 0`))));
    expect(message).toContain("must be a LogQL expression whose every stream selector has a matcher that cannot match the empty string");
    expect(message).toContain(`${selector} at position 16 could select every stream`);
  });

  test("fails on an empty-compatible selector in the second half of a binary expression", () => {
    expect(() => checkRuleGroups(group(alert('sum(rate({app="a"}[5m])) / sum(rate({app=~".*"}[5m])) > 1')))).toThrow(/\{app=~"\.\*"\} at position 36 could select every stream/);
  });

  test("fails on a regular expression that does not compile", () => {
    expect(() => checkRuleGroups(group(alert('count_over_time({app=~"(api"} [5m]) > 0')))).toThrow(
      /must be a LogQL expression whose regular expressions compile .*app=~"\(api" in \{app=~"\(api"\}/,
    );
  });

  test("fails on a string with an escape Go does not know", () => {
    expect(() => checkRuleGroups(group(alert('count_over_time({app="a\\q"} [5m]) > 0')))).toThrow(/valid Go string literals .*unknown escape sequence/);
  });

  test("fails on a zero range duration", () => {
    expect(() => checkRuleGroups(group(alert('count_over_time({app="a"} [0s]) > 0')))).toThrow(
      /\.expr must be a LogQL expression whose ranges are positive durations such as "5m" .*: range "0s" at position 27/,
    );
  });

  test("fails on a fractional range duration, outside the stack's duration form", () => {
    expect(() => checkRuleGroups(group(alert('count_over_time({app="a"} [1.5m]) > 0')))).toThrow(/range "1\.5m" at position 27/);
  });

  test("fails on an offset that is not a duration", () => {
    expect(() => checkRuleGroups(group(alert('count_over_time({app="a"} [5m] offset 5ns) > 0')))).toThrow(/offsets are durations .*offset "5ns"/);
  });

  test("fails on a bad for", () => {
    expect(() => checkRuleGroups(group(alert(GOOD_EXPR, { for: "1 minute" })))).toThrow(
      /^ruleGroups\["argocd"\]\.rules\["HighPercentageError"\]\.for must be a duration such as "30s"/,
    );
  });

  test.each([0, -1, 2.5])("fails on a group limit of %d: Prometheus reads 0 and below as no limit, so unset says that", (limit) => {
    expect(() => checkRuleGroups([{ name: "argocd", limit, rules: [alert(GOOD_EXPR)] }])).toThrow(`ruleGroups["argocd"].limit must be a whole number >= 1 (got ${limit})`);
  });

  test("fails on a bad group interval", () => {
    expect(() => checkRuleGroups([{ name: "argocd", interval: "0s", rules: [alert(GOOD_EXPR)] }])).toThrow(/^ruleGroups\["argocd"\]\.interval must be a duration/);
  });

  test("fails on a duplicate rule name within a group", () => {
    expect(() => checkRuleGroups(group(alert(GOOD_EXPR), alert(GOOD_EXPR)))).toThrow(
      'ruleGroups["argocd"].rules[1].alert must be unique within rule group "argocd" (got "HighPercentageError")',
    );
  });

  test("given the same rule name in two groups, then it passes", () => {
    expect(() => checkRuleGroups([...group(alert(GOOD_EXPR)), { name: "other", rules: [alert(GOOD_EXPR)] }])).not.toThrow();
  });

  test("fails on a duplicate group name", () => {
    expect(() => checkRuleGroups([...group(alert(GOOD_EXPR)), ...group(alert(GOOD_EXPR))])).toThrow(
      /^ruleGroups\[1\]\.name must be unique among rule groups \(got "argocd"\): each group becomes the rule file argocd\.yaml/,
    );
  });

  test("fails on a group name that cannot be a file name", () => {
    expect(() => checkRuleGroups([{ name: "team/errors", rules: [alert(GOOD_EXPR)] }])).toThrow(/^ruleGroups\[0\]\.name must be a group name of letters/);
  });

  test("fails on a group without rules", () => {
    expect(() => checkRuleGroups([{ name: "argocd", rules: [] }])).toThrow(/^ruleGroups\["argocd"\]\.rules must be a non-empty list of rules/);
  });

  test("fails on a recording rule whose name is not a metric name", () => {
    expect(() => checkRuleGroups(group({ record: "argocd errors", expr: GOOD_EXPR }))).toThrow(/^ruleGroups\["argocd"\]\.rules\[0\]\.record must be a metric name/);
  });

  test("fails on an alert without a name", () => {
    expect(() => checkRuleGroups(group(alert(GOOD_EXPR, { alert: "" })))).toThrow(/^ruleGroups\["argocd"\]\.rules\[0\]\.alert must be a non-empty name/);
  });

  test("fails on a label name Prometheus rejects", () => {
    expect(() => checkRuleGroups(group(alert(GOOD_EXPR, { labels: { "team-name": "sre" } })))).toThrow(
      /^ruleGroups\["argocd"\]\.rules\["HighPercentageError"\]\.labels must be a label name .*\(got "team-name"\)/,
    );
  });

  test("fails on an annotation name Prometheus rejects", () => {
    expect(() => checkRuleGroups(group(alert(GOOD_EXPR, { annotations: { "1summary": "x" } })))).toThrow(/\.annotations must be a label name/);
  });
});

describe("checkLogQLRuleExpression", () => {
  test("given any setting name, then the message starts with it", () => {
    expect(() => checkLogQLRuleExpression("myRule.expr", '{app="a"}')).toThrow(/^myRule\.expr must be a LogQL metric query/);
  });
});

describe("resolveLokiStackProps with rule groups", () => {
  test("fails at synth when a rule expression is broken, naming the rule", () => {
    expect(() => resolveLokiStackProps({ clusterName: "prod-eks", ruleGroups: group(alert("count_over_time({app=}[5m]) > 1")) }, "test")).toThrow(
      /ruleGroups\["argocd"\]\.rules\["HighPercentageError"\]\.expr must be a valid LogQL expression/,
    );
  });
});
