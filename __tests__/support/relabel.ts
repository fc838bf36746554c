/**
 * A small reading of Prometheus' relabeling, for the plain tests: the actions the standalone prometheus chart's
 * Kubernetes jobs use (`keep`, `drop`, `replace`, `labelmap`), with Prometheus' defaults (separator ";", regex
 * "(.*)" anchored at both ends, replacement "$1"). It is the fast first net only: the real-program suite runs the same
 * rules, copied from the rendered chart, in the real Prometheus.
 * @see https://prometheus.io/docs/prometheus/latest/configuration/configuration/#relabel_config
 */
import type { Labels } from "./kubernetes-sd";

/** One relabel rule, as a scrape job's `relabel_configs` lists it. */
export interface RelabelRule {
  readonly action?: "keep" | "drop" | "replace" | "labelmap";
  readonly source_labels?: readonly string[];
  readonly separator?: string;
  readonly regex?: string;
  readonly target_label?: string;
  readonly replacement?: string;
}

/** Go's regexp.Expand for the `$1` and `${1}` forms the rules use. */
function expand(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\d+)|\$\{(\d+)\}/g, (_, a: string | undefined, b: string | undefined) => match[Number(a ?? b)] ?? "");
}

/** Applies the rules to one target's labels: its labels after relabeling, or undefined when a rule drops it. */
export function relabel(labels: Readonly<Labels>, rules: readonly RelabelRule[]): Labels | undefined {
  let current: Labels = { ...labels };
  for (const rule of rules) {
    const action = rule.action ?? "replace";
    const regex = new RegExp(`^(?:${rule.regex ?? "(.*)"})$`);
    const value = (rule.source_labels ?? []).map((name) => current[name] ?? "").join(rule.separator ?? ";");
    if (action === "keep" && !regex.test(value)) return undefined;
    if (action === "drop" && regex.test(value)) return undefined;
    if (action === "replace") {
      const match = regex.exec(value);
      if (match !== null && rule.target_label !== undefined) {
        const result = expand(rule.replacement ?? "$1", match);
        if (result === "") delete current[rule.target_label];
        else current[rule.target_label] = result;
      }
    }
    if (action === "labelmap") {
      const mapped: Labels = {};
      for (const [name, v] of Object.entries(current)) {
        const match = regex.exec(name);
        if (match !== null) mapped[expand(rule.replacement ?? "$1", match)] = v;
      }
      current = { ...current, ...mapped };
    }
  }
  return current;
}

/**
 * A target as the scrape loop sees it: the relabeled labels without the `__`-prefixed ones, but `__address__`,
 * `__metrics_path__` and `__scheme__`; with `instance` from the address when no rule set it. Two discovered targets
 * with the same result are one target, scraped once.
 */
export function scrapedTarget(relabeled: Readonly<Labels>, job: string, defaults: { metricsPath: string; scheme: string }): Labels {
  const kept = Object.fromEntries(Object.entries(relabeled).filter(([name]) => !name.startsWith("__")));
  return {
    job,
    ...kept,
    instance: relabeled.instance ?? relabeled.__address__,
    __address__: relabeled.__address__,
    __metrics_path__: relabeled.__metrics_path__ ?? defaults.metricsPath,
    __scheme__: relabeled.__scheme__ ?? defaults.scheme,
  };
}
