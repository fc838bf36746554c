/**
 * Typed Loki ruler rules, in the shape of a Prometheus-style rule file.
 * @see https://grafana.com/docs/loki/latest/alert/#rules-and-the-ruler
 */

/** A rule that fires an alert when a LogQL metric query returns a result for `for`. */
export interface AlertingRule {
  /** Alert name, unique within its group. */
  readonly alert: string;
  /** A LogQL metric query, for example `count_over_time({namespace="argocd"} |= "level=error" [5m]) > 9`. */
  readonly expr: string;
  /** How long the condition must hold before the alert fires. @default fires at the first evaluation */
  readonly for?: string;
  /** Labels added to the alert, such as `severity`. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations added to the alert, such as `summary`. @default {} */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** A rule that records the result of a LogQL metric query as a new series (needs remote write). */
export interface RecordingRule {
  /** Name of the recorded series, unique within its group. */
  readonly record: string;
  /** A LogQL metric query. */
  readonly expr: string;
  /** Labels added to the recorded series. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

/** One rule or the other. */
export type LokiRule = AlertingRule | RecordingRule;

/** A named group of rules, evaluated together. Each group becomes one rule file. */
export interface RuleGroup {
  /** Group name; also the rule file name, so it must be unique. */
  readonly name: string;
  /** How often the group is evaluated. @default the ruler's evaluation interval (1m) */
  readonly interval?: string;
  /**
   * Most alerts one alerting rule, or series one recording rule, of the group may produce in one evaluation (1 or
   * more); beyond it the rule's evaluation fails and it produces nothing, which the ruler's failure metrics show.
   * A bound for rules whose `by` labels could explode.
   * @default no limit
   * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#limiting-alerts-and-series
   */
  readonly limit?: number;
  /** The rules in this group. */
  readonly rules: readonly LokiRule[];
}

/** True for an alerting rule. */
export function isAlertingRule(rule: LokiRule): rule is AlertingRule {
  return "alert" in rule;
}

/**
 * The reference deployment's alert: more than 9 error lines from Argo CD in 5 minutes.
 */
export const EXAMPLE_RULE_GROUPS: readonly RuleGroup[] = [
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
];
