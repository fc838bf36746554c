import { stringify } from "yaml";
import { isAlertingRule, LokiRule, RuleGroup } from "./rules";

/** One rule as it appears in a rule file. */
type RuleFileRule = Record<string, string | Readonly<Record<string, string>>>;

/** The Prometheus-style rule file Loki's ruler reads. */
export interface RuleFile {
  readonly groups: readonly {
    readonly name: string;
    readonly interval?: string;
    readonly limit?: number;
    readonly rules: readonly RuleFileRule[];
  }[];
}

/** The name of the file a rule group is rendered into: `<group>.yaml`. */
export function ruleFileName(group: RuleGroup): string {
  return `${group.name}.yaml`;
}

/** One rule in rule-file form; keys in the usual order, empty maps and unset fields left out. */
function ruleFileRule(rule: LokiRule): RuleFileRule {
  const out: RuleFileRule = isAlertingRule(rule) ? { alert: rule.alert, expr: rule.expr } : { record: rule.record, expr: rule.expr };
  if (isAlertingRule(rule) && rule.for !== undefined) out.for = rule.for;
  if (rule.labels && Object.keys(rule.labels).length > 0) out.labels = { ...rule.labels };
  if (isAlertingRule(rule) && rule.annotations && Object.keys(rule.annotations).length > 0) out.annotations = { ...rule.annotations };
  return out;
}

/**
 * The rule file of one group, as an object.
 * @see https://grafana.com/docs/loki/latest/alert/#rules-and-the-ruler
 */
export function ruleFile(group: RuleGroup): RuleFile {
  return {
    groups: [
      {
        name: group.name,
        ...(group.interval !== undefined ? { interval: group.interval } : {}),
        ...(group.limit !== undefined ? { limit: group.limit } : {}),
        rules: group.rules.map(ruleFileRule),
      },
    ],
  };
}

/**
 * Renders one rule group into the text of its rule file, serialised with the `yaml` library.
 * Lines are never folded, so an expression reads in the diff exactly as written, and strings that a
 * YAML 1.1 reader would take for something else ("on", "2024-04-01") are quoted.
 */
export function renderRuleFile(group: RuleGroup): string {
  return stringify(ruleFile(group), { version: "1.1", lineWidth: 0 });
}

/**
 * Every group's rule file, keyed by file name: the content of one tenant's entry in the chart's
 * `ruler.directories`, which the chart turns into a ConfigMap mounted at `/etc/loki/rules/<tenant>/`.
 * Groups are expected to be validated (checkRuleGroups): unique names make unique files.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/ruler/configmap-ruler.yaml
 */
export function ruleFiles(groups: readonly RuleGroup[]): Record<string, string> {
  return Object.fromEntries(groups.map((group) => [ruleFileName(group), renderRuleFile(group)]));
}
