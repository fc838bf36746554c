import { stringify } from "yaml";
import { isPrometheusAlertingRule, PrometheusRule, PrometheusRuleGroup } from "./promql";
import { ResolvedMonitoringStack, STANDALONE_PROMETHEUS_CHART_REPOSITORY, STANDALONE_PROMETHEUS_CHART_VERSION } from "./stack";

/**
 * The platform's rules as a file for the standalone `prometheus` chart, which has no operator to read a
 * PrometheusRule: the same groups, written once as a Prometheus rule file, in a ConfigMap the stack creates in
 * Prometheus' namespace, and the values that make the user's Prometheus release mount and load it.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/recording_rules/#syntax-checking-rules
 * @see https://github.com/prometheus-community/helm-charts/tree/main/charts/prometheus
 */

/** One rule as a PrometheusRule (and a rule file) lists it: unset fields left out. */
function ruleObject(rule: PrometheusRule): Record<string, unknown> {
  if (isPrometheusAlertingRule(rule)) {
    return { alert: rule.alert, expr: rule.expr, for: rule.for, labels: { ...rule.labels }, annotations: { ...rule.annotations } };
  }
  return { record: rule.record, expr: rule.expr, ...(rule.labels && Object.keys(rule.labels).length > 0 ? { labels: { ...rule.labels } } : {}) };
}

/** A PrometheusRule's `spec.groups` from typed groups: also the `groups` of a Prometheus rule file, which has the same shape. */
export function prometheusRuleSpecGroups(groups: readonly PrometheusRuleGroup[]): Record<string, unknown>[] {
  return groups.map((g) => ({ name: g.name, ...(g.interval !== undefined ? { interval: g.interval } : {}), rules: g.rules.map(ruleObject) }));
}

/** The groups as a Prometheus rule file (`groups:`), the same groups a PrometheusRule carries. */
export function ruleFileYaml(groups: readonly PrometheusRuleGroup[]): string {
  return stringify({ groups: prometheusRuleSpecGroups(groups) }, { lineWidth: 0 });
}

/** The Terraform output that holds the values for the user's standalone Prometheus release. */
export const RULE_FILE_VALUES_OUTPUT = "prometheus_rule_file_values";
/** The Terraform output that holds the command applying them. */
export const RULE_FILE_HELM_UPGRADE_OUTPUT = "prometheus_rule_file_helm_upgrade";

/** Key of the rule file in its ConfigMap, and so its file name in the Prometheus pod. */
export const PLATFORM_RULE_FILE = "loki-platform-rules.yml";
/** Where the standalone chart's Prometheus server (and its config reloader) mount the rule file's ConfigMap. */
export const PLATFORM_RULE_FILE_DIR = "/etc/loki-platform-rules";
/** The mount's name in the chart's values; the chart names the volumes `<container>-<name>`. */
const MOUNT_NAME = "loki-platform-rules";
/**
 * The rule files the standalone chart loads by default (`serverFiles."prometheus.yml".rule_files` in its values.yaml,
 * 29.27.0): kept in the list the stack prints, since Helm replaces a list of a release's values instead of merging it.
 */
export const STANDALONE_DEFAULT_RULE_FILES: readonly string[] = [
  "/etc/config/recording_rules.yml",
  "/etc/config/alerting_rules.yml",
  "/etc/config/rules",
  "/etc/config/alerts",
];

/** One entry of the chart's `server.extraConfigmapMounts` and `configmapReload.prometheus.extraConfigmapMounts`. */
export interface ConfigmapMount {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath: "";
  readonly configMap: string;
  readonly readOnly: true;
}

/**
 * The values of the user's standalone `prometheus` release that load the platform's rule file. Every key exists in the
 * chart's values.yaml:
 * - `server.extraConfigmapMounts`: the rule file's ConfigMap, mounted into the Prometheus container;
 * - `serverFiles."prometheus.yml".rule_files`: the chart's own rule files, then the platform's;
 * - `configmapReload.prometheus`: the config reloader mounts the same ConfigMap and watches its directory, so a
 *   changed rule file (the next `cdktf deploy`) reloads Prometheus without a restart.
 */
export interface StandaloneRuleFileValues {
  readonly server: { readonly extraConfigmapMounts: readonly ConfigmapMount[] };
  readonly serverFiles: { readonly "prometheus.yml": { readonly rule_files: readonly string[] } };
  readonly configmapReload: {
    readonly prometheus: { readonly extraConfigmapMounts: readonly ConfigmapMount[]; readonly extraVolumeDirs: readonly string[] };
  };
}

/** The path of the platform's rule file in the Prometheus pod. */
export const PLATFORM_RULE_FILE_PATH = `${PLATFORM_RULE_FILE_DIR}/${PLATFORM_RULE_FILE}`;

/**
 * The values that make a standalone `prometheus` release mount and load the platform's rule file. Pure.
 * @param configMapName the ConfigMap holding the rule file, in the release's namespace
 */
export function standaloneRuleFileValues(configMapName: string): StandaloneRuleFileValues {
  const mount: ConfigmapMount = { name: MOUNT_NAME, mountPath: PLATFORM_RULE_FILE_DIR, subPath: "", configMap: configMapName, readOnly: true };
  return {
    server: { extraConfigmapMounts: [mount] },
    serverFiles: { "prometheus.yml": { rule_files: [...STANDALONE_DEFAULT_RULE_FILES, PLATFORM_RULE_FILE_PATH] } },
    configmapReload: { prometheus: { extraConfigmapMounts: [mount], extraVolumeDirs: [PLATFORM_RULE_FILE_DIR] } },
  };
}

/**
 * The one command that applies the values to the user's release: the Terraform output that holds them
 * (RULE_FILE_VALUES_OUTPUT) piped into `helm upgrade --reuse-values`, which keeps every value the release already has
 * and adds these.
 */
export function standaloneHelmUpgrade(stack: Extract<ResolvedMonitoringStack, { kind: "prometheus" }>): string {
  return [
    `terraform output -raw ${RULE_FILE_VALUES_OUTPUT} |`,
    `helm upgrade ${stack.releaseName} prometheus --repo ${STANDALONE_PROMETHEUS_CHART_REPOSITORY} --version ${STANDALONE_PROMETHEUS_CHART_VERSION}`,
    `--namespace ${stack.namespace} --reuse-values --values -`,
  ].join(" ");
}
