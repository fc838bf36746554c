import { NetworkPoliciesProps, resolveNetworkPolicies, ResolvedNetworkPolicies } from "./access/network-policies";
import { ResolvedTenants, resolveTenants, TenantAccessProps } from "./access/tenants";
import type { PodPeer } from "./core/kubernetes";
import { check, checkBucketName, checkDnsLabel, checkRegion, ConfigError } from "./core/validation";
import { LokiDatasourceProps, resolveLokiDatasourceProps, ResolvedLokiDatasourceProps } from "./grafana/loki-datasource";
import { FLUENT_BIT_PORT_NAME, FLUENT_BIT_SELECTOR_LABELS } from "./fluent-bit/fluent-bit";
import { FluentBitOptions, FluentBitProps, PushTenant, resolveFluentBitProps, ResolvedFluentBitProps } from "./fluent-bit/props";
import { IdentityMode, resolveLokiRoleProps, ResolvedLokiRoleProps } from "./identity/loki-role";
import { COMPONENT_SUFFIXES, LokiChartVersion, LokiComponent } from "./loki/chart";
import { lokiChartFacts } from "./loki/chart-versions";
import {
  checkMultiTenantChart,
  LokiObjectStorage,
  LokiReleaseProps,
  LokiSize,
  MinioTransition,
  resolveLokiNames,
  resolveLokiReleaseProps,
  resolveRetention,
  ResolvedLokiReleaseProps,
} from "./loki/loki-props";
import { Names } from "./loki/names";
import { RuleGroup } from "./loki/rules/rules";
import { ComponentResourceOverride, LokiLimits } from "./loki/sizing";
import type { LokiNetworkAccess } from "./loki/network-policy";
import { LokiTenantProps, resolveTenancy, Tenancy } from "./loki/tenancy";
import { ZoneMigrationStage } from "./loki/storage-safety";
import { MonitoringOptions, PlatformMonitoringProps, resolvePlatformMonitoringProps, ResolvedPlatformMonitoringProps } from "./monitoring/props";
import { ALERTMANAGER_PORT, resolveMonitoringStack, stackAlertmanagerPods, stackAlertmanagerUrl, stackGrafanaNamespace, stackPrometheusPods } from "./monitoring/stack";
import { BucketEncryption, LogBucketsProps, resolveLogBucketsProps, ResolvedLogBucketsProps } from "./storage/log-buckets";
import { MINIO_CREDENTIAL_KEYS, MINIO_STORE_BUCKETS, minioEndpoint, minioFullname, MinioStoreProps } from "./storage/minio-store";
import { defaultNoncurrentVersionExpirationDays } from "./storage/versioning-cost";
import { EbsProvisioner, lokiStorageClassName, resolveLokiStorageClassProps, ResolvedLokiStorageClassProps } from "./volumes/storage-class";

/** Default region, as in the reference deployment. */
export const DEFAULT_REGION = "ap-northeast-1";

/** Where Loki keeps chunks, index and ruler data. */
export type StorageMode = "s3" | "minio";

/** Remote Terraform state in S3, with S3-native locking (terraform >= 1.10). */
export interface S3StateBackend {
  /** Existing bucket that holds the state. */
  readonly bucket: string;
  /** State object key. @default "loki/<stack id>.tfstate", one per stack */
  readonly key?: string;
  /** Region of the state bucket. @default the stack's region */
  readonly region?: string;
}

/** Reach the cluster through a kubeconfig file instead of the EKS API. */
export interface KubeconfigAccess {
  /** Path to the kubeconfig file. */
  readonly path: string;
  /** Context to use. @default the file's current context */
  readonly context?: string;
}

/** Fluent Bit agent settings. */
export interface FluentBitSettings extends FluentBitOptions {
  /** Deploy the agent at all. @default true */
  readonly enabled?: boolean;
}

/** Grafana data source settings. */
export interface GrafanaSettings {
  /** Add the Loki data source ConfigMap for the Grafana sidecar. @default true */
  readonly enabled?: boolean;
  /**
   * Namespace where Grafana's sidecar looks for data sources and dashboards; wins over the monitoring stack's.
   * @default "monitoring", or the kube-prometheus-stack release's namespace (see `monitoring.stack`)
   */
  readonly namespace?: string;
}

/**
 * The monitoring stack the platform plugs into, and what is installed there (lib/monitoring/props.ts).
 * `dashboards` defaults to `grafana.enabled`: the dashboards go to Grafana's namespace, which may not exist without it.
 */
export type MonitoringSettings = MonitoringOptions;

/**
 * One team's tenant: the namespaces whose logs it owns, its credentials at the gateway, and its own retention, limits
 * and rules in Loki. Its name (the key in `tenants`) is its Loki tenant ID and its user at the gateway.
 */
export interface TenantSettings extends TenantAccessProps, LokiTenantProps {}

/** Everything a LokiStack can be told. Only `clusterName` is required. */
export interface LokiStackProps {
  /** Name of the existing EKS cluster. */
  readonly clusterName: string;
  /** AWS region of the cluster and the buckets. @default "ap-northeast-1" */
  readonly region?: string;
  /** Tags on every AWS resource (provider default tags). @default { "app.kubernetes.io/part-of": "loki", "managed-by": "cdktf" } */
  readonly tags?: Readonly<Record<string, string>>;
  /** Use a kubeconfig instead of the EKS API and `aws eks get-token`. @default EKS API */
  readonly kubeconfig?: KubeconfigAccess;
  /** Remote state. @default local state */
  readonly backend?: S3StateBackend;

  /** Namespace of the Loki release, created if needed. @default "loki" */
  readonly namespace?: string;
  /** Helm release name; the chart derives its object names from it. @default "loki" */
  readonly releaseName?: string;
  /** Service account the chart creates for every Loki component. @default "loki" (the chart's own default) */
  readonly serviceAccountName?: string;

  /** Object storage. @default "s3" */
  readonly storage?: StorageMode;
  /**
   * The move of a MinIO stack first deployed with chart 6.29.0 (the chart's bundled MinIO) to chart 18.11.0 and its
   * MinIO release, as the chart documents since 17.0: from `newStoreFrom` on, Loki writes to the MinIO release (a schema
   * period of its own); the bundled MinIO keeps running (`ignoreMinioDeprecation`) so logs written before stay readable,
   * until `keepBundledMinio: false` once the retention period has passed since `newStoreFrom`.
   * @default none: a MinIO stack on chart 18.11.0 starts on the MinIO release
   */
  readonly minioTransition?: { readonly newStoreFrom: string; readonly keepBundledMinio?: boolean };
  /** Chunks bucket name (S3 mode). @default "<clusterName>-loki-chunks" */
  readonly chunksBucketName?: string;
  /** Ruler bucket name (S3 mode). @default "<clusterName>-loki-ruler" */
  readonly rulerBucketName?: string;
  /** Keep chunks and ruler data in one bucket, as the reference setup did (S3 mode). @default false */
  readonly singleBucket?: boolean;
  /** Default bucket encryption (S3 mode). @default "SSE-S3" */
  readonly encryption?: BucketEncryption;
  /** Existing KMS key for SSE-KMS; without it a key is created (S3 mode). @default a new key */
  readonly kmsKeyArn?: string;
  /** Days before noncurrent object versions (deleted chunks) expire (S3 mode). @default a quarter of the retention days, rounded down (7 at 31 days) */
  readonly noncurrentVersionExpirationDays?: number;
  /** Days before incomplete multipart uploads are aborted (S3 mode). @default 7 */
  readonly abortIncompleteMultipartUploadDays?: number;
  /** Backstop expiration of chunks-bucket objects, in days; longer than the retention. @default retention days + 30 */
  readonly chunksExpirationDays?: number;
  /** Allow `cdktf destroy` to delete the buckets and their data. Only for throwaway environments. @default false */
  readonly allowDestroy?: boolean;

  /** How Loki gets AWS credentials (S3 mode). @default "irsa" */
  readonly identity?: IdentityMode;
  /** Create the cluster's IAM OIDC provider instead of using the existing one (IRSA). @default false */
  readonly createOidcProvider?: boolean;

  /** Chart repository, such as a mirror of it. @default the chart version's own repository */
  readonly chartRepository?: string;
  /**
   * The Loki chart version, and with it the Loki and Fluent Bit versions: one the stack knows
   * (`"18.11.0"`: Loki 3.7.6, Fluent Bit 5.1.1; `"6.29.0"`: Loki 3.4.2, Fluent Bit 4.0.1).
   * @default DEFAULT_CHART_VERSION
   */
  readonly chartVersion?: LokiChartVersion;
  /** Helm timeout, in seconds; a first install with volumes takes a while. @default 900 */
  readonly helmTimeoutSeconds?: number;
  /** Release revisions Helm keeps. @default 10 */
  readonly helmMaxHistory?: number;

  /** Component sizing preset; with ingestGbPerDay only "production" (the tiers are production-shaped). @default "reference", or "production" with ingestGbPerDay */
  readonly size?: LokiSize;
  /** Replica overrides per component, on top of the preset or the tier (1 to 1000). @default the preset's or the tier's */
  readonly replicas?: Readonly<Partial<Record<LokiComponent, number>>>;
  /** Copies of each stream the ingesters keep. @default 1 (reference) or 3 (production) */
  readonly replicationFactor?: number;
  /** Spread ingesters over three zone StatefulSets, rolled out one zone at a time by the chart's rollout-operator. @default false (both presets, as Grafana's AWS guide) */
  readonly zoneAwareReplication?: boolean;
  /** Memory of the chunks cache, in MB. @default 512 (reference) or 2048 (production) */
  readonly chunksCacheMemoryMb?: number;
  /** Memory of the results cache, in MB. @default 128 (reference) or 512 (production) */
  readonly resultsCacheMemoryMb?: number;
  /** An existing storage class for every Loki volume (ingester WAL, compactor, MinIO) instead of the one the stack creates. @default a created gp3 class, "<namespace>-gp3" */
  readonly storageClass?: string;
  /** CSI provisioner of the created gp3 class: the EBS CSI add-on, or EKS Auto Mode's built-in one. Unset with storageClass. @default "ebs.csi.aws.com" */
  readonly ebsProvisioner?: EbsProvisioner;
  /** Stage of a move from one ingester StatefulSet to three zone StatefulSets (needs zoneAwareReplication). @default none */
  readonly zoneMigrationStage?: ZoneMigrationStage;
  /** Size of each ingester's WAL volume. @default "10Gi", or walVolumeSize() of ingestGbPerDay */
  readonly ingesterVolumeSize?: string;
  /** Size of the compactor's volume. @default "10Gi", or compactorVolumeSize() of ingestGbPerDay and the retention */
  readonly compactorVolumeSize?: string;

  // Sizing by ingest volume and Loki's limits (lib/loki/sizing.ts, SizingProps).
  /**
   * Expected ingest in GB per day (1 to 100000). Selects a tier of Grafana's sizing guide: replicas, requests and
   * limits, caches, WAL and compactor volumes, and the default limits. `size` must then be unset or "production".
   * @default none: the size preset decides, and the limits are Loki's defaults
   */
  readonly ingestGbPerDay?: number;
  /** Requests and limits per component, over the tier's or the preset's. @default the tier's, else COMPONENT_RESOURCES */
  readonly componentResources?: Readonly<Partial<Record<LokiComponent, ComponentResourceOverride>>>;
  /** Loki's tenant limits (`loki.limits_config`); the Grafana data source's timeout follows queryTimeoutSeconds. @default defaultLimits(ingestGbPerDay, retention) */
  readonly limits?: LokiLimits;
  /** Per-tenant overrides of the limits, in `loki.runtimeConfig` (reloaded without a restart). @default {} */
  readonly tenantLimits?: Readonly<Record<string, LokiLimits>>;

  /** Turn on multi-tenancy; requires a tenant. @default true when a tenant is set, else false */
  readonly authEnabled?: boolean;
  /** The tenant that ships logs and owns the rules; setting one turns auth on. @default "fake" with auth off */
  readonly tenant?: string;
  /** How long logs are kept: whole days written in hours. @default "744h" (31 days) */
  readonly retentionPeriod?: string;
  /**
   * Alertmanager the ruler sends alerts to; wins over the monitoring stack's.
   * @default the monitoring stack's Alertmanager (DEFAULT_ALERTMANAGER_URL with the reference stack)
   */
  readonly alertmanagerUrl?: string;
  /** Alerting and recording rules, rendered into the tenant's rule directory. @default [] */
  readonly ruleGroups?: readonly RuleGroup[];
  /** Helm values deep-merged over everything the stack sets; the escape hatch. @default {} */
  readonly valuesOverrides?: Readonly<Record<string, unknown>>;

  /**
   * Several tenants, one per team, by name: each owns the logs of its namespaces, reads and writes only them through the
   * gateway with its own credentials, and has its own retention, limits and rules. Turns auth on; `tenant` must be unset.
   * Only with chart 18.11.0 (6.29.0's gateway does not isolate tenants). See the README, "Tenants and access".
   * @default none: one tenant (see tenant and authEnabled)
   */
  readonly tenants?: Readonly<Record<string, TenantSettings>>;
  /**
   * With tenants: the tenant that receives the logs of every namespace no tenant claims (the cluster's own, Loki's, any
   * new namespace) and the canary's, and owns the top-level ruleGroups. It may be one of `tenants`. @default "platform"
   */
  readonly platformTenant?: string;
  /** NetworkPolicies of Loki and the agents, and what enforces them. @default enabled, enforced by the VPC CNI (checked at plan time) */
  readonly networkPolicies?: NetworkPoliciesProps;

  /** The Fluent Bit agent. @default enabled, see FluentBitSettings */
  readonly fluentBit?: FluentBitSettings;
  /** The Grafana data source. @default enabled, see GrafanaSettings */
  readonly grafana?: GrafanaSettings;
  /** The monitoring stack the platform plugs into, and what is installed there. @default the reference stack, see MonitoringSettings */
  readonly monitoring?: MonitoringSettings;
}

/** MinIO mode on a chart that refuses the bundled MinIO: the MinIO release's props and the move off the bundled one. */
export interface MinioReleaseStackStorage {
  readonly mode: "minio-release";
  /** The MinIO release's props, without what the stack wires in (the storage class resource). */
  readonly store: Omit<MinioStoreProps, "dependsOn">;
  readonly transition?: MinioTransition;
}

/** S3 storage: the buckets' props as the stack hands them over (stack defaults applied), resolved, and the role's. */
export interface S3StackStorage {
  readonly mode: "s3";
  /** The buckets' props, with the stack's defaults: bucket names from the cluster name, expiration from retention. */
  readonly buckets: LogBucketsProps;
  /** The same, with the buckets' own defaults applied. */
  readonly resolvedBuckets: ResolvedLogBucketsProps;
  readonly identity: ResolvedLokiRoleProps;
}

/**
 * The stack's props mapped onto each part's props, with every default applied and every part's checks run.
 * The part props are what the stack hands each construct; the constructs resolve them again, to the same result.
 */
export interface LokiStackSettings {
  readonly clusterName: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly kubeconfig?: KubeconfigAccess;
  readonly backend?: Required<S3StateBackend>;
  /** Every name the components share. */
  readonly names: Names;
  /** Auth and the tenant. */
  readonly tenancy: Tenancy;
  /** S3 buckets and role, the chart's bundled MinIO (chart 6.29.0), or a MinIO release beside the chart (18.11.0). */
  readonly storage: S3StackStorage | { readonly mode: "minio" } | MinioReleaseStackStorage;
  /** The Loki release's props, without what the stack wires in (bucket references, the role, dependencies). */
  readonly loki: Omit<LokiReleaseProps, "storage" | "serviceAccountAnnotations" | "dependsOn">;
  /** The Loki release's props resolved against the configured bucket names. */
  readonly lokiResolved: ResolvedLokiReleaseProps;
  /** The gp3 class the stack creates for every Loki volume; absent when `storageClass` names an existing class. */
  readonly storageClass?: ResolvedLokiStorageClassProps;
  /** The agent's props; absent when `fluentBit.enabled` is false. */
  readonly fluentBit?: ResolvedFluentBitProps;
  /** The data source's props; absent when `grafana.enabled` is false. */
  readonly grafana?: ResolvedLokiDatasourceProps;
  /** The platform monitoring's props, without what the stack wires in (dependencies). */
  readonly monitoring: ResolvedPlatformMonitoringProps;
  /** Tenants (several) and NetworkPolicies. */
  readonly access: AccessSettings;
}

/** The access part's settings: the tenants, when there are several, and the NetworkPolicies. */
export interface AccessSettings {
  /** Several tenants, resolved; absent with one. */
  readonly tenants?: ResolvedTenants;
  readonly networkPolicies: ResolvedNetworkPolicies;
}

/** Each tenant's password and bcrypt hash, by tenant: Terraform expressions from the access part's credentials. */
export type TenantSecrets = Readonly<Record<string, { readonly password: string; readonly passwordHash: string }>>;

/**
 * Stands in for a tenant's password and hash while the props are checked, before the credentials exist: the stack hands
 * the parts the real Terraform expressions (withTenantSecrets).
 */
export const SECRET_PENDING = "(set at apply)";

/**
 * The settings with each tenant's real password and hash in the parts that read them: the agents, Grafana's data
 * sources, the gateway and the canary. Pure.
 */
export function withTenantSecrets(settings: LokiStackSettings, secrets: TenantSecrets): LokiStackSettings {
  if (settings.access.tenants === undefined) return settings;
  const secret = (name: string) => {
    const found = secrets[name];
    if (found === undefined) throw new Error(`no credentials for tenant ${name}`);
    return found;
  };
  const { fluentBit, grafana, loki, lokiResolved } = settings;
  const gatewayAuth = {
    passwordHashes: Object.fromEntries(Object.keys(loki.gatewayAuth?.passwordHashes ?? {}).map((t) => [t, secret(t).passwordHash])),
    canaryPassword: secret(lokiResolved.tenancy.tenant).password,
  };
  return {
    ...settings,
    loki: { ...loki, gatewayAuth },
    lokiResolved: { ...lokiResolved, gatewayAuth },
    fluentBit: fluentBit && {
      ...fluentBit,
      loki: { ...fluentBit.loki, tenants: fluentBit.loki.tenants?.map((t) => ({ ...t, password: secret(t.name).password })) },
    },
    grafana: grafana && {
      ...grafana,
      loki: { ...grafana.loki, tenants: grafana.loki.tenants?.map((t) => ({ ...t, password: secret(t.name).password })) },
    },
  };
}

/** Props that only mean something with S3 storage. */
const S3_ONLY_PROPS = [
  "chunksBucketName",
  "rulerBucketName",
  "singleBucket",
  "encryption",
  "kmsKeyArn",
  "noncurrentVersionExpirationDays",
  "abortIncompleteMultipartUploadDays",
  "chunksExpirationDays",
  "allowDestroy",
  "identity",
  "createOidcProvider",
] as const;

/** Suffix of the MinIO release's name, after the Loki release's: the MinIO chart names its objects after it. */
const MINIO_STORE_SUFFIX = "-minio-store";

/** A default bucket name: the cluster name made bucket-safe, and a suffix. */
function defaultBucketName(clusterName: string, suffix: string): string {
  return `${clusterName.toLowerCase().replace(/_/g, "-")}-${suffix}`;
}

/**
 * Maps the stack's props onto each part's props, applies the stack's defaults, runs each part's checks with the
 * setting names the user wrote, and checks the rules that span parts:
 * - a tenant needs auth (tenancy),
 * - S3-only props are refused with MinIO,
 * - the chunks bucket's backstop expiration outlives the retention, and noncurrent versions expire after a quarter of it,
 * - the created storage class (its name from the namespace) or an existing one, never both,
 * - the Fluent Bit namespace differs from Loki's;
 * hands the data source Loki's resolved query timeout, which its own timeout derives from; and derives the defaults
 * that span parts from the monitoring stack: the Alertmanager URL, Grafana's sidecar namespace, and what the Loki
 * chart and the platform monitoring install there.
 * Throws a ConfigError on the first bad setting, before any resource exists.
 * @param stackId the stack's construct ID, used for the default state key
 */
export function resolveLokiStackProps(props: LokiStackProps, stackId: string): LokiStackSettings {
  check(typeof props.clusterName === "string" && props.clusterName.trim() !== "", "clusterName", props.clusterName, "the name of an existing EKS cluster");
  check(
    /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/.test(props.clusterName),
    "clusterName",
    props.clusterName,
    'an EKS cluster name (1-100 letters, digits, "-" and "_", starting with a letter or digit)',
  );
  const clusterName = props.clusterName;

  const region = props.region ?? DEFAULT_REGION;
  checkRegion("region", region);

  const tags = props.tags ?? { "app.kubernetes.io/part-of": "loki", "managed-by": "cdktf" };

  if (props.kubeconfig) {
    check(props.kubeconfig.path?.trim() !== "", "kubeconfig.path", props.kubeconfig.path, "the path of a kubeconfig file");
  }

  let backend: Required<S3StateBackend> | undefined;
  if (props.backend) {
    checkBucketName("backend.bucket", props.backend.bucket);
    const key = props.backend.key ?? `loki/${stackId}.tfstate`;
    check(/^[^/].*[^/]$/.test(key), "backend.key", key, 'an S3 object key such as "loki/prod.tfstate" (no leading or trailing "/")');
    const backendRegion = props.backend.region ?? region;
    checkRegion("backend.region", backendRegion);
    backend = { bucket: props.backend.bucket, key, region: backendRegion };
  }

  // The chart version, then the names and the tenants every part shares, decided once by their rules.
  const chart = lokiChartFacts(props.chartVersion);
  const names = resolveLokiNames(props, "", chart);
  let tenants: ResolvedTenants | undefined;
  let lokiTenants: Record<string, LokiTenantProps> | undefined;
  if (props.tenants !== undefined) {
    checkMultiTenantChart("tenants", props.tenants, chart);
    check(props.tenant === undefined, "tenant", props.tenant, "unset with tenants", "with several tenants, platformTenant names the one that receives unclaimed namespaces");
    tenants = resolveTenants({ tenants: props.tenants, platformTenant: props.platformTenant, authEnabled: props.authEnabled ?? true, lokiNamespace: names.namespace });
    lokiTenants = Object.fromEntries(
      tenants.tenants.map((t) => {
        const given = props.tenants?.[t.name] ?? { namespaces: [] };
        return [t.name, { retentionPeriod: given.retentionPeriod, limits: given.limits, ruleGroups: given.ruleGroups }];
      }),
    );
  } else {
    check(props.platformTenant === undefined, "platformTenant", props.platformTenant, "unset without tenants", "it names the tenant of unclaimed namespaces among several");
  }
  const tenancy = resolveTenancy({ authEnabled: props.authEnabled, tenant: tenants?.platformTenant ?? props.tenant, tenants: lokiTenants });
  const networkPolicies = resolveNetworkPolicies(props.networkPolicies, "networkPolicies.");
  // The longest any tenant keeps its logs: what the object store's backstop must outlive.
  const longestRetentionDays = Math.max(
    retentionDaysOf("retentionPeriod", props.retentionPeriod),
    ...Object.entries(props.tenants ?? {}).map(([name, t]) => (t?.retentionPeriod === undefined ? 0 : retentionDaysOf(`tenants.${name}.retentionPeriod`, t.retentionPeriod))),
  );

  const storageMode = props.storage ?? "s3";
  check(storageMode === "s3" || storageMode === "minio", "storage", storageMode, '"s3" or "minio"');
  const retentionDays = longestRetentionDays;

  let storage: LokiStackSettings["storage"];
  let lokiStorage: LokiObjectStorage;
  if (storageMode === "minio") {
    for (const key of S3_ONLY_PROPS) {
      if (props[key] !== undefined) {
        throw new ConfigError(key, props[key], 'unset with storage "minio"', "MinIO replaces S3 and IAM; move to storage \"s3\" to use it");
      }
    }
    if (chart.bundledMinio === "supported") {
      check(
        props.minioTransition === undefined,
        "minioTransition",
        props.minioTransition,
        `unset with chart ${chart.version}`,
        `chart ${chart.version} runs MinIO bundled; the move off it comes with chart 18.11.0`,
      );
      storage = { mode: "minio" };
      lokiStorage = { mode: "minio" };
    } else {
      // The chart refuses its bundled MinIO: a MinIO release of its own, in Loki's namespace, named after Loki's release.
      check(
        names.releaseName.length + MINIO_STORE_SUFFIX.length <= 53,
        "releaseName",
        names.releaseName,
        `at most ${53 - MINIO_STORE_SUFFIX.length} characters with storage "minio"`,
        `the MinIO release is named "<releaseName>${MINIO_STORE_SUFFIX}", and Helm release names are at most 53 characters`,
      );
      const store = { namespace: names.namespace, releaseName: `${names.releaseName}${MINIO_STORE_SUFFIX}`, storageClass: props.storageClass ?? lokiStorageClassName(names.namespace) };
      const transition = props.minioTransition && { newStoreFrom: props.minioTransition.newStoreFrom, keepBundledMinio: props.minioTransition.keepBundledMinio ?? true };
      storage = { mode: "minio-release", store, transition };
      const fullname = minioFullname(store.releaseName);
      lokiStorage = {
        mode: "minio-release",
        endpoint: minioEndpoint(fullname, names.namespace),
        chunksBucketName: MINIO_STORE_BUCKETS.chunks,
        rulerBucketName: MINIO_STORE_BUCKETS.ruler,
        credentials: { secretName: fullname, accessKeyIdKey: MINIO_CREDENTIAL_KEYS.accessKeyId, secretAccessKeyKey: MINIO_CREDENTIAL_KEYS.secretAccessKey },
        transition,
      };
    }
  } else {
    check(props.minioTransition === undefined, "minioTransition", props.minioTransition, 'unset with storage "s3"', "it moves a MinIO stack off the bundled MinIO");
    const chunksExpirationDays = props.chunksExpirationDays ?? retentionDays + 30;
    // Versioning keeps every chunk the compactor deletes for this long: at most 1.25x the storage by default.
    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? defaultNoncurrentVersionExpirationDays(retentionDays);
    const buckets: LogBucketsProps = {
      chunksBucketName: props.chunksBucketName ?? defaultBucketName(clusterName, "loki-chunks"),
      rulerBucketName: props.singleBucket ? props.rulerBucketName : (props.rulerBucketName ?? defaultBucketName(clusterName, "loki-ruler")),
      singleBucket: props.singleBucket,
      encryption: props.encryption,
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: props.abortIncompleteMultipartUploadDays,
      chunksExpirationDays,
      allowDestroy: props.allowDestroy,
    };
    const resolvedBuckets = resolveLogBucketsProps(buckets);
    check(
      chunksExpirationDays > retentionDays,
      "chunksExpirationDays",
      chunksExpirationDays,
      `more than the longest retention period, ${retentionDays} days (retentionPeriod "${props.retentionPeriod ?? "744h"}"${props.tenants !== undefined ? ", or a tenant's own" : ""})`,
      "the lifecycle backstop would delete logs that Loki still serves",
    );
    const identity = resolveLokiRoleProps({
      namespace: names.namespace,
      serviceAccountName: names.serviceAccountName,
      identity: props.identity,
      createOidcProvider: props.createOidcProvider,
    });
    storage = { mode: "s3", buckets, resolvedBuckets, identity };
    lokiStorage = {
      mode: "s3",
      region,
      chunksBucketName: resolvedBuckets.chunksBucketName,
      rulerBucketName: resolvedBuckets.rulerBucketName,
      kmsKeyArn: resolvedBuckets.kmsKeyArn,
    };
  }

  // The monitoring stack decides, once, the defaults that tie the platform to it: the Alertmanager the ruler
  // sends to and the namespace Grafana's sidecar watches. Explicit alertmanagerUrl and grafana.namespace win.
  const alertmanagerUrl = props.alertmanagerUrl ?? stackAlertmanagerUrl(resolveMonitoringStack(props.monitoring?.stack, "monitoring."));

  // The tenant header the agents and Grafana send: only with auth on and one tenant, since Loki ignores it otherwise
  // and, with several, the gateway sets it from the authenticated user.
  const tenant = tenancy.authEnabled && tenants === undefined ? tenancy.tenant : undefined;
  const monitoringStack = resolveMonitoringStack(props.monitoring?.stack, "monitoring.");
  const prometheusPods = stackPrometheusPods(monitoringStack);
  // A part that is turned off is still checked: a mistake must not wait until the day it is turned on.
  const { enabled: fluentBitEnabled = true, ...fluentBitOptions } = props.fluentBit ?? {};
  // One tenant: the agents push straight to the distributor. Several: through the gateway, as each tenant.
  const pushTenants: PushTenant[] | undefined = tenants?.tenants.map((t) => ({ name: t.name, namespaces: t.namespaces, unclaimed: t.platform, password: SECRET_PENDING }));
  const fluentBitProps: FluentBitProps = {
    ...fluentBitOptions,
    // The agent version that goes with the chart version (its image, probes and metrics path).
    version: chart.fluentBitVersion,
    loki: pushTenants
      ? { host: names.gatewayHost, port: chart.gatewayPort, path: names.pushPath, tenants: pushTenants }
      : { host: names.distributorHost, port: names.distributorPort, path: names.pushPath, tenant },
    ...(networkPolicies.enabled ? { networkPolicy: { metricsScrapers: prometheusPods } } : {}),
  };
  const fluentBit = resolveFluentBitProps(fluentBitProps, "fluentBit.");
  check(
    fluentBit.namespace !== names.namespace,
    "fluentBit.namespace",
    fluentBit.namespace,
    `a namespace other than Loki's ("${names.namespace}")`,
    "the agent skips every log of its own namespace, so Loki's logs would be lost, and each namespace is created once",
  );

  // Grafana's namespace goes to the data source and to the dashboards of the monitoring part and the Loki chart:
  // checked here, under the setting the user wrote, before the monitoring part takes it.
  const { enabled: grafanaEnabled = true, namespace: grafanaNamespace = stackGrafanaNamespace(monitoringStack) } = props.grafana ?? {};
  checkDnsLabel("grafana.namespace", grafanaNamespace);

  const monitoringProps: PlatformMonitoringProps = {
    ...props.monitoring,
    // The dashboards go to Grafana's namespace, which may not exist without Grafana.
    dashboards: props.monitoring?.dashboards ?? grafanaEnabled,
    grafanaNamespace,
    // The chart labels each component's pods app.kubernetes.io/component with its object-name suffix.
    loki: { namespace: names.namespace, fullname: names.fullname, components: COMPONENT_SUFFIXES },
    fluentBit: fluentBitEnabled
      ? { namespace: fluentBit.namespace, podSelectorLabels: FLUENT_BIT_SELECTOR_LABELS, metricsPortName: FLUENT_BIT_PORT_NAME, metricsPath: fluentBit.agent.metricsPath }
      : undefined,
  };
  const monitoring = resolvePlatformMonitoringProps(monitoringProps, "monitoring.");

  const loki: LokiStackSettings["loki"] = {
    namespace: props.namespace,
    releaseName: props.releaseName,
    serviceAccountName: props.serviceAccountName,
    authEnabled: props.authEnabled,
    tenant: tenants?.platformTenant ?? props.tenant,
    tenants: lokiTenants,
    chartRepository: props.chartRepository,
    chartVersion: props.chartVersion,
    helmTimeoutSeconds: props.helmTimeoutSeconds,
    helmMaxHistory: props.helmMaxHistory,
    size: props.size,
    replicas: props.replicas,
    replicationFactor: props.replicationFactor,
    zoneAwareReplication: props.zoneAwareReplication,
    chunksCacheMemoryMb: props.chunksCacheMemoryMb,
    resultsCacheMemoryMb: props.resultsCacheMemoryMb,
    // Every claim names a class: the existing one, or the one the stack creates.
    storageClass: props.storageClass ?? lokiStorageClassName(names.namespace),
    zoneMigrationStage: props.zoneMigrationStage,
    ingesterVolumeSize: props.ingesterVolumeSize,
    compactorVolumeSize: props.compactorVolumeSize,
    ingestGbPerDay: props.ingestGbPerDay,
    componentResources: props.componentResources,
    limits: props.limits,
    tenantLimits: props.tenantLimits,
    retentionPeriod: props.retentionPeriod,
    alertmanagerUrl,
    ruleGroups: props.ruleGroups,
    valuesOverrides: props.valuesOverrides,
    // The chart's own ServiceMonitor, rules and dashboards, labelled and placed for the same monitoring stack. Its
    // dashboards select the labels of its ServiceMonitor, which only kube-prometheus-stack scrapes; the standalone
    // chart finds Loki's pods by their annotations instead, and gets the platform's Loki dashboard.
    monitoring: {
      operatorObjects: monitoring.operatorObjects,
      prometheusLabels: monitoring.prometheusSelectorLabels,
      scrapeInterval: monitoring.scrapeInterval,
      dashboards: monitoring.dashboards && monitoring.lokiDiscovery === "service-monitor",
      dashboardNamespace: monitoring.grafanaNamespace,
      dashboardLabels: monitoring.dashboardLabels,
      scrapeAnnotations: monitoring.lokiDiscovery === "pod-annotations",
    },
    ...(tenants !== undefined
      ? { gatewayAuth: { passwordHashes: Object.fromEntries(tenants.tenants.map((t) => [t.name, SECRET_PENDING])), canaryPassword: SECRET_PENDING } }
      : {}),
    ...(networkPolicies.enabled
      ? {
          networkAccess: lokiNetworkAccess({
            lokiNamespace: names.namespace,
            gatewayNamespaces: networkPolicies.gatewayNamespaces,
            fluentBit: fluentBitEnabled ? { namespace: fluentBit.namespace, podLabels: FLUENT_BIT_SELECTOR_LABELS } : undefined,
            agentsPushToDistributor: tenants === undefined,
            grafanaNamespace: grafanaEnabled ? grafanaNamespace : undefined,
            prometheusPods,
            alertmanager:
              props.alertmanagerUrl === undefined || props.alertmanagerUrl === stackAlertmanagerUrl(monitoringStack)
                ? { peer: stackAlertmanagerPods(monitoringStack), port: ALERTMANAGER_PORT }
                : { port: urlPort(alertmanagerUrl) },
            storageMode: storage.mode,
            podIdentity: storage.mode === "s3" && storage.identity.identity === "pod-identity",
          }),
        }
      : {}),
  };
  const lokiResolved = resolveLokiReleaseProps({ ...loki, storage: lokiStorage });

  check(
    props.storageClass === undefined || props.ebsProvisioner === undefined,
    "ebsProvisioner",
    props.ebsProvisioner,
    "unset when storageClass names an existing class",
    "the provisioner only applies to the class the stack creates",
  );
  const storageClass =
    props.storageClass === undefined
      ? resolveLokiStorageClassProps({ name: lokiStorageClassName(names.namespace), ebsProvisioner: props.ebsProvisioner, clusterName })
      : undefined;

  const grafanaProps: LokiDatasourceProps = {
    namespace: grafanaNamespace,
    // Through the gateway: it also routes the ruler's rules and alerts APIs, which Grafana's rules view reads.
    loki: {
      queryUrl: names.gatewayUrl,
      fullname: names.fullname,
      releaseName: names.releaseName,
      ...(tenants ? { tenants: tenants.tenants.map((t) => ({ name: t.name, password: SECRET_PENDING })) } : { tenant }),
    },
    // Grafana waits at least as long as Loki's query timeout: one setting, limits.queryTimeoutSeconds.
    queryTimeoutSeconds: lokiResolved.sizing.limits.queryTimeoutSeconds,
  };
  const grafana = resolveLokiDatasourceProps(grafanaProps, "grafana.");

  return {
    clusterName,
    region,
    tags,
    kubeconfig: props.kubeconfig,
    backend,
    names,
    tenancy,
    storage,
    loki,
    lokiResolved,
    storageClass,
    fluentBit: fluentBitEnabled ? fluentBit : undefined,
    grafana: grafanaEnabled ? grafana : undefined,
    monitoring,
    access: { tenants, networkPolicies },
  };
}

/** A retention period's length in days, checked. */
function retentionDaysOf(setting: string, retentionPeriod: string | undefined): number {
  return resolveRetention(setting, retentionPeriod).retentionDays;
}

/** The port of an http(s) URL, its scheme's default when it names none. */
function urlPort(url: string): number {
  const parsed = new URL(url);
  return parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
}

/** What the network access of Loki is derived from: the stack's own parts. */
interface NetworkAccessInputs {
  readonly lokiNamespace: string;
  readonly gatewayNamespaces: readonly string[];
  readonly fluentBit?: PodPeer;
  readonly agentsPushToDistributor: boolean;
  readonly grafanaNamespace?: string;
  readonly prometheusPods: PodPeer;
  readonly alertmanager: LokiNetworkAccess["alertmanager"];
  readonly storageMode: "s3" | "minio" | "minio-release";
  readonly podIdentity: boolean;
}

/**
 * Who may reach Loki and where it may go, from the stack's own parts: the gateway from the agents' namespace,
 * Grafana's, the ones listed and Loki's own; the distributor from the agents only with one tenant (several push through
 * the gateway); the metrics from the monitoring stack's Prometheus pods; the ruler to its Alertmanager; object storage
 * outside the cluster in S3 mode; the Pod Identity agent with Pod Identity.
 */
function lokiNetworkAccess(inputs: NetworkAccessInputs): LokiNetworkAccess {
  const { fluentBit } = inputs;
  return {
    gatewayClientNamespaces: [
      inputs.lokiNamespace,
      ...(fluentBit ? [fluentBit.namespace] : []),
      ...(inputs.grafanaNamespace ? [inputs.grafanaNamespace] : []),
      ...inputs.gatewayNamespaces,
    ],
    distributorClients: fluentBit && inputs.agentsPushToDistributor ? [fluentBit] : [],
    metricsScrapers: inputs.prometheusPods,
    alertmanager: inputs.alertmanager,
    externalObjectStorage: inputs.storageMode === "s3",
    podIdentityAgent: inputs.podIdentity,
  };
}
