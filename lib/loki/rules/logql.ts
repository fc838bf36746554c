import { parser } from "@grafana/lezer-logql";
import { ExpressionSyntaxError, firstSyntaxError } from "../../core/lezer";
import { check, checkDuration, checkInteger, ConfigError, parseDuration } from "../../core/validation";
import { isAlertingRule, LokiRule, RuleGroup } from "./rules";

/** A node of the LogQL syntax tree, as `@grafana/lezer-logql` returns it. */
type LogQLNode = ReturnType<typeof parser.parse>["topNode"];

/** Where Grafana's LogQL grammar gave up on an expression. */
export type LogQLSyntaxError = ExpressionSyntaxError;

/** Whether a LogQL expression returns log lines or numbers. */
export type LogQLKind = "log" | "metric";

/** One label matcher of a stream selector, such as `namespace="argocd"`. */
export interface LogQLMatcher {
  /** Label name. */
  readonly label: string;
  /** Matcher operator. */
  readonly op: "=" | "!=" | "=~" | "!~";
  /** The matched value, unquoted. */
  readonly value: string;
}

/** One stream selector, such as `{namespace="argocd"}`, with its matchers. */
export interface LogQLSelector {
  /** The selector as written. */
  readonly text: string;
  /** Offset of the selector in the expression. */
  readonly position: number;
  /** Its label matchers. */
  readonly matchers: readonly LogQLMatcher[];
}

/** A duration written in a LogQL expression: a range such as `[5m]` or an `offset`. */
export interface LogQLDuration {
  /** `range` for `[5m]`, `offset` for `offset 1h`. */
  readonly kind: "range" | "offset";
  /** The duration as written, such as `5m`. */
  readonly text: string;
  /** Offset of the duration in the expression. */
  readonly position: number;
}

/** What the checks need to know about a LogQL expression that parsed. */
export interface LogQLAnalysis {
  /** Log query or metric query. */
  readonly kind: LogQLKind;
  /** Every stream selector, in order. */
  readonly selectors: readonly LogQLSelector[];
  /** Every range and offset duration, in order. */
  readonly durations: readonly LogQLDuration[];
}

const MATCHER_OPS: Readonly<Record<string, LogQLMatcher["op"]>> = { Eq: "=", Neq: "!=", Re: "=~", Nre: "!~" };

/**
 * Finds the first syntax error in a LogQL expression with Grafana's own LogQL grammar.
 * The grammar never throws: it marks what it cannot parse with error nodes, and the first one is reported.
 * @see https://github.com/grafana/lezer-logql
 * @returns undefined when the expression parses
 */
export function findLogQLSyntaxError(expr: string): LogQLSyntaxError | undefined {
  return firstSyntaxError(parser.parse(expr), expr);
}

/**
 * Parses a LogQL expression and collects its kind, stream selectors and durations.
 * @returns undefined when the expression does not parse (see findLogQLSyntaxError)
 */
export function analyzeLogQL(expr: string): LogQLAnalysis | undefined {
  if (findLogQLSyntaxError(expr) !== undefined) return undefined;
  const tree = parser.parse(expr);
  const top = tree.topNode.getChild("Expr")?.firstChild;
  const kind: LogQLKind = top?.name === "MetricExpr" ? "metric" : "log";
  const selectors: LogQLSelector[] = [];
  const durations: LogQLDuration[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.name === "Selector") {
        selectors.push({ text: expr.slice(ref.from, ref.to), position: ref.from, matchers: matchersOf(ref.node, expr) });
      } else if (ref.name === "Duration" && (ref.node.parent?.name === "Range" || ref.node.parent?.name === "OffsetExpr")) {
        durations.push({ kind: ref.node.parent.name === "Range" ? "range" : "offset", text: expr.slice(ref.from, ref.to), position: ref.from });
      }
    },
  });
  return { kind, selectors, durations };
}

/** The label matchers inside one Selector node. */
function matchersOf(selector: LogQLNode, expr: string): LogQLMatcher[] {
  const matchers: LogQLMatcher[] = [];
  const cursor = selector.cursor();
  const end = selector.to;
  while (cursor.next() && cursor.from < end) {
    if (cursor.name !== "Matcher") continue;
    const node = cursor.node;
    const label = node.getChild("Identifier");
    const value = node.getChild("String");
    const op = ["Eq", "Neq", "Re", "Nre"].map((name) => node.getChild(name)).find((n) => n !== null);
    if (!label || !value || !op) continue;
    matchers.push({ label: expr.slice(label.from, label.to), op: MATCHER_OPS[op.name], value: unquoteLogQLString(expr.slice(value.from, value.to)) });
  }
  return matchers;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: "\x07", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", v: "\v", "\\": "\\", '"': '"', "'": "'" };

/**
 * Unquotes a LogQL string literal: a Go double-quoted string with its escapes, or a back-quoted raw string.
 * @see https://go.dev/ref/spec#String_literals
 * @throws Error when an escape sequence is not valid Go
 */
export function unquoteLogQLString(literal: string): string {
  if (literal.startsWith("`")) return literal.slice(1, -1);
  const body = literal.slice(1, -1);
  return body.replace(/\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|[0-7]{3}|.)/gs, (_, esc: string) => {
    if (esc.length === 1) {
      const simple = SIMPLE_ESCAPES[esc];
      if (simple === undefined) throw new Error(`unknown escape sequence \\${esc}`);
      return simple;
    }
    if (/^[0-7]{3}$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
    return String.fromCodePoint(parseInt(esc.slice(1), 16));
  });
}

/**
 * Whether a label matcher also matches a stream that lacks the label (an empty value), as Loki decides it.
 * Regular expressions are anchored on both ends, like Loki's (RE2) matchers.
 * @see https://grafana.com/docs/loki/latest/query/log_queries/#log-stream-selector
 * @throws Error when the regular expression does not compile
 */
export function matcherMatchesEmpty(matcher: LogQLMatcher): boolean {
  switch (matcher.op) {
    case "=":
      return matcher.value === "";
    case "!=":
      return matcher.value !== "";
    case "=~":
      return anchoredRegExp(matcher.value).test("");
    case "!~":
      return !anchoredRegExp(matcher.value).test("");
  }
}

/** Compiles an RE2 pattern the way Loki anchors it, translating the RE2-only syntax a JavaScript RegExp lacks. */
function anchoredRegExp(pattern: string): RegExp {
  // RE2 allows leading inline flags such as (?i) and Python-style named groups (?P<name>...).
  const flagMatch = /^\(\?([imsU]+)\)/.exec(pattern);
  const flags = (flagMatch?.[1] ?? "").replace(/[mU]/g, "");
  const body = pattern.slice(flagMatch?.[0].length ?? 0).replace(/\(\?P</g, "(?<");
  return new RegExp(`^(?:${body})$`, flags);
}

/** The setting path of a rule group in error messages: `ruleGroups["argocd"]`. */
function groupSetting(group: RuleGroup, index: number): string {
  return typeof group?.name === "string" && group.name !== "" ? `ruleGroups[${JSON.stringify(group.name)}]` : `ruleGroups[${index}]`;
}

/** The name of a rule: its alert or its recorded series. */
function ruleName(rule: LokiRule): string {
  return isAlertingRule(rule) ? rule.alert : rule.record;
}

/**
 * Checks one LogQL expression the way Loki's ruler will: Grafana's grammar first, then the rules
 * the grammar does not know. Throws a ConfigError naming `setting`, the expression and the position.
 * - It must parse; the message shows the line, column and the text where parsing stopped.
 * - A rule must be a metric query (numbers), never a log query (lines): an alert compares numbers.
 * - Every stream selector needs a matcher that cannot match the empty string, as Loki demands;
 *   `{app=~".*"}` selects every stream and Loki rejects it.
 * - Every range (`[5m]`) must be a positive duration, and every `offset` a duration.
 * @see https://grafana.com/docs/loki/latest/query/
 * @see https://grafana.com/docs/loki/latest/alert/#alerting-rules
 */
export function checkLogQLRuleExpression(setting: string, expr: string): void {
  check(typeof expr === "string" && expr.trim() !== "", setting, expr, 'a LogQL metric query such as count_over_time({namespace="argocd"} |= "error" [5m]) > 9');
  const syntaxError = findLogQLSyntaxError(expr);
  if (syntaxError) {
    const where = syntaxError.near === "" ? "at the end of the expression" : `near ${JSON.stringify(syntaxError.near)}`;
    throw new ConfigError(
      setting,
      expr,
      "a valid LogQL expression",
      `syntax error at position ${syntaxError.position} (line ${syntaxError.line}, column ${syntaxError.column}) ${where}`,
    );
  }
  let analysis: LogQLAnalysis;
  try {
    analysis = analyzeLogQL(expr) as LogQLAnalysis;
  } catch (err) {
    throw new ConfigError(setting, expr, "a LogQL expression whose strings are valid Go string literals", (err as Error).message);
  }
  if (analysis.kind !== "metric") {
    throw new ConfigError(
      setting,
      expr,
      'a LogQL metric query such as count_over_time({namespace="argocd"} |= "error" [5m]) > 9',
      "this is a log query, which returns log lines; the ruler evaluates only metric queries, which return numbers",
    );
  }
  for (const selector of analysis.selectors) {
    const matchesEverything = selector.matchers.every((matcher) => {
      try {
        return matcherMatchesEmpty(matcher);
      } catch (err) {
        throw new ConfigError(
          setting,
          expr,
          "a LogQL expression whose regular expressions compile",
          `${matcher.label}${matcher.op}${JSON.stringify(matcher.value)} in ${selector.text}: ${(err as Error).message}`,
        );
      }
    });
    if (matchesEverything) {
      throw new ConfigError(
        setting,
        expr,
        "a LogQL expression whose every stream selector has a matcher that cannot match the empty string",
        `${selector.text} at position ${selector.position} could select every stream, and Loki rejects it; add a matcher such as namespace="argocd"`,
      );
    }
  }
  for (const duration of analysis.durations) {
    const ms = parseDuration(duration.text);
    const ok = ms !== undefined && (duration.kind === "offset" || ms > 0);
    if (!ok) {
      throw new ConfigError(
        setting,
        expr,
        `a LogQL expression whose ${duration.kind === "range" ? "ranges are positive durations" : "offsets are durations"} such as "5m" or "1h30m" (units ms, s, m, h, d, w, y)`,
        `${duration.kind} ${JSON.stringify(duration.text)} at position ${duration.position}`,
      );
    }
  }
}

const RULE_FILE_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;

/**
 * Validates rule groups with Grafana's LogQL grammar and Loki's own rules.
 * Throws a ConfigError naming the group, the rule and, for expressions, the position of the mistake.
 * - Group names are unique and usable as a file name: each group becomes the rule file `<name>.yaml`.
 * - Rule names are unique within their group; recorded series are valid metric names.
 * - `for` is a duration (zero allowed); `interval` a positive duration.
 * - Label and annotation names are valid Prometheus label names.
 * - Expressions pass checkLogQLRuleExpression.
 * @see https://grafana.com/docs/loki/latest/alert/
 */
export function checkRuleGroups(groups: readonly RuleGroup[]): void {
  check(Array.isArray(groups), "ruleGroups", groups, "a list of rule groups");
  const groupNames = new Set<string>();
  groups.forEach((group, groupIndex) => {
    const g = groupSetting(group, groupIndex);
    check(
      typeof group?.name === "string" && RULE_FILE_NAME.test(group.name),
      `ruleGroups[${groupIndex}].name`,
      group?.name,
      'a group name of letters, digits, ".", "_" and "-" (at most 200 characters)',
      "each group becomes the rule file <name>.yaml in a ConfigMap",
    );
    check(!groupNames.has(group.name), `ruleGroups[${groupIndex}].name`, group.name, "unique among rule groups", `each group becomes the rule file ${group.name}.yaml`);
    groupNames.add(group.name);
    if (group.interval !== undefined) checkDuration(`${g}.interval`, group.interval);
    // Prometheus reads 0 and below as no limit: leave limit unset for that.
    if (group.limit !== undefined) checkInteger(`${g}.limit`, group.limit, 1);
    check(Array.isArray(group.rules) && group.rules.length > 0, `${g}.rules`, group.rules, "a non-empty list of rules");

    const ruleNames = new Set<string>();
    group.rules.forEach((rule, ruleIndex) => {
      const alerting = isAlertingRule(rule);
      const recording = typeof rule === "object" && rule !== null && "record" in rule;
      check(alerting !== recording, `${g}.rules[${ruleIndex}]`, rule, "either an alerting rule (alert) or a recording rule (record)");
      const nameKey = alerting ? "alert" : "record";
      const name = ruleName(rule);
      check(typeof name === "string" && name.trim() !== "", `${g}.rules[${ruleIndex}].${nameKey}`, name, "a non-empty name");
      if (!alerting) {
        check(METRIC_NAME.test(name), `${g}.rules[${ruleIndex}].record`, name, 'a metric name such as "namespace:errors:rate5m"', "it names the recorded series");
      }
      check(!ruleNames.has(name), `${g}.rules[${ruleIndex}].${nameKey}`, name, `unique within rule group "${group.name}"`);
      ruleNames.add(name);

      const r = `${g}.rules[${JSON.stringify(name)}]`;
      checkLogQLRuleExpression(`${r}.expr`, rule.expr);
      // A bare "0" is a Prometheus duration too (the ruler loads it); the units are checked in rulefmt.ts.
      if (isAlertingRule(rule) && rule.for !== undefined && rule.for !== "0") checkDuration(`${r}.for`, rule.for, true);
      for (const [kind, map] of [
        ["labels", rule.labels],
        ["annotations", isAlertingRule(rule) ? rule.annotations : undefined],
      ] as const) {
        for (const [key, value] of Object.entries(map ?? {})) {
          check(LABEL_NAME.test(key) && key !== "__name__", `${r}.${kind}`, key, 'a label name of letters, digits and "_", not starting with a digit');
          check(typeof value === "string", `${r}.${kind}.${key}`, value, "a string");
        }
      }
    });
  });
}
