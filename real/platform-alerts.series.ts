/**
 * Synthetic series for the unit tests of the platform's alerts (real/platform-alerts.test.ts, run by
 * `promtool test rules`): for each alert, the failure it names, on which it must fire, and a healthy platform, on
 * which it must stay quiet. Series are written as promtool's expanding notation (`0+60x60`: from 0, up 60 per step,
 * 60 steps) over each case's `interval`. Each series belongs to Loki's or Fluent Bit's namespace, which the test takes
 * from the stack; the alert's labels and annotations are what the firing case expects promtool to report.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/
 */

/** One input series: a metric of Loki's or the agents' namespace, its other labels, and its values. */
export interface SyntheticSeries {
  /** Whose namespace the series carries. */
  readonly part: "loki" | "fluentBit";
  readonly metric: string;
  /** Labels besides `namespace`. */
  readonly labels: Readonly<Record<string, string>>;
  /** promtool's expanding notation, such as `0+60x60` or `1x60`. */
  readonly values: string;
}

/** One scenario: series, and the time the alert is evaluated at. */
export interface Scenario {
  /** Step between two values of every series. @default "1m" */
  readonly interval?: string;
  readonly series: readonly SyntheticSeries[];
  /** When the alert is evaluated, as a promtool duration since the first sample. */
  readonly evalTime: string;
}

/** The failure an alert names, with the alert promtool must report. */
export interface FiringScenario extends Scenario {
  /** The alert's labels besides `alertname` and `namespace` (the rule's `by` labels and its own, such as severity). */
  readonly labels: Readonly<Record<string, string>>;
  /** What `{{ $value | humanize }}` (or `humanizeDuration`) gives for the alert's value at evalTime. */
  readonly humanizedValue?: string;
}

/** Both cases of one alert, and other healthy states it must stay quiet on. */
export interface AlertCases {
  readonly firing: FiringScenario;
  readonly healthy: Scenario;
  /** Healthy states that look like the failure at first sight, each with why it is healthy. */
  readonly alsoQuiet?: readonly (Scenario & { readonly why: string })[];
}

/** Loki's discard counter of one reason: `perMinute` samples discarded each minute for an hour. */
function discarded(reason: string, perMinute: number): SyntheticSeries {
  return { part: "loki", metric: "loki_discarded_samples_total", labels: { tenant: "team-a", reason, pod: "loki-distributor-0" }, values: `0+${perMinute}x60` };
}

/** The cases of one discard alert: an hour of one sample per second refused, or none. */
function discardCases(reason: string): AlertCases {
  return {
    firing: { series: [discarded(reason, 60)], evalTime: "40m", labels: { tenant: "team-a", reason, severity: "warning" }, humanizedValue: "1" },
    healthy: { series: [discarded(reason, 0), discarded(reason === "rate_limited" ? "line_too_long" : "rate_limited", 0)], evalTime: "40m" },
  };
}

const RULER = { pod: "loki-ruler-0" };
const AGENT = { node: "ip-10-0-1-23.ap-northeast-1.compute.internal", pod: "fluent-bit-x7k2p", name: "loki.0" };

/** Every platform alert's two cases, by alert name. */
export const ALERT_CASES: Readonly<Record<string, AlertCases>> = {
  LokiIngestionRateLimited: discardCases("rate_limited"),
  LokiStreamRateLimited: discardCases("per_stream_rate_limit"),
  LokiSamplesTooFarBehind: discardCases("too_far_behind"),
  LokiLinesTooLong: discardCases("line_too_long"),

  LokiRulerAlertmanagerUnreachable: {
    firing: {
      series: [{ part: "loki", metric: "loki_prometheus_notifications_errors_total", labels: { ...RULER, alertmanager: "http://alertmanager:9093/api/v2/alerts" }, values: "0+6x60" }],
      evalTime: "40m",
      labels: { ...RULER, severity: "critical" },
    },
    healthy: {
      series: [{ part: "loki", metric: "loki_prometheus_notifications_errors_total", labels: { ...RULER, alertmanager: "http://alertmanager:9093/api/v2/alerts" }, values: "0x60" }],
      evalTime: "40m",
    },
  },
  LokiRulerNoAlertmanager: {
    firing: { series: [{ part: "loki", metric: "loki_prometheus_notifications_alertmanagers_discovered", labels: RULER, values: "0x60" }], evalTime: "40m", labels: { ...RULER, severity: "critical" } },
    healthy: { series: [{ part: "loki", metric: "loki_prometheus_notifications_alertmanagers_discovered", labels: RULER, values: "1x60" }], evalTime: "40m" },
  },
  LokiRulerRulesNotLoaded: {
    firing: { series: [{ part: "loki", metric: "loki_ruler_config_last_reload_successful", labels: { ...RULER, user: "team-a" }, values: "0x60" }], evalTime: "40m", labels: { ...RULER, severity: "critical" } },
    healthy: { series: [{ part: "loki", metric: "loki_ruler_config_last_reload_successful", labels: { ...RULER, user: "team-a" }, values: "1x60" }], evalTime: "40m" },
  },
  LokiRuleEvaluationFailures: {
    firing: {
      series: [{ part: "loki", metric: "loki_prometheus_rule_evaluation_failures_total", labels: { ...RULER, rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd" }, values: "0+1x60" }],
      evalTime: "40m",
      labels: { rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd", severity: "warning" },
    },
    healthy: {
      series: [{ part: "loki", metric: "loki_prometheus_rule_evaluation_failures_total", labels: { ...RULER, rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd" }, values: "0x60" }],
      evalTime: "40m",
    },
  },
  LokiRuleGroupIterationsMissed: {
    firing: {
      series: [{ part: "loki", metric: "loki_prometheus_rule_group_iterations_missed_total", labels: { ...RULER, rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd" }, values: "0+1x60" }],
      evalTime: "40m",
      labels: { rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd", severity: "warning" },
    },
    healthy: {
      series: [{ part: "loki", metric: "loki_prometheus_rule_group_iterations_missed_total", labels: { ...RULER, rule_group: "/etc/loki/rules/team-a/argocd.yaml;argocd" }, values: "0x60" }],
      evalTime: "40m",
    },
  },
  LokiRetentionNotApplied: {
    // The compactor started at 0 and has never applied retention: from 24h on that is over a day, and the alert waits 1h more.
    firing: {
      series: [
        { part: "loki", metric: "loki_compactor_apply_retention_last_successful_run_timestamp_seconds", labels: { pod: "loki-compactor-0" }, values: "0x1600" },
        { part: "loki", metric: "process_start_time_seconds", labels: { pod: "loki-compactor-0" }, values: "0x1600" },
      ],
      evalTime: "26h",
      labels: { severity: "warning" },
      humanizedValue: "1d 2h 0m 0s",
    },
    // Retention runs all the time: the last successful run is as recent as the scrape.
    healthy: {
      series: [{ part: "loki", metric: "loki_compactor_apply_retention_last_successful_run_timestamp_seconds", labels: { pod: "loki-compactor-0" }, values: "0+60x1600" }],
      evalTime: "26h",
    },
    alsoQuiet: [
      {
        why: "a compactor that started 20 minutes ago and has not run yet (its first run comes one compaction interval after it starts)",
        series: [
          { part: "loki", metric: "loki_compactor_apply_retention_last_successful_run_timestamp_seconds", labels: { pod: "loki-compactor-0" }, values: "0x1600" },
          { part: "loki", metric: "process_start_time_seconds", labels: { pod: "loki-compactor-0" }, values: "92400x1600" },
        ],
        evalTime: "26h",
      },
    ],
  },
  LokiCanaryMissingEntries: {
    firing: { series: [{ part: "loki", metric: "loki_canary_missing_entries_total", labels: { pod: "loki-canary-abcde" }, values: "0+1x60" }], evalTime: "40m", labels: { pod: "loki-canary-abcde", severity: "warning" } },
    healthy: { series: [{ part: "loki", metric: "loki_canary_missing_entries_total", labels: { pod: "loki-canary-abcde" }, values: "0x60" }], evalTime: "40m" },
  },

  FluentBitRetriesFailed: {
    firing: { series: [{ part: "fluentBit", metric: "fluentbit_output_retries_failed_total", labels: AGENT, values: "0+1x60" }], evalTime: "30m", labels: { ...AGENT, severity: "critical" } },
    healthy: { series: [{ part: "fluentBit", metric: "fluentbit_output_retries_failed_total", labels: AGENT, values: "0x60" }], evalTime: "30m" },
  },
  FluentBitDroppedRecords: {
    firing: { series: [{ part: "fluentBit", metric: "fluentbit_output_dropped_records_total", labels: AGENT, values: "0+5x60" }], evalTime: "30m", labels: { ...AGENT, severity: "critical" } },
    healthy: { series: [{ part: "fluentBit", metric: "fluentbit_output_dropped_records_total", labels: AGENT, values: "0x60" }], evalTime: "30m" },
  },
  FluentBitBufferNearlyFull: {
    firing: { series: [{ part: "fluentBit", metric: "fluentbit_output_chunk_available_capacity_percent", labels: AGENT, values: "10x60" }], evalTime: "30m", labels: { ...AGENT, severity: "warning" } },
    healthy: { series: [{ part: "fluentBit", metric: "fluentbit_output_chunk_available_capacity_percent", labels: AGENT, values: "90x60" }], evalTime: "30m" },
  },
  FluentBitNodeSilent: {
    // The agent is scraped but its output accepts nothing: the recorded rate is 0 for over 30 minutes.
    firing: {
      series: [{ part: "fluentBit", metric: "fluentbit_output_proc_records_total", labels: AGENT, values: "500x60" }],
      evalTime: "50m",
      labels: { node: AGENT.node, severity: "warning" },
    },
    healthy: { series: [{ part: "fluentBit", metric: "fluentbit_output_proc_records_total", labels: AGENT, values: "500+120x60" }], evalTime: "50m" },
  },
};
