import { deepMerge, isPlainObject } from "../core/deep-merge";
import { prometheusScrapeAnnotations } from "../core/kubernetes";
import { ConfigError } from "../core/validation";
import { ChartEnvVar, ChartGatewayAuth, ChartObjectStoreKind, LOKI_COMPONENTS, LokiComponent, MEMCACHED_EXPORTER_PORT, METRICS_PATH, SchemaPeriod } from "./chart";
import type { Chart18110Values } from "./charts/values-18.11.0";
import type { Chart6290Values } from "./charts/values-6.29.0";
import type { LokiObjectStorage, ResolvedLokiReleaseProps } from "./loki-props";
import { lokiOwnPolicies, networkPolicyValues, NetworkPolicyObject, NetworkPolicyValues, releaseSelectorLabels } from "./network-policy";
import { ruleFiles } from "./rules/alert-rules";
import { ContainerResources, sizedValues } from "./sizing";
import { rolloutAndClaimValues, runsBundledMinio, StorageSafetyValues, withWalSafety } from "./storage-safety";
import { SUPPORT_RESOURCES } from "./support-resources";

export { SUPPORT_RESOURCES } from "./support-resources";

/** A persistent volume claim of a chart component. */
export interface PersistentClaim {
  readonly name: string;
  /** Access modes, where the chart version needs them written out (LokiChartFacts.claimAccessModes). */
  readonly accessModes?: readonly string[];
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
  /** With `monitoring.scrapeAnnotations`: the standalone chart's scrape annotations (scrapeAnnotationValues). */
  readonly podAnnotations?: Readonly<Record<string, string>>;
}

/**
 * The subset of the chart values this stack sets in every chart version it knows. Every key exists in each version's
 * values.yaml, apart from the free-form maps the chart passes to Loki or Kubernetes as they are.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/values.yaml
 * @see https://github.com/grafana-community/helm-charts/blob/loki-18.11.0/charts/loki/values.yaml
 */
export interface SharedLokiValues {
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
      readonly s3?:
        | { readonly region: string; readonly sse?: { readonly type: "SSE-KMS"; readonly kms_key_id: string } }
        | MinioReleaseS3;
    };
    readonly ingester: { readonly chunk_encoding: "snappy" };
    readonly limits_config: { readonly retention_period: string; readonly allow_structured_metadata: true };
    readonly compactor: { readonly retention_enabled: true; readonly delete_request_store: "s3" };
    readonly rulerConfig: { readonly alertmanager_url: string; readonly enable_api: true };
    readonly structuredConfig: {
      readonly ruler: { readonly storage: { readonly type: "local"; readonly local: { readonly directory: string } } };
      /** The MinIO release as a named store, for the schema period that starts with the move off the bundled MinIO. */
      readonly storage_config?: { readonly named_stores: { readonly aws: Readonly<Record<string, MinioReleaseNamedStore>> } };
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
  readonly chunksCache: { readonly allocatedMemory: number; readonly resources: ContainerResources; readonly podAnnotations?: Readonly<Record<string, string>> };
  readonly resultsCache: { readonly allocatedMemory: number; readonly resources: ContainerResources; readonly podAnnotations?: Readonly<Record<string, string>> };
  readonly memcachedExporter: { readonly resources: ContainerResources };
  readonly gateway: { readonly resources: ContainerResources };
  readonly lokiCanary: { readonly resources: ContainerResources };
  readonly sidecar: { readonly rules: { readonly enabled: false } };
  readonly minio: { readonly enabled: boolean; readonly resources?: ContainerResources };
}

/**
 * What the stack's access part adds to the shared values: the chart's NetworkPolicies and, in `extraObjects` (created
 * and deleted with the release), the policies the chart does not render and the canary's credentials Secret.
 */
export interface AccessValues {
  readonly networkPolicy?: NetworkPolicyValues;
  /** A map keyed by purpose, or a list where the chart version's values.yaml has one (LokiChartFacts.extraObjectsForm). */
  readonly extraObjects?: Readonly<Record<string, ExtraObject>> | readonly ExtraObject[];
}

/** An object the release adds through `extraObjects`. */
export type ExtraObject = NetworkPolicyObject | CanaryCredentialsObject;

/** The Secret that holds the canary's password: its `data.password` comes with `set_sensitive`, never in the values. */
export interface CanaryCredentialsObject {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly metadata: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly type: "Opaque";
}

/**
 * The chart values this stack sets: the shared ones, with the values of the chart version on top (its module in
 * lib/loki/charts/ decides them: the canary's tenant, the `monitoring` section, service accounts, ...).
 */
export type LokiValues = SharedLokiValues & AccessValues & (Chart6290Values | Chart18110Values);

/** The `extraObjects` key of the canary's credentials Secret. */
export const CANARY_CREDENTIALS_OBJECT = "canary-credentials";
/** The key of the canary's password in its Secret. */
export const CANARY_PASSWORD_KEY = "password";
/** The canary container's variable holding its password, which its `-pass` argument names. */
export const CANARY_PASSWORD_ENV = "LOKI_CANARY_PASSWORD";
/** The Helm value path the release sets the canary's password at, with `set_sensitive`: base64, as a Secret's `data`. */
export const CANARY_PASSWORD_SETTING = `extraObjects.${CANARY_CREDENTIALS_OBJECT}.data.${CANARY_PASSWORD_KEY}`;

/** The canary's credentials Secret's name. */
export function canarySecretName(fullname: string): string {
  return `${fullname}-canary-credentials`;
}

/** The values that open the gateway to its users and give the canary its credentials (several tenants). */
function chartGatewayAuth(settings: ResolvedLokiReleaseProps): ChartGatewayAuth | undefined {
  const { gatewayAuth, tenancy, names } = settings;
  if (gatewayAuth === undefined) return undefined;
  return {
    users: tenancy.tenants.map((name) => ({ name, passwordHash: gatewayAuth.passwordHashes[name] })),
    canaryTenant: tenancy.tenant,
    canaryPasswordEnv: CANARY_PASSWORD_ENV,
    canarySecret: { name: canarySecretName(names.fullname), key: CANARY_PASSWORD_KEY },
  };
}

/** The release's extra objects (NetworkPolicies, the canary's Secret), by purpose. */
function extraObjects(settings: ResolvedLokiReleaseProps): Record<string, ExtraObject> {
  const { networkAccess, names, gatewayAuth } = settings;
  const objects: Record<string, ExtraObject> = {
    ...(networkAccess ? lokiOwnPolicies(networkAccess, names.fullname, names.releaseName) : {}),
  };
  if (gatewayAuth !== undefined) {
    objects[CANARY_CREDENTIALS_OBJECT] = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: canarySecretName(names.fullname), labels: { ...releaseSelectorLabels(names.releaseName), "app.kubernetes.io/component": "canary" } },
      type: "Opaque",
    };
  }
  return objects;
}

/**
 * `extraObjects` with the release's own and the ones `valuesOverrides` adds, in the form the chart version takes: a map
 * (overrides' keys beside the release's: the release's keys are protected) or a list (the release's first). Absent when
 * there are none.
 */
function combinedExtraObjects(own: Record<string, ExtraObject>, overrides: unknown, form: "list" | "map"): AccessValues["extraObjects"] | undefined {
  if (overrides !== undefined && !Array.isArray(overrides) && !isPlainObject(overrides)) {
    throw new ConfigError("valuesOverrides.extraObjects", overrides, "a list or a map of Kubernetes objects", "the release adds objects of its own there (NetworkPolicies, the canary's Secret)");
  }
  const theirs = (overrides ?? []) as Record<string, ExtraObject> | ExtraObject[];
  if (Object.keys(own).length === 0 && overrides === undefined) return undefined;
  if (form === "list") return [...Object.values(own), ...(Array.isArray(theirs) ? theirs : Object.values(theirs))];
  const added = Array.isArray(theirs) ? Object.fromEntries(theirs.map((o, i) => [`values-overrides-${i}`, o])) : theirs;
  for (const key of Object.keys(added)) {
    if (key in own) throw new ConfigError(`valuesOverrides.extraObjects["${key}"]`, added[key], "unset", "the release's own NetworkPolicies and the canary's Secret are there; give objects of your own another key");
  }
  return { ...own, ...added };
}

/** The rule files of each tenant, by tenant: one tenant's, or each of several (the top-level groups are `tenant`'s). */
function ruleDirectories(settings: ResolvedLokiReleaseProps): Record<string, Record<string, string>> {
  const { tenancy, tenantSettings } = settings;
  if (Object.keys(tenantSettings).length === 0) return { [tenancy.tenant]: ruleFiles(settings.ruleGroups) };
  return Object.fromEntries(tenancy.tenants.map((tenant) => [tenant, ruleFiles(tenantSettings[tenant].ruleGroups)]));
}

/** Name of the data volume of the ingesters (write-ahead log) and the compactor, mounted at /var/loki. */
const DATA_CLAIM = "data";

/**
 * A memcached cache's pod resources: the chart's own memory sizing (allocatedMemory x 1.2, so items
 * and connections fit), made explicit so the pod also gets a CPU limit.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/memcached/_memcached-statefulset.tpl
 */
export function cacheResources(allocatedMemoryMb: number): ContainerResources {
  const memory = `${Math.floor((allocatedMemoryMb * 12) / 10)}Mi`;
  return { requests: { cpu: "100m", memory }, limits: { cpu: "1", memory } };
}

/** One component's replicas, resources and disruption budget. */
function component(settings: ResolvedLokiReleaseProps, name: LokiComponent, withBudget: boolean): ComponentValues {
  return {
    replicas: settings.replicas[name],
    // A node drain evicts one pod of a component at a time, and with a single replica it can still finish.
    ...(withBudget ? { maxUnavailable: 1 } : {}),
    // The tier's or the preset's, with componentResources on top (lib/loki/sizing.ts).
    resources: settings.sizing.componentResources[name],
  };
}

/** A data claim with the configured storage class (the cluster default when unset), as the chart version writes claims. */
function dataClaim(size: string, storageClass: string | undefined, accessModes: readonly string[] | undefined): PersistentClaim {
  return { name: DATA_CLAIM, ...(accessModes !== undefined ? { accessModes } : {}), size, ...(storageClass !== undefined ? { storageClass } : {}) };
}

/** A pod's annotations, under a chart key that annotates pods (`<component>.podAnnotations` and the like). */
export interface PodAnnotationValues {
  readonly podAnnotations: Readonly<Record<string, string>>;
}

/**
 * The `prometheus.io/*` pod annotations of every Loki component and memcached exporter, under each one's
 * `podAnnotations` (the same key in both chart versions; the canary's key differs, so its version module sets it):
 * the standalone prometheus chart's `kubernetes-pods` job then scrapes each pod once, at the port and path annotated,
 * whatever other ports it serves on, and no Service needs annotating (the chart's headless duplicates would be
 * scraped a second time). Empty without `monitoring.scrapeAnnotations`.
 */
export function scrapeAnnotationValues(settings: ResolvedLokiReleaseProps): Readonly<Record<string, PodAnnotationValues>> {
  if (!settings.monitoring.scrapeAnnotations) return {};
  const loki = { podAnnotations: prometheusScrapeAnnotations(settings.chart.httpPort, METRICS_PATH) };
  // The exporter beside each memcached: hit ratio, evictions and memory of the caches, worth sizing them by.
  const exporter = { podAnnotations: prometheusScrapeAnnotations(MEMCACHED_EXPORTER_PORT, METRICS_PATH) };
  return { ...Object.fromEntries(LOKI_COMPONENTS.map((component) => [component, loki])), chunksCache: exporter, resultsCache: exporter };
}

/** Where the object store is, as the chart version's values module needs to know it. */
function objectStoreKind(storage: LokiObjectStorage): ChartObjectStoreKind {
  if (runsBundledMinio(storage)) return "bundled-minio";
  return storage.mode === "minio-release" ? "minio-release" : "s3";
}

/** The MinIO release's S3 API as `loki.storage.s3`: path-style, plain HTTP inside the cluster, keys from the environment. */
export interface MinioReleaseS3 {
  readonly endpoint: string;
  readonly s3ForcePathStyle: true;
  readonly insecure: true;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The same store as a Loki named store (`storage_config.named_stores.aws.<name>`), in Loki's own keys. */
export interface MinioReleaseNamedStore {
  readonly endpoint: string;
  readonly bucketnames: string;
  readonly access_key_id: string;
  readonly secret_access_key: string;
  readonly s3forcepathstyle: true;
  readonly insecure: true;
}

/** The environment variables Loki's pods read the MinIO release's keys from (Loki expands `${...}` in its config). */
export const MINIO_CREDENTIAL_ENV = { accessKeyId: "LOKI_S3_ACCESS_KEY_ID", secretAccessKey: "LOKI_S3_SECRET_ACCESS_KEY" } as const;
/** Name of the named store that the transition's schema period writes to: the MinIO release. */
export const MINIO_RELEASE_STORE = "minio-release";

/** The schema period that starts with the move off the bundled MinIO: the same schema, written to the MinIO release. */
export function transitionPeriod(from: string): SchemaPeriod {
  return { from, store: "tsdb", object_store: MINIO_RELEASE_STORE, schema: "v13", index: { prefix: "loki_index_", period: "24h" } };
}

/**
 * Builds the Loki chart values from the release's resolved props: names, tenancy, bucket references and the
 * role's service account annotations included. Pure: no cdktf, no I/O. The user's `valuesOverrides` are
 * deep-merged last, as the escape hatch; resolveLokiReleaseProps has already refused overrides of anything
 * derived from one source (checkValuesOverrides).
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
/** `loki.storage.s3` for the MinIO release: the chart writes it into Loki's common storage config. */
function minioReleaseS3(endpoint: string): MinioReleaseS3 {
  return {
    endpoint,
    s3ForcePathStyle: true,
    insecure: true,
    accessKeyId: `\${${MINIO_CREDENTIAL_ENV.accessKeyId}}`,
    secretAccessKey: `\${${MINIO_CREDENTIAL_ENV.secretAccessKey}}`,
  };
}

/** The MinIO release as a Loki named store. */
function minioReleaseNamedStore(endpoint: string, bucket: string): MinioReleaseNamedStore {
  return {
    endpoint,
    bucketnames: bucket,
    access_key_id: `\${${MINIO_CREDENTIAL_ENV.accessKeyId}}`,
    secret_access_key: `\${${MINIO_CREDENTIAL_ENV.secretAccessKey}}`,
    s3forcepathstyle: true,
    insecure: true,
  };
}

/** The variables Loki's pods read the MinIO release's keys from, each from the release's Secret. */
function minioCredentialEnv(credentials: { readonly secretName: string; readonly accessKeyIdKey: string; readonly secretAccessKeyKey: string }): ChartEnvVar[] {
  return [
    { name: MINIO_CREDENTIAL_ENV.accessKeyId, valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.accessKeyIdKey } } },
    { name: MINIO_CREDENTIAL_ENV.secretAccessKey, valueFrom: { secretKeyRef: { name: credentials.secretName, key: credentials.secretAccessKeyKey } } },
  ];
}

export function buildLokiValues(settings: ResolvedLokiReleaseProps): LokiValues & StorageSafetyValues {
  const { chart, names, tenancy, storage } = settings;

  let lokiStorage: LokiValues["loki"]["storage"];
  const bundledMinio = runsBundledMinio(storage);
  if (storage.mode === "s3") {
    lokiStorage = {
      type: "s3",
      bucketNames: { chunks: storage.chunksBucketName, ruler: storage.rulerBucketName },
      // No endpoint, no keys, no path-style: the AWS SDK's default chain then finds the IRSA or Pod Identity credentials.
      s3: { region: storage.region, ...(storage.kmsKeyArn !== undefined ? { sse: { type: "SSE-KMS", kms_key_id: storage.kmsKeyArn } } : {}) },
    };
  } else if (bundledMinio || storage.mode === "minio") {
    // With the bundled MinIO the chart writes its own endpoint, keys and bucket names (chunks, ruler) into Loki's config.
    lokiStorage = { type: "s3" };
  } else {
    lokiStorage = { type: "s3", bucketNames: { chunks: storage.chunksBucketName, ruler: storage.rulerBucketName }, s3: minioReleaseS3(storage.endpoint) };
  }
  // During the move off the bundled MinIO, new logs go to the MinIO release from the transition's day on: a schema
  // period of its own, appended; the existing periods are never edited.
  const transition = storage.mode === "minio-release" ? storage.transition : undefined;
  const schemaPeriods = transition ? [...chart.schemaPeriods, transitionPeriod(transition.newStoreFrom)] : chart.schemaPeriods;
  const namedStores =
    storage.mode === "minio-release" && transition
      ? { storage_config: { named_stores: { aws: { [MINIO_RELEASE_STORE]: minioReleaseNamedStore(storage.endpoint, storage.chunksBucketName) } } } }
      : {};

  const values: SharedLokiValues = {
    deploymentMode: "Distributed",
    serviceAccount: {
      create: true,
      name: names.serviceAccountName,
      annotations: { ...settings.serviceAccountAnnotations },
      // No Loki component calls the Kubernetes API once the rules sidecar is off. The IRSA and Pod Identity
      // tokens come from their own projected volumes, which EKS mounts whatever this says.
      automountServiceAccountToken: false,
    },
    loki: {
      auth_enabled: tenancy.authEnabled,
      commonConfig: { replication_factor: settings.replicationFactor },
      schemaConfig: { configs: schemaPeriods },
      storage: lokiStorage,
      ingester: { chunk_encoding: "snappy" },
      limits_config: { retention_period: settings.retentionPeriod, allow_structured_metadata: true },
      // Loki 3 refuses retention without a store for delete requests.
      compactor: { retention_enabled: true, delete_request_store: "s3" },
      rulerConfig: { alertmanager_url: settings.alertmanagerUrl, enable_api: true },
      // Rules in ruler.directories are read only from local ruler storage. Chart 6.29.0 writes its own
      // object-storage ruler.storage before the text of loki.rulerConfig, so a storage key there would be
      // a duplicate key; structuredConfig is deep-merged over the rendered config instead (in every version).
      structuredConfig: { ruler: { storage: { type: "local", local: { directory: chart.rulesDirectory } } }, ...namedStores },
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
      persistence: { enabled: true, claims: [dataClaim(settings.ingesterVolumeSize, settings.storageClass, chart.claimAccessModes)] },
    },
    querier: component(settings, "querier", true),
    queryFrontend: component(settings, "queryFrontend", true),
    queryScheduler: component(settings, "queryScheduler", true),
    indexGateway: component(settings, "indexGateway", true),
    compactor: {
      ...component(settings, "compactor", false),
      // Retention and delete markers live in the compactor's working directory.
      persistence: { enabled: true, claims: [dataClaim(settings.compactorVolumeSize, settings.storageClass, chart.claimAccessModes)] },
    },
    ruler: {
      enabled: true,
      ...component(settings, "ruler", true),
      // Always the tenants that receive logs ("fake" with auth off): rules anywhere else never fire.
      directories: ruleDirectories(settings),
    },
    // The chart's defaults (8192 MB and 1024 MB) ask for pods larger than most nodes.
    chunksCache: { allocatedMemory: settings.chunksCacheMemoryMb, resources: cacheResources(settings.chunksCacheMemoryMb) },
    resultsCache: { allocatedMemory: settings.resultsCacheMemoryMb, resources: cacheResources(settings.resultsCacheMemoryMb) },
    memcachedExporter: { resources: SUPPORT_RESOURCES.memcachedExporter },
    gateway: { resources: SUPPORT_RESOURCES.gateway },
    // The canary pushes and queries through the gateway; with auth on it must name the tenant (how: the chart
    // version's values).
    lokiCanary: { resources: SUPPORT_RESOURCES.lokiCanary },
    // Rules come from ruler.directories (ConfigMaps the chart mounts), so the sidecar that watches the API for
    // labelled rule ConfigMaps would only add an unbounded container and API access.
    sidecar: { rules: { enabled: false } },
    minio: bundledMinio ? { enabled: true, resources: SUPPORT_RESOURCES.minio } : { enabled: false },
  };
  // What the chart version sets differently (lib/loki/charts/values-<version>.ts); storage class of every claim,
  // rollout-operator and zone migration; the declared size's caches and Loki limits (lib/loki/sizing.ts); the user's
  // overrides; then the WAL block and grace period, derived from the ingester memory limit the values end up with
  // (lib/loki/storage-safety.ts), the tier's unless overridden.
  const versionValues = chart.versionValues({
    authEnabled: tenancy.authEnabled,
    tenant: tenancy.tenant,
    namespace: names.namespace,
    objectStore: objectStoreKind(storage),
    extraEnv: storage.mode === "minio-release" ? minioCredentialEnv(storage.credentials) : [],
    monitoring: settings.monitoring,
    gatewayAuth: chartGatewayAuth(settings),
    networkPolicies: settings.networkAccess !== undefined,
  });
  // The access part's values and the scrape annotations, then the version's (its additions to networkPolicy, its gateway users), and the rest;
  // the release's extra objects last, with the ones the overrides add.
  const { extraObjects: overridden, ...overrides } = settings.valuesOverrides as Record<string, unknown>;
  const combined = combinedExtraObjects(extraObjects(settings), overridden, chart.extraObjectsForm);
  const shared = deepMerge(deepMerge(values, scrapeAnnotationValues(settings)), settings.networkAccess ? { networkPolicy: networkPolicyValues(settings.networkAccess) } : {});
  const merged = deepMerge(
    deepMerge(deepMerge(deepMerge(shared, versionValues as Readonly<Record<string, unknown>>), rolloutAndClaimValues(settings)), sizedValues(settings.sizing)),
    overrides,
  );
  return withWalSafety(combined === undefined ? merged : { ...merged, extraObjects: combined }) as LokiValues & StorageSafetyValues;
}
