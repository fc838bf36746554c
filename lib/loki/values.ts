import { deepMerge, isPlainObject } from "../core/deep-merge";
import type { Names } from "../names";
import type { LokiComponent, ResolvedSettings } from "../settings";
import { ConfigError } from "../core/validation";
import { ruleFiles } from "./rules/alert-rules";
import { rolloutAndClaimValues, StorageSafetyValues, withWalSafety } from "./storage-safety";

/** CPU and memory of one container, as Kubernetes quantities. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** One entry of `loki.schemaConfig.configs`. @see https://grafana.com/docs/loki/latest/configure/#period_config */
export interface SchemaPeriod {
  /** First day (UTC, `YYYY-MM-DD`) the entry applies to. */
  readonly from: string;
  readonly store: "tsdb";
  readonly object_store: "s3";
  readonly schema: "v13";
  readonly index: { readonly prefix: string; readonly period: "24h" };
}

/** A persistent volume claim of a chart component. */
export interface PersistentClaim {
  readonly name: string;
  readonly size: string;
  /** Storage class; the cluster's default class when unset. */
  readonly storageClass?: string;
}

/** Replicas, disruption budget and resources of one Loki component in the chart's values. */
export interface ComponentValues {
  readonly replicas: number;
  /** The component's PodDisruptionBudget; absent for components the chart gives none. */
  readonly maxUnavailable?: number;
  readonly resources: ContainerResources;
}

/**
 * The subset of the `grafana/loki` 6.29.0 chart values this stack sets. Every key exists in the chart's values.yaml,
 * apart from the free-form maps the chart passes to Loki or Kubernetes as they are.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/values.yaml
 */
export interface LokiValues {
  readonly deploymentMode: "Distributed";
  /** The one service account every Loki component runs as (a top-level key, not under `loki`). */
  readonly serviceAccount: {
    readonly create: true;
    readonly name: string;
    readonly annotations: Readonly<Record<string, string>>;
    readonly automountServiceAccountToken: false;
  };
  readonly loki: {
    readonly auth_enabled: boolean;
    readonly commonConfig: { readonly replication_factor: number };
    readonly schemaConfig: { readonly configs: readonly SchemaPeriod[] };
    readonly storage: {
      readonly type: "s3";
      readonly bucketNames?: { readonly chunks: string; readonly ruler: string };
      readonly s3?: { readonly region: string; readonly sse?: { readonly type: "SSE-KMS"; readonly kms_key_id: string } };
    };
    readonly ingester: { readonly chunk_encoding: "snappy" };
    readonly limits_config: { readonly retention_period: string; readonly allow_structured_metadata: true };
    readonly compactor: { readonly retention_enabled: true; readonly delete_request_store: "s3" };
    readonly rulerConfig: { readonly alertmanager_url: string; readonly enable_api: true };
    readonly structuredConfig: {
      readonly ruler: { readonly storage: { readonly type: "local"; readonly local: { readonly directory: string } } };
    };
  };
  readonly backend: { readonly replicas: 0 };
  readonly read: { readonly replicas: 0 };
  readonly write: { readonly replicas: 0 };
  readonly singleBinary: { readonly replicas: 0 };
  readonly distributor: ComponentValues;
  readonly ingester: ComponentValues & {
    readonly zoneAwareReplication: { readonly enabled: boolean };
    readonly persistence: { readonly enabled: true; readonly claims: readonly PersistentClaim[] };
  };
  readonly querier: ComponentValues;
  readonly queryFrontend: ComponentValues;
  readonly queryScheduler: ComponentValues;
  readonly indexGateway: ComponentValues;
  readonly compactor: ComponentValues & {
    readonly persistence: { readonly enabled: true; readonly claims: readonly PersistentClaim[] };
  };
  readonly ruler: ComponentValues & {
    readonly enabled: true;
    /** Rule files per tenant: `<tenant>: { "<group>.yaml": <rule file> }`. */
    readonly directories: Readonly<Record<string, Readonly<Record<string, string>>>>;
  };
  readonly chunksCache: { readonly allocatedMemory: number; readonly resources: ContainerResources };
  readonly resultsCache: { readonly allocatedMemory: number; readonly resources: ContainerResources };
  readonly memcachedExporter: { readonly resources: ContainerResources };
  readonly gateway: { readonly resources: ContainerResources };
  readonly lokiCanary: { readonly resources: ContainerResources; readonly extraArgs: readonly string[] };
  readonly sidecar: { readonly rules: { readonly enabled: false } };
  readonly minio: { readonly enabled: boolean; readonly resources?: ContainerResources };
}

/**
 * The first day of the stack's schema. A schema change never edits this entry: it appends a new
 * period that starts on a future date, so data already written stays readable.
 * @see https://grafana.com/docs/loki/latest/operations/storage/schema/
 */
export const SCHEMA_START_DATE = "2024-04-01";

/** Loki's schema periods: TSDB index, schema v13 (needed for structured metadata), daily index tables. */
export const SCHEMA_PERIODS: readonly SchemaPeriod[] = [
  { from: SCHEMA_START_DATE, store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
];

/** Where the chart mounts `ruler.directories` (`/etc/loki/rules/<tenant>/`), and so where the ruler reads rules. */
export const RULES_DIRECTORY = "/etc/loki/rules";

/**
 * The chart's `loki.rulerRulesDirName` helper: the name of the volume (and ConfigMap suffix) that carries
 * one tenant's rule files: `rules-<tenant>`, "_" turned into "-", one trailing "-" cut, lowercased.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/ruler/_helpers-ruler.tpl
 */
export function rulerRulesDirName(tenant: string): string {
  return `rules-${tenant.replace(/_/g, "-").replace(/-$/, "").toLowerCase()}`;
}

/**
 * Refuses a tenant whose rule directory the chart cannot mount: the ruler pod's volume is named
 * rulerRulesDirName(tenant), and a pod volume name must be a DNS-1123 label.
 * Called by resolveSettings, so it fails before any resource exists.
 */
export function checkRulerTenant(tenant: string): void {
  const volume = rulerRulesDirName(tenant);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(volume) || volume.length > 63) {
    throw new ConfigError(
      "tenant",
      tenant,
      'a tenant of letters, digits, "_" and "-" that ends in a letter or digit, at most 57 characters',
      `the chart mounts the tenant's rules as the volume "${volume}", which must be a DNS-1123 label`,
    );
  }
}

/** Name of the data volume of the ingesters (write-ahead log) and the compactor, mounted at /var/loki. */
const DATA_CLAIM = "data";

/**
 * Requests and limits of each component, for the small-to-medium volumes the two size presets target.
 * Requests are what the scheduler reserves; limits leave headroom for query and flush bursts.
 * @see https://grafana.com/docs/loki/latest/setup/size/
 */
export const COMPONENT_RESOURCES: Readonly<Record<LokiComponent, ContainerResources>> = {
  distributor: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  ingester: { requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
  querier: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } },
  queryFrontend: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  queryScheduler: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
  indexGateway: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
  compactor: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "2Gi" } },
  ruler: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
};

/**
 * Requests and limits of the chart's supporting pods, which it otherwise runs unbounded:
 * the gateway (nginx), the canary, the memcached exporters and, in MinIO mode, MinIO.
 */
export const SUPPORT_RESOURCES = {
  gateway: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  lokiCanary: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } },
  memcachedExporter: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
  minio: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
} as const satisfies Record<string, ContainerResources>;

/**
 * A memcached cache's pod resources: the chart's own memory sizing (allocatedMemory x 1.2, so items
 * and connections fit), made explicit so the pod also gets a CPU limit.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/memcached/_memcached-statefulset.tpl
 */
export function cacheResources(allocatedMemoryMb: number): ContainerResources {
  const memory = `${Math.floor((allocatedMemoryMb * 12) / 10)}Mi`;
  return { requests: { cpu: "100m", memory }, limits: { cpu: "1", memory } };
}

/** Bucket references for the values: names (usually Terraform references) and the SSE-KMS key. */
export interface LokiBucketRefs {
  /** Chunks and index bucket name. */
  readonly chunks: string;
  /** Ruler bucket name. */
  readonly ruler: string;
  /** KMS key ARN for SSE-KMS. @default none: the buckets' default encryption alone */
  readonly kmsKeyArn?: string;
}

/** Everything the values are built from. */
export interface LokiValuesInputs {
  /** Validated settings. */
  readonly settings: ResolvedSettings;
  /** Shared names: service account, tenant. */
  readonly names: Names;
  /** S3 buckets (S3 mode only). @default the bucket names and KMS key ARN of the settings */
  readonly buckets?: LokiBucketRefs;
  /** Annotations of the service account: the IRSA role ARN, or none with Pod Identity. @default {} */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
}

/** One component's replicas, resources and disruption budget. */
function component(settings: ResolvedSettings, name: LokiComponent, withBudget: boolean): ComponentValues {
  return {
    replicas: settings.replicas[name],
    // A node drain evicts one pod of a component at a time, and with a single replica it can still finish.
    ...(withBudget ? { maxUnavailable: 1 } : {}),
    resources: COMPONENT_RESOURCES[name],
  };
}

/** A data claim with the configured storage class (the cluster default when unset). */
function dataClaim(size: string, storageClass: string | undefined): PersistentClaim {
  return { name: DATA_CLAIM, size, ...(storageClass !== undefined ? { storageClass } : {}) };
}

/**
 * Builds the Loki chart values from the settings, the shared names and the bucket and role references.
 * Pure: no cdktf, no I/O. The user's `valuesOverrides` are deep-merged last, as the escape hatch;
 * resolveSettings has already refused overrides of anything derived from one source (checkValuesOverrides).
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
export function buildLokiValues(inputs: LokiValuesInputs): LokiValues & StorageSafetyValues {
  const { settings, names } = inputs;
  const { storage } = settings;
  if (storage.mode === "minio" && inputs.buckets !== undefined) {
    throw new ConfigError("buckets", "LogBuckets", 'unset with storage "minio"', "the chart's bundled MinIO brings its own buckets");
  }

  let lokiStorage: LokiValues["loki"]["storage"];
  if (storage.mode === "s3") {
    const kmsKeyArn = inputs.buckets ? inputs.buckets.kmsKeyArn : storage.kmsKeyArn;
    lokiStorage = {
      type: "s3",
      bucketNames: { chunks: inputs.buckets?.chunks ?? storage.chunksBucketName, ruler: inputs.buckets?.ruler ?? storage.rulerBucketName },
      // No endpoint, no keys, no path-style: the AWS SDK's default chain then finds the IRSA or Pod Identity credentials.
      s3: { region: settings.region, ...(kmsKeyArn !== undefined ? { sse: { type: "SSE-KMS", kms_key_id: kmsKeyArn } } : {}) },
    };
  } else {
    // With MinIO the chart writes its own endpoint, keys and bucket names (chunks, ruler) into Loki's config.
    lokiStorage = { type: "s3" };
  }

  const values: LokiValues = {
    deploymentMode: "Distributed",
    serviceAccount: {
      create: true,
      name: names.serviceAccountName,
      annotations: { ...inputs.serviceAccountAnnotations },
      // No Loki component calls the Kubernetes API once the rules sidecar is off. The IRSA and Pod Identity
      // tokens come from their own projected volumes, which EKS mounts whatever this says.
      automountServiceAccountToken: false,
    },
    loki: {
      auth_enabled: names.authEnabled,
      commonConfig: { replication_factor: settings.replicationFactor },
      schemaConfig: { configs: SCHEMA_PERIODS },
      storage: lokiStorage,
      ingester: { chunk_encoding: "snappy" },
      limits_config: { retention_period: settings.retentionPeriod, allow_structured_metadata: true },
      // Loki 3 refuses retention without a store for delete requests.
      compactor: { retention_enabled: true, delete_request_store: "s3" },
      rulerConfig: { alertmanager_url: settings.alertmanagerUrl, enable_api: true },
      // Rules in ruler.directories are read only from local ruler storage. Chart 6.29.0 writes its own
      // object-storage ruler.storage before the text of loki.rulerConfig, so a storage key there would be
      // a duplicate key; structuredConfig is deep-merged over the rendered config instead.
      structuredConfig: { ruler: { storage: { type: "local", local: { directory: RULES_DIRECTORY } } } },
    },
    backend: { replicas: 0 },
    read: { replicas: 0 },
    write: { replicas: 0 },
    singleBinary: { replicas: 0 },
    distributor: component(settings, "distributor", true),
    ingester: {
      ...component(settings, "ingester", true),
      zoneAwareReplication: { enabled: settings.zoneAwareReplication },
      // The write-ahead log survives a restart only on a persistent volume.
      persistence: { enabled: true, claims: [dataClaim(settings.ingesterVolumeSize, settings.storageClass)] },
    },
    querier: component(settings, "querier", true),
    queryFrontend: component(settings, "queryFrontend", true),
    queryScheduler: component(settings, "queryScheduler", true),
    indexGateway: component(settings, "indexGateway", true),
    compactor: {
      ...component(settings, "compactor", false),
      // Retention and delete markers live in the compactor's working directory.
      persistence: { enabled: true, claims: [dataClaim(settings.compactorVolumeSize, settings.storageClass)] },
    },
    ruler: {
      enabled: true,
      ...component(settings, "ruler", true),
      // Always the tenant that receives logs ("fake" with auth off): rules anywhere else never fire.
      directories: { [names.tenant]: ruleFiles(settings.ruleGroups) },
    },
    // The chart's defaults (8192 MB and 1024 MB) ask for pods larger than most nodes.
    chunksCache: { allocatedMemory: settings.chunksCacheMemoryMb, resources: cacheResources(settings.chunksCacheMemoryMb) },
    resultsCache: { allocatedMemory: settings.resultsCacheMemoryMb, resources: cacheResources(settings.resultsCacheMemoryMb) },
    memcachedExporter: { resources: SUPPORT_RESOURCES.memcachedExporter },
    gateway: { resources: SUPPORT_RESOURCES.gateway },
    // The canary pushes and queries through the gateway; with auth on it must name the tenant.
    lokiCanary: { resources: SUPPORT_RESOURCES.lokiCanary, extraArgs: names.authEnabled ? [`-tenant-id=${names.tenant}`] : [] },
    // Rules come from ruler.directories (ConfigMaps the chart mounts), so the sidecar that watches the API for
    // labelled rule ConfigMaps would only add an unbounded container and API access.
    sidecar: { rules: { enabled: false } },
    minio: storage.mode === "minio" ? { enabled: true, resources: SUPPORT_RESOURCES.minio } : { enabled: false },
  };
  // Storage class of every claim, rollout-operator and zone migration; then the WAL block and grace period, derived
  // from the ingester memory limit the values end up with (lib/loki/storage-safety.ts).
  return withWalSafety(deepMerge(deepMerge(values, rolloutAndClaimValues(settings)), settings.valuesOverrides)) as LokiValues & StorageSafetyValues;
}

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

const COMPONENT_KEYS: Readonly<Record<LokiComponent, true>> = {
  distributor: true,
  ingester: true,
  querier: true,
  queryFrontend: true,
  queryScheduler: true,
  indexGateway: true,
  compactor: true,
  ruler: true,
};

/**
 * Chart values that `valuesOverrides` may not set: each is derived from one setting and shared with another
 * component (the IAM trust, the log shipper, the rule directory) or cross-checked by resolveSettings.
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
  ...Object.keys(COMPONENT_KEYS).map((key) => ({ path: [key, "replicas"], instead: use(`replicas.${key}`) })),
  ...["backend", "read", "write", "singleBinary"].map((key) => ({ path: [key, "replicas"], instead: DISTRIBUTED_ONLY })),
];

/** A values path for messages: `loki.auth_enabled`, `serviceAccount.annotations["eks.amazonaws.com/role-arn"]`. */
function showPath(path: readonly string[]): string {
  return path.map((key, i) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${i === 0 ? "" : "."}${key}` : `[${JSON.stringify(key)}]`)).join("");
}

/**
 * Refuses `valuesOverrides` that would set a protected chart value (PROTECTED_VALUES), or replace a map that
 * holds one with something else, and names the setting to use instead. Called by resolveSettings, so it
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
