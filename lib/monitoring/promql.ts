import { parser } from "@prometheus-io/lezer-promql";
import { ExpressionSyntaxError, firstSyntaxError } from "../core/lezer";
import { check, checkDuration, ConfigError } from "../core/validation";

/**
 * Typed Prometheus rules about the platform, in the shape of a PrometheusRule's `spec.groups`.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/
 * @see https://prometheus-operator.dev/docs/api-reference/api/#monitoring.coreos.com/v1.RuleGroup
 */

/** How urgent an alert is: `critical` pages, `warning` is for working hours, `info` only informs. */
export type AlertSeverity = "critical" | "warning" | "info";
/** The severities an alerting rule may carry. */
export const ALERT_SEVERITIES: readonly AlertSeverity[] = ["critical", "warning", "info"];

/** An alert: fires when a PromQL expression returns series for `for`. */
export interface PrometheusAlertingRule {
  /** Alert name, unique within its group. */
  readonly alert: string;
  /** A PromQL expression. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires; long enough not to flap. */
  readonly for: string;
  /** Labels of the alert; `severity` is required. */
  readonly labels: Readonly<{ severity: AlertSeverity } & Record<string, string>>;
  /** `summary` (one line) and `description` (what it means, what to do) are required. */
  readonly annotations: Readonly<{ summary: string; description: string } & Record<string, string>>;
}

/** A recording rule: stores the result of a PromQL expression as a new series. */
export interface PrometheusRecordingRule {
  /** The recorded series, by convention `level:metric:operations`. */
  readonly record: string;
  /** A PromQL expression. */
  readonly expr: string;
  /** Labels added to the recorded series. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One rule or the other. */
export type PrometheusRule = PrometheusAlertingRule | PrometheusRecordingRule;

/** A named group of rules, evaluated together. */
export interface PrometheusRuleGroup {
  /** Group name, unique across the platform's groups. */
  readonly name: string;
  /** How often the group is evaluated. @default Prometheus' evaluation interval */
  readonly interval?: string;
  readonly rules: readonly PrometheusRule[];
}

/** True for an alerting rule. */
export function isPrometheusAlertingRule(rule: PrometheusRule): rule is PrometheusAlertingRule {
  return typeof rule === "object" && rule !== null && "alert" in rule;
}

/** Where Prometheus' PromQL grammar gave up on an expression. */
export type PromQLSyntaxError = ExpressionSyntaxError;

/**
 * Finds the first syntax error in a PromQL expression with Prometheus' own grammar (the one its UI uses).
 * @see https://github.com/prometheus/prometheus/tree/main/web/ui/module/lezer-promql
 * @returns undefined when the expression parses
 */
export function findPromQLSyntaxError(expr: string): PromQLSyntaxError | undefined {
  return firstSyntaxError(parser.parse(expr), expr);
}

/**
 * Every metric name a PromQL expression reads, in order of appearance, without repeats: the name of each
 * vector selector, or its `__name__="..."` matcher.
 */
export function promqlMetricNames(expr: string): string[] {
  const names: string[] = [];
  parser.parse(expr).iterate({
    enter(ref) {
      if (ref.name === "Identifier" && ref.node.parent?.name === "VectorSelector") {
        names.push(expr.slice(ref.from, ref.to));
      } else if (ref.name === "UnquotedLabelMatcher") {
        const label = ref.node.getChild("LabelName");
        const value = ref.node.getChild("StringLiteral");
        const op = ref.node.getChild("MatchOp")?.getChild("EqlSingle");
        if (label && value && op && expr.slice(label.from, label.to) === "__name__") names.push(JSON.parse(expr.slice(value.from, value.to)) as string);
      }
    },
  });
  return [...new Set(names)];
}

/** Checks one PromQL expression with Prometheus' grammar; throws a ConfigError naming `setting` and the position. */
export function checkPromQLExpression(setting: string, expr: string): void {
  check(typeof expr === "string" && expr.trim() !== "", setting, expr, "a PromQL expression such as sum(rate(loki_discarded_samples_total[5m])) > 0");
  const error = findPromQLSyntaxError(expr);
  if (error) {
    const where = error.near === "" ? "at the end of the expression" : `near ${JSON.stringify(error.near)}`;
    throw new ConfigError(setting, expr, "a valid PromQL expression", `syntax error at position ${error.position} ${where}`);
  }
}

const GROUP_NAME = /^[A-Za-z0-9._-]{1,200}$/;
const ALERT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const METRIC_NAME = /^[A-Za-z_:][A-Za-z0-9_:]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Validates Prometheus rule groups. Throws a ConfigError naming the group, the rule and the mistake.
 * - Group names are unique; rule names unique within their group.
 * - Every expression parses with Prometheus' grammar.
 * - Alerts carry a severity (critical, warning, info), a summary, a description and a `for` duration.
 * - Recorded series and label names are valid Prometheus names.
 */
export function checkPrometheusRuleGroups(setting: string, groups: readonly PrometheusRuleGroup[]): void {
  check(Array.isArray(groups), setting, groups, "a list of rule groups");
  const groupNames = new Set<string>();
  groups.forEach((group, gi) => {
    check(
      typeof group?.name === "string" && GROUP_NAME.test(group.name),
      `${setting}[${gi}].name`,
      group?.name,
      'a group name of letters, digits, ".", "_" and "-"'
    );
    check(!groupNames.has(group.name), `${setting}[${gi}].name`, group.name, "unique among rule groups");
    groupNames.add(group.name);
    const g = `${setting}[${JSON.stringify(group.name)}]`;
    if (group.interval !== undefined) checkDuration(`${g}.interval`, group.interval);
    check(Array.isArray(group.rules) && group.rules.length > 0, `${g}.rules`, group.rules, "a non-empty list of rules");
    const ruleNames = new Set<string>();
    group.rules.forEach((rule, ri) => {
      const alerting = isPrometheusAlertingRule(rule);
      const recording = typeof rule === "object" && rule !== null && "record" in rule;
      check(alerting !== recording, `${g}.rules[${ri}]`, rule, "either an alerting rule (alert) or a recording rule (record)");
      const name = alerting ? rule.alert : (rule as PrometheusRecordingRule).record;
      const key = alerting ? "alert" : "record";
      check(
        typeof name === "string" && (alerting ? ALERT_NAME : METRIC_NAME).test(name),
        `${g}.rules[${ri}].${key}`,
        name,
        alerting ? 'an alert name such as "LokiDiscardedSamples"' : 'a metric name such as "namespace:loki_discarded_samples:rate5m"'
      );
      check(!ruleNames.has(name), `${g}.rules[${ri}].${key}`, name, `unique within rule group "${group.name}"`);
      ruleNames.add(name);
      const r = `${g}.rules[${JSON.stringify(name)}]`;
      checkPromQLExpression(`${r}.expr`, rule.expr);
      if (alerting) {
        checkDuration(`${r}.for`, rule.for, true);
        check(ALERT_SEVERITIES.includes(rule.labels?.severity), `${r}.labels.severity`, rule.labels?.severity, `one of ${ALERT_SEVERITIES.join(", ")}`);
        for (const annotation of ["summary", "description"] as const) {
          const text = rule.annotations?.[annotation];
          check(
            typeof text === "string" && text.trim() !== "",
            `${r}.annotations.${annotation}`,
            text,
            "a non-empty text",
            "every alert says what happened and what to do"
          );
        }
      }
      for (const [kind, map] of [
        ["labels", rule.labels],
        ["annotations", alerting ? rule.annotations : undefined],
      ] as const) {
        for (const [k, v] of Object.entries(map ?? {})) {
          check(LABEL_NAME.test(k) && k !== "__name__", `${r}.${kind}`, k, 'a label name of letters, digits and "_", not starting with a digit');
          check(typeof v === "string", `${r}.${kind}.${k}`, v, "a string");
        }
      }
    });
  });
}
