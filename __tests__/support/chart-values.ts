/**
 * The charts' own values files and schema, copied into fixtures/charts/ (the project never reads ../shared), and the
 * key check that every values key the stack sets exists in the chart version's values.yaml.
 *
 * A key the chart does not know is ignored by Helm without a word, so a misspelt or removed key (18.0 removed
 * `monitoring.rules.alerting`, for one) would silently do nothing. The check walks every key the stack sets, map by
 * map, and looks it up in the chart's values.yaml. It stops descending at the free-form maps below, where the chart
 * takes any key and hands it on as it is.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { deepMerge, isPlainObject } from "../../lib/core/deep-merge";
import type { LokiChartVersion } from "../../lib/loki/chart";

const FIXTURES = join(__dirname, "..", "fixtures", "charts");

/** A chart's values.yaml, parsed (YAML 1.1, as Helm reads it). */
export function chartValuesFile(file: string): Record<string, unknown> {
  return parse(readFileSync(join(FIXTURES, file), "utf8"), { version: "1.1" }) as Record<string, unknown>;
}

/** The JSON Schema a chart validates its values with (18.11.0 ships one; 6.29.0 none). */
export function chartSchema(file: string): object {
  return JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as object;
}

/** The values files of each Loki chart version, with the MinIO subchart's defaults under `minio` (Helm merges them so). */
export function lokiChartValues(version: LokiChartVersion): Record<string, unknown> {
  const own = chartValuesFile(`loki-${version}-values.yaml`);
  const minio = chartValuesFile("minio-5.4.0-values.yaml");
  return { ...own, minio: deepMerge(minio, own.minio as Record<string, unknown>) };
}

/**
 * Where a chart takes any key: values paths (`*` stands for one key) whose map the chart writes out as it is. Each
 * with why it is free-form. Everything below them is Loki's, Kubernetes' or the user's: the real-program suite checks
 * it with the real chart and Loki (`-verify-config`).
 */
export const FREE_FORM_MAPS: readonly (readonly [string, string])[] = [
  ["serviceAccount.annotations", "Kubernetes annotations of Loki's account (the IRSA role ARN)"],
  ["*.serviceAccount.annotations", "Kubernetes annotations of the gateway's and memcached's accounts (chart 18)"],
  ["*.resources", "a container's Kubernetes requests and limits, written with toYaml"],
  ["resources", "the MinIO container's requests and limits (MinIO chart), written with toYaml"],
  ["gateway.metrics.resources", "the gateway exporter's requests and limits (chart 18), written with toYaml"],
  ["loki.schemaConfig", "Loki's schema_config, written as it is"],
  ["loki.limits_config", "Loki's limits_config block, written with toYaml"],
  ["loki.compactor", "Loki's compactor block, written with toYaml"],
  ["loki.ingester", "Loki's ingester block, written with toYaml"],
  ["loki.rulerConfig", "Loki's ruler block, written with toYaml"],
  ["loki.server", "Loki's server block, written with toYaml"],
  ["loki.runtimeConfig", "Loki's runtime config (per-tenant overrides), written with toYaml"],
  ["loki.structuredConfig", "any Loki config, deep-merged over the rendered config"],
  ["ruler.directories", "one map of rule files per tenant, each mounted as a ConfigMap"],
  ["monitoring.*.labels", "Kubernetes labels of the ServiceMonitor, PrometheusRules and dashboard ConfigMaps"],
  ["networkPolicy.*.namespaceSelector", "a Kubernetes label selector of the NetworkPolicies' peers, written with toYaml"],
  ["networkPolicy.*.podSelector", "a Kubernetes label selector of the NetworkPolicies' peers, written with toYaml"],
  ["extraObjects", "Kubernetes objects the chart renders as they are (through tpl): the stack's own NetworkPolicies, the canary's Secret"],
  ["*.podAnnotations", "Kubernetes annotations of a component's pods (the standalone prometheus chart's scrape annotations), written with toYaml"],
  ["lokiCanary.annotations", "chart 6.29.0: Kubernetes annotations of the canary's pod template (its only canary pod annotations), written with toYaml"],
];

/**
 * Keys the chart's templates read that its values.yaml gives no default (so no placeholder is ever used by accident):
 * each path with where the chart documents or reads it.
 */
export const TEMPLATE_ONLY_KEYS: readonly (readonly [string, string])[] = [
  ["loki.storage.bucketNames.chunks", "documented in a comment of values.yaml; `required` by the storage helpers"],
  ["loki.storage.bucketNames.ruler", "documented in a comment of values.yaml; `required` by the ruler storage helper"],
  ["loki.storage.s3.sse", "read by the S3 storage helper (`with .sse`) in both versions: SSE-KMS"],
];

const matches = (pattern: string, path: readonly string[]): boolean => {
  const parts = pattern.split(".");
  return parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i]);
};
/** True when `path` leads to a template-only key, through maps values.yaml does not have. */
const leadsToTemplateKey = (path: readonly string[]): boolean =>
  TEMPLATE_ONLY_KEYS.some(([key]) => key.split(".").length > path.length && matches(key.split(".").slice(0, path.length).join("."), path));

/** What the key check found in one values tree. */
export interface KeyReport {
  /** Key paths the chart's values.yaml does not have. */
  readonly unknown: readonly string[];
  /** The free-form maps and template-only keys the values use, as concrete paths. */
  readonly allowed: readonly string[];
}

/** Walks the values against the chart's values.yaml: unknown keys, and where a free-form map or template key let one pass. */
export function keyReport(values: unknown, chart: unknown): KeyReport {
  const unknown: string[] = [];
  const allowed: string[] = [];
  const walk = (node: unknown, chartNode: unknown, path: readonly string[]): void => {
    if (!isPlainObject(node)) return;
    if (path.length > 0 && FREE_FORM_MAPS.some(([pattern]) => matches(pattern, path))) {
      allowed.push(path.join("."));
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      const here = [...path, key];
      if (TEMPLATE_ONLY_KEYS.some(([pattern]) => matches(pattern, here))) allowed.push(here.join("."));
      else if (isPlainObject(chartNode) && Object.prototype.hasOwnProperty.call(chartNode, key)) walk(value, chartNode[key], here);
      else if (leadsToTemplateKey(here)) walk(value, undefined, here);
      // A list or a scalar is one value: its items are Loki's or Kubernetes' (schema periods, claims, flags).
      else unknown.push(here.join("."));
    }
  };
  walk(values, chart, []);
  return { unknown, allowed };
}

/** Every key path the values set that the chart's values.yaml does not have, free-form maps and template keys aside. */
export function unknownKeys(values: unknown, chart: unknown): readonly string[] {
  return keyReport(values, chart).unknown;
}
