import { isPlainObject } from "../core/deep-merge";
import { ConfigError } from "../core/validation";
import { LOKI_COMPONENTS } from "./chart";
import { LIMIT_KEYS } from "./sizing";

/** A chart value the stack derives from one setting, and what to do instead of overriding it. */
export interface ProtectedValue {
  /** Key path in the chart's values. */
  readonly path: readonly string[];
  /** What to do instead, such as `set authEnabled and tenant instead`. */
  readonly instead: string;
}

const use = (setting: string): string => `set ${setting} instead`;
const DISTRIBUTED_ONLY = "this stack runs Loki in Distributed mode only";
const RULES_LOCAL = "the ruler reads the tenant's rule files from local storage; set ruleGroups instead";
const RELEASE_NAME = use("releaseName (every object name, the push URL and the query URL derive from it)");


/**
 * Chart values that `valuesOverrides` may not set: each is derived from one setting and shared with another
 * component (the IAM trust, the log shipper, the rule directory) or cross-checked when the props are resolved.
 * Overriding one would split a name in two, or skip a check.
 */
export const PROTECTED_VALUES: readonly ProtectedValue[] = [
  { path: ["deploymentMode"], instead: DISTRIBUTED_ONLY },
  { path: ["fullnameOverride"], instead: RELEASE_NAME },
  { path: ["nameOverride"], instead: RELEASE_NAME },
  { path: ["serviceAccount", "create"], instead: use("serviceAccountName (the chart must create the account the IAM trust names)") },
  { path: ["serviceAccount", "name"], instead: use("serviceAccountName") },
  { path: ["serviceAccount", "annotations", "eks.amazonaws.com/role-arn"], instead: use("identity (the stack annotates the account with its role)") },
  { path: ["minio", "enabled"], instead: use("storage") },
  { path: ["loki", "auth_enabled"], instead: use("authEnabled and tenant") },
  { path: ["loki", "structuredConfig", "auth_enabled"], instead: use("authEnabled and tenant") },
  { path: ["loki", "commonConfig", "replication_factor"], instead: use("replicationFactor") },
  { path: ["loki", "structuredConfig", "common", "replication_factor"], instead: use("replicationFactor") },
  { path: ["loki", "storage", "bucketNames"], instead: use("chunksBucketName and rulerBucketName") },
  { path: ["loki", "limits_config", "retention_period"], instead: use("retentionPeriod") },
  { path: ["loki", "structuredConfig", "limits_config", "retention_period"], instead: use("retentionPeriod") },
  { path: ["loki", "rulerConfig", "alertmanager_url"], instead: use("alertmanagerUrl") },
  { path: ["loki", "structuredConfig", "ruler", "alertmanager_url"], instead: use("alertmanagerUrl") },
  { path: ["loki", "rulerConfig", "storage"], instead: RULES_LOCAL },
  { path: ["loki", "structuredConfig", "ruler", "storage"], instead: RULES_LOCAL },
  { path: ["ruler", "directories"], instead: use("ruleGroups (rendered under the tenant that receives logs)") },
  { path: ["ingester", "zoneAwareReplication", "enabled"], instead: use("zoneAwareReplication") },
  { path: ["ingester", "zoneAwareReplication", "migration"], instead: use("zoneMigrationStage") },
  { path: ["rollout_operator", "enabled"], instead: use("zoneAwareReplication (zone-aware ingesters always roll out through the rollout-operator)") },
  { path: ["loki", "ingester", "wal", "replay_memory_ceiling"], instead: "it is derived from the ingester memory limit" },
  { path: ["loki", "ingester", "wal", "flush_on_shutdown"], instead: "an ingester that goes away for good would strand its write-ahead log" },
  { path: ["loki", "structuredConfig", "ingester", "wal", "replay_memory_ceiling"], instead: "it is derived from the ingester memory limit" },
  { path: ["loki", "structuredConfig", "ingester", "wal", "flush_on_shutdown"], instead: "an ingester that goes away for good would strand its write-ahead log" },
  { path: ["minio", "persistence", "storageClass"], instead: use("storageClass") },
  { path: ["gateway", "enabled"], instead: "Grafana's data source and the canary reach Loki through the gateway" },
  { path: ["monitoring", "serviceMonitor", "labels"], instead: use("monitoring.stack (Prometheus selects by its release label)") },
  { path: ["monitoring", "rules", "labels"], instead: use("monitoring.stack (Prometheus selects by its release label)") },
  { path: ["monitoring", "dashboards", "namespace"], instead: use("grafana.namespace or monitoring.stack") },
  // Chart 18: one namespace for every monitoring object, and the alerts split from the rules.
  { path: ["monitoring", "namespace"], instead: use("grafana.namespace or monitoring.stack") },
  { path: ["monitoring", "alerts", "labels"], instead: use("monitoring.stack (Prometheus selects by its release label)") },
  { path: ["lokiCanary", "tenant", "name"], instead: use("tenant (the canary writes and reads under the tenant that receives logs)") },
  { path: ["lokiCanary", "tenant", "password"], instead: use("tenants (the canary authenticates as the platform tenant, its password from a Secret)") },
  { path: ["loki", "tenants"], instead: use("tenants (each tenant's user at the gateway, with its password's bcrypt hash)") },
  { path: ["gateway", "basicAuth"], instead: use("tenants (the gateway checks each tenant's credentials)") },
  { path: ["gateway", "nginxConfig", "locationSnippet"], instead: "it sets the tenant from the authenticated user in every location of the gateway" },
  { path: ["gateway", "nginxConfig", "file"], instead: "the gateway's config sets the tenant from the authenticated user in every location" },
  { path: ["networkPolicy", "enabled"], instead: use("networkPolicies.enabled") },
  { path: ["ignoreMinioDeprecation"], instead: use("minioTransition (the bundled MinIO is kept only while logs move off it)") },
  ...LOKI_COMPONENTS.map((key) => ({ path: [key, "replicas"], instead: use(`replicas.${key}`) })),
  // The typed limits (lib/loki/sizing.ts). Component resources stay overridable: the reported totals read the final values.
  ...Object.entries(LIMIT_KEYS).flatMap(([setting, key]) => [
    { path: ["loki", "limits_config", key], instead: use(`limits.${setting}`) },
    { path: ["loki", "structuredConfig", "limits_config", key], instead: use(`limits.${setting}`) },
  ]),
  { path: ["loki", "runtimeConfig", "overrides"], instead: use("tenantLimits") },
  { path: ["loki", "server", "http_server_write_timeout"], instead: use("limits.queryTimeoutSeconds") },
  { path: ["loki", "server", "http_server_read_timeout"], instead: use("limits.queryTimeoutSeconds") },
  ...["backend", "read", "write", "singleBinary"].map((key) => ({ path: [key, "replicas"], instead: DISTRIBUTED_ONLY })),
];

/** A values path for messages: `loki.auth_enabled`, `serviceAccount.annotations["eks.amazonaws.com/role-arn"]`. */
function showPath(path: readonly string[]): string {
  return path.map((key, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${i === 0 ? "" : "."}${key}` : `[${JSON.stringify(key)}]`)).join("");
}

/**
 * Refuses `valuesOverrides` that would set a protected chart value (PROTECTED_VALUES), or replace a map that
 * holds one with something else, and names the setting to use instead. Called when the Loki props are resolved, so it
 * fails before any resource exists.
 */
export function checkValuesOverrides(overrides: unknown): void {
  if (!isPlainObject(overrides)) {
    throw new ConfigError("valuesOverrides", overrides, "a map of chart values, such as { gateway: { replicas: 2 } }");
  }
  for (const { path, instead } of PROTECTED_VALUES) {
    let node: unknown = overrides;
    for (let depth = 0; depth < path.length; depth++) {
      const value = (node as Record<string, unknown>)[path[depth]];
      if (!Object.prototype.hasOwnProperty.call(node, path[depth]) || value === undefined) break;
      const here = path.slice(0, depth + 1);
      if (depth === path.length - 1) {
        throw new ConfigError(`valuesOverrides.${showPath(here)}`, value, "unset", `the stack derives it from one source; ${instead}`);
      }
      if (!isPlainObject(value)) {
        throw new ConfigError(
          `valuesOverrides.${showPath(here)}`,
          value,
          "a map of values",
          `replacing it would drop ${showPath(path)}, which the stack derives from one source; ${instead}`,
        );
      }
      node = value;
    }
  }
}
