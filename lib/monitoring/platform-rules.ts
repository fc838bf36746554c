import { PrometheusAlertingRule, PrometheusRuleGroup } from "./promql";

/** The namespaces whose series the platform's rules read: each rule only sees this platform's Loki and agents. */
export interface PlatformScope {
  /** Namespace of the Loki release. */
  readonly lokiNamespace: string;
  /** Namespace of the Fluent Bit agents. @default none: no agents, so no Fluent Bit rules */
  readonly fluentBitNamespace?: string;
}

/** A PromQL string literal: double-quoted (JSON's escapes, which PromQL shares), or single-quoted. */
function promqlString(value: string, quote: '"' | "'"): string {
  return quote === '"' ? JSON.stringify(value) : `'${value.replace(/[\\']/g, "\\$&")}'`;
}

/** A label matcher of a vector selector: an exact value, or a regular expression the whole value must match. */
export type LabelMatch = string | { readonly regex: string };

/**
 * A PromQL vector selector with exact-match (or regular-expression) labels, each value quoted as a PromQL string.
 * @param quote the quote of the values: `'` for text that is embedded in JSON again (a dashboard), where a `"` would
 *   be escaped as `\"`, and cdktf's HCL writer drops the backslash of an escaped quote (`cdktf synth --hcl`)
 */
export function vectorSelector(metric: string, labels: Readonly<Record<string, LabelMatch>>, quote: '"' | "'" = '"'): string {
  const matchers = Object.entries(labels).map(([name, value]) =>
    typeof value === "string" ? `${name}=${promqlString(value, quote)}` : `${name}=~${promqlString(value.regex, quote)}`,
  );
  return matchers.length === 0 ? metric : `${metric}{${matchers.join(", ")}}`;
}

/** Seconds in a day: the compactor applies retention many times a day, so a day without a run is a fault. */
export const RETENTION_STALE_SECONDS = 24 * 60 * 60;
/** Below this share of free space, a Fluent Bit output's filesystem buffer is close to full. */
export const BUFFER_FREE_PERCENT_WARNING = 20;

/** Loki's reasons for refusing samples that the platform alerts on, with what each means and what to do. */
export const DISCARD_REASONS = {
  rate_limited: {
    alert: "LokiIngestionRateLimited",
    summary: "Loki refuses logs of tenant {{ $labels.tenant }}: the tenant's ingestion rate limit is reached",
    action:
      "The tenant pushes more than limits_config.ingestion_rate_mb (burst ingestion_burst_size_mb). Fluent Bit retries the refused chunks from its buffer, so nothing is lost until the buffer fills. Find the noisy namespace in the Fluent Bit dashboard, then drop or sample its logs (fluentBit.extraFilters) or raise the limit through valuesOverrides loki.limits_config.",
  },
  per_stream_rate_limit: {
    alert: "LokiStreamRateLimited",
    summary: "Loki refuses logs of tenant {{ $labels.tenant }}: one stream exceeds the per-stream rate limit",
    action:
      "A single stream (one namespace/container/app combination) pushes more than limits_config.per_stream_rate_limit. Split it with another low-cardinality stream label, or raise per_stream_rate_limit and per_stream_rate_limit_burst through valuesOverrides.",
  },
  too_far_behind: {
    alert: "LokiSamplesTooFarBehind",
    summary: "Loki drops lines of tenant {{ $labels.tenant }} that are older than its stream already accepted",
    action:
      "Lines arrive more than half of ingester.max_chunk_age behind the newest line of their stream and are dropped for good. Usual causes: a node's clock is wrong, or an agent replays an old buffer after a long outage. Check the nodes' time sync (chrony) and the Fluent Bit retry and buffer panels.",
  },
  line_too_long: {
    alert: "LokiLinesTooLong",
    summary: "Loki drops lines of tenant {{ $labels.tenant }} longer than max_line_size",
    action:
      "Lines longer than limits_config.max_line_size (256KB by default) are refused and lost. Find the application writing them, make it log shorter lines, or set limits_config.max_line_size_truncate through valuesOverrides to keep a truncated line.",
  },
} as const satisfies Record<string, { alert: string; summary: string; action: string }>;

/** The compactor's gauge of its last successful retention run: 0 until the first run, which comes one compaction interval after it starts. */
const RETENTION_LAST_SUCCESS = "loki_compactor_apply_retention_last_successful_run_timestamp_seconds";

/**
 * Seconds since the compactor last applied retention, per namespace, counted from the compactor's start while it has
 * not succeeded yet: its gauge is 0 until its first run (one compaction interval, 10m by default, after it starts), so
 * a fresh compactor is not a stale one, while one that never succeeds still ages from its start. The process start
 * time comes from the same target as the gauge (`and` matches their label sets), whatever labels the scrape adds.
 * @param select a vector selector of a metric, restricted to the platform's Loki
 */
export function retentionAgeExpression(select: (metric: string) => string): string {
  const lastSuccess = select(RETENTION_LAST_SUCCESS);
  return `time() - max by (namespace) (${lastSuccess} > 0 or (${select("process_start_time_seconds")} and ${lastSuccess}))`;
}

/** The recorded rate of Loki's discarded samples, per namespace, tenant and reason: the discard alerts and the Loki dashboard read it. */
export const DISCARDED_RATE = "namespace_tenant_reason:loki_discarded_samples:rate5m";
/** The recorded rate of records the agents' outputs delivered, per namespace and node: FluentBitNodeSilent reads it. */
export const FLUENT_BIT_SENT_RATE = "namespace_node:fluentbit_output_proc_records:rate5m";

/**
 * The platform's own Prometheus rules: recording rules the dashboards and alerts read, and an alert for every
 * way the pipeline silently loses or refuses data. Each alert has a severity, a one-line summary, a runbook-style
 * description and a `for` long enough not to flap. Every expression reads only metrics that Loki, its canary and
 * Fluent Bit export at the versions of either chart version (3.7.6 and 5.1.1, 3.4.2 and 4.0.1), or a series recorded
 * here; the tests check both, for a stack at each chart version.
 */
export function platformRuleGroups(scope: PlatformScope): PrometheusRuleGroup[] {
  const loki = { namespace: scope.lokiNamespace };
  const agents = scope.fluentBitNamespace !== undefined ? { namespace: scope.fluentBitNamespace } : undefined;
  const discardAlerts: PrometheusAlertingRule[] = Object.entries(DISCARD_REASONS).map(([reason, d]) => ({
    alert: d.alert,
    expr: `${vectorSelector(DISCARDED_RATE, { ...loki, reason })} > 0`,
    for: "15m",
    labels: { severity: "warning" },
    annotations: {
      summary: d.summary,
      description: `Loki has discarded samples with reason ${reason} for 15 minutes ({{ $value | humanize }} per second). ${d.action}`,
    },
  }));

  return [
    {
      name: "loki-platform-recording",
      rules: [
        {
          record: DISCARDED_RATE,
          expr: `sum by (namespace, tenant, reason) (rate(${vectorSelector("loki_discarded_samples_total", loki)}[5m]))`,
        },
        ...(agents
          ? [{ record: FLUENT_BIT_SENT_RATE, expr: `sum by (namespace, node) (rate(${vectorSelector("fluentbit_output_proc_records_total", agents)}[5m]))` }]
          : []),
      ],
    },
    { name: "loki-platform-ingestion", rules: discardAlerts },
    {
      name: "loki-platform-ruler",
      rules: [
        {
          alert: "LokiRulerAlertmanagerUnreachable",
          expr: `sum by (namespace, pod) (rate(${vectorSelector("loki_prometheus_notifications_errors_total", loki)}[5m])) > 0`,
          for: "15m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The Loki ruler {{ $labels.pod }} cannot deliver alerts to Alertmanager",
            description:
              "Sending to Alertmanager has failed for 15 minutes, so every log-based alert is lost. Check alertmanagerUrl (the ruler's alertmanager_url) against the Alertmanager Service, that Alertmanager is running, and the ruler's log for 'Error sending alert'.",
          },
        },
        {
          alert: "LokiRulerNoAlertmanager",
          expr: `max by (namespace, pod) (${vectorSelector("loki_prometheus_notifications_alertmanagers_discovered", loki)}) < 1`,
          for: "15m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The Loki ruler {{ $labels.pod }} knows no Alertmanager",
            description:
              "The ruler has discovered no Alertmanager for 15 minutes, so alerts go nowhere. Check alertmanagerUrl: the host must resolve inside the cluster (the Service of the monitoring stack's Alertmanager).",
          },
        },
        {
          alert: "LokiRulerRulesNotLoaded",
          expr: `min by (namespace, pod) (${vectorSelector("loki_ruler_config_last_reload_successful", loki)}) == 0`,
          for: "10m",
          labels: { severity: "critical" },
          annotations: {
            summary: "The Loki ruler {{ $labels.pod }} failed to load its rule groups",
            description:
              "The last reload of the rule files failed for 10 minutes, so the ruler evaluates stale rules or none. Read the ruler's log for the rule file and error, and fix the rule group (ruleGroups); synth checks the LogQL, but not every semantic rule.",
          },
        },
        {
          alert: "LokiRuleEvaluationFailures",
          expr: `sum by (namespace, rule_group) (rate(${vectorSelector("loki_prometheus_rule_evaluation_failures_total", loki)}[5m])) > 0`,
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Rules of group {{ $labels.rule_group }} fail to evaluate",
            description:
              "Evaluating the group's LogQL has failed for 15 minutes, so its alerts cannot fire. Run the expression in Grafana Explore against the Loki data source; typical causes are a query that hits limits (max_query_series, timeouts) or unreachable queriers.",
          },
        },
        {
          alert: "LokiRuleGroupIterationsMissed",
          expr: `sum by (namespace, rule_group) (increase(${vectorSelector("loki_prometheus_rule_group_iterations_missed_total", loki)}[15m])) > 0`,
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Rule group {{ $labels.rule_group }} misses evaluations",
            description:
              "An evaluation of the group takes longer than its interval, so evaluations are skipped and alerts come late or not at all. Make the queries cheaper (shorter ranges, narrower selectors), raise the group's interval, or give the ruler more CPU.",
          },
        },
      ],
    },
    {
      name: "loki-platform-compactor",
      rules: [
        {
          alert: "LokiRetentionNotApplied",
          expr: `${retentionAgeExpression((metric) => vectorSelector(metric, loki))} > ${RETENTION_STALE_SECONDS}`,
          for: "1h",
          labels: { severity: "warning" },
          annotations: {
            summary: "Loki's compactor has not applied retention for more than a day",
            description:
              "Retention has not run successfully for {{ $value | humanizeDuration }} (counted from the compactor's start while it has never succeeded): expired logs are not deleted and the S3 bill grows. Check that exactly one compactor pod runs and is ready, read its log for 'failed to apply retention', and check its S3 permissions (s3:DeleteObject) and its volume.",
          },
        },
      ],
    },
    {
      name: "loki-platform-canary",
      rules: [
        {
          alert: "LokiCanaryMissingEntries",
          expr: `sum by (namespace, pod) (increase(${vectorSelector("loki_canary_missing_entries_total", loki)}[15m])) > 0`,
          for: "15m",
          labels: { severity: "warning" },
          annotations: {
            summary: "Lines the Loki canary {{ $labels.pod }} wrote never came back",
            description:
              "The canary writes lines through the gateway and queries them back; some were missing for 15 minutes, so Loki loses or cannot read recent data. Check the ingesters (ready, WAL volume not full) and the distributor and querier logs.",
          },
        },
      ],
    },
    ...(agents ? [fluentBitGroup(agents)] : []),
  ];
}

/** The Fluent Bit alerts, over the agents' namespace. */
function fluentBitGroup(agents: Readonly<Record<string, string>>): PrometheusRuleGroup {
  return {
    name: "loki-platform-fluent-bit",
    rules: [
      {
        alert: "FluentBitRetriesFailed",
        expr: `sum by (namespace, node, pod, name) (increase(${vectorSelector("fluentbit_output_retries_failed_total", agents)}[15m])) > 0`,
        for: "5m",
        labels: { severity: "critical" },
        annotations: {
          summary: "Fluent Bit on node {{ $labels.node }} gave up on chunks for output {{ $labels.name }}",
          description:
            "Chunks exhausted their retries and were discarded: those logs are lost. The Loki output retries without limit, so this is an extra output or a changed retry_limit. Check the output's destination and the agent's log.",
        },
      },
      {
        alert: "FluentBitDroppedRecords",
        expr: `sum by (namespace, node, pod, name) (increase(${vectorSelector("fluentbit_output_dropped_records_total", agents)}[15m])) > 0`,
        for: "5m",
        labels: { severity: "critical" },
        annotations: {
          summary: "Fluent Bit on node {{ $labels.node }} dropped records for output {{ $labels.name }}",
          description:
            "The destination refused records for good (for Loki: a 4xx other than 429, such as a line too long or too old), or the buffer limit pushed out the oldest chunk. Those logs are lost. Check the Loki discard alerts and FluentBitBufferNearlyFull, and the agent's log.",
        },
      },
      {
        alert: "FluentBitBufferNearlyFull",
        expr: `min by (namespace, node, pod, name) (${vectorSelector(
          "fluentbit_output_chunk_available_capacity_percent",
          agents
        )}) < ${BUFFER_FREE_PERCENT_WARNING}`,
        for: "15m",
        labels: { severity: "warning" },
        annotations: {
          summary: "Fluent Bit's buffer for output {{ $labels.name }} on node {{ $labels.node }} is nearly full",
          description: `Less than ${BUFFER_FREE_PERCENT_WARNING}% of the output's storage.total_limit_size (fluentBit.bufferLimit) is free: the destination is slower than the node's logs or unreachable. When it is full the oldest chunks are dropped. Fix the destination (Loki down, rate-limited), or raise fluentBit.bufferLimit if the node's disk allows.`,
        },
      },
      {
        alert: "FluentBitNodeSilent",
        expr: `${vectorSelector(FLUENT_BIT_SENT_RATE, agents)} == 0`,
        for: "30m",
        labels: { severity: "warning" },
        annotations: {
          summary: "The Fluent Bit agent on node {{ $labels.node }} has sent nothing for 30 minutes",
          description:
            "The agent runs and is scraped, but no output accepted a single record for 30 minutes. Either nothing on the node logs (rare: system pods log), or the agent cannot read the container logs (/var/log mount, offsets DB) or cannot deliver. Check the agent's log and the retry panels. An agent that is not running at all shows as a down scrape target (kube-prometheus-stack's TargetDown).",
        },
      },
    ],
  };
}
