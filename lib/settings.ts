import { checkRuleGroups } from "./loki/rules/logql";
import { LOKI_CHART_NAME } from "./names";
import { RuleGroup } from "./loki/rules/rules";
import { checkRulerTenant, checkValuesOverrides } from "./loki/values";
import { ZONE_MIGRATION_STAGES, ZoneMigrationStage } from "./loki/storage-safety";
import { EBS_PROVISIONERS, EbsProvisioner, lokiStorageClassName } from "./storage/storage-class";
import { defaultNoncurrentVersionExpirationDays } from "./storage/versioning-cost";
import {
  check,
  checkBucketName,
  checkDnsLabel,
  checkDnsSubdomain,
  checkHttpUrl,
  checkInteger,
  checkKmsKeyArn,
  checkPinnedImage,
  checkQuantity,
  checkRegion,
  ConfigError,
  isToken,
} from "./core/validation";

/** Loki chart version deployed by default (Loki 3.4.2). */
export const DEFAULT_CHART_VERSION = "6.29.0";
/** Helm repository of the Loki chart. The open-source chart has since moved to grafana-community. */
export const DEFAULT_CHART_REPOSITORY = "https://grafana.github.io/helm-charts";
/** Fluent Bit image deployed by default. */
export const DEFAULT_FLUENT_BIT_IMAGE = "cr.fluentbit.io/fluent/fluent-bit:4.0.1";
/** The reference deployment's Alertmanager. */
export const DEFAULT_ALERTMANAGER_URL = "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093";
/** Default region, as in the reference deployment. */
export const DEFAULT_REGION = "ap-northeast-1";
/** The tenant Loki uses for every request when auth is off. */
export const SINGLE_TENANT = "fake";

/** Where Loki keeps chunks, index and ruler data. */
export type StorageMode = "s3" | "minio";
/** How the Loki pods get AWS credentials. */
export type IdentityMode = "irsa" | "pod-identity";
/** Default server-side encryption of the buckets. */
export type BucketEncryption = "SSE-S3" | "SSE-KMS";
/** A sizing preset for the Loki components. */
export type LokiSize = "reference" | "production";

/** The Loki components this stack runs, by their key in the chart's values. */
export const LOKI_COMPONENTS = [
  "distributor",
  "ingester",
  "querier",
  "queryFrontend",
  "queryScheduler",
  "indexGateway",
  "compactor",
  "ruler",
] as const;
/** One Loki component. */
export type LokiComponent = (typeof LOKI_COMPONENTS)[number];

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
export interface FluentBitSettings {
  /** Deploy the agent at all. @default true */
  readonly enabled?: boolean;
  /** Namespace of the agent. @default "fluent-bit" */
  readonly namespace?: string;
  /** Agent image, pinned. @default DEFAULT_FLUENT_BIT_IMAGE */
  readonly image?: string;
  /** Host directory for the offsets DB and the filesystem buffer. @default "/var/fluent-bit/state" */
  readonly hostStateDir?: string;
  /** Most disk the output may use for buffered chunks while Loki is unreachable. @default "2G" */
  readonly bufferLimit?: string;
  /** Extra filters appended to the pipeline, in Fluent Bit YAML form. @default [] */
  readonly extraFilters?: readonly Readonly<Record<string, unknown>>[];
  /** Extra outputs appended to the pipeline, in Fluent Bit YAML form. @default [] */
  readonly extraOutputs?: readonly Readonly<Record<string, unknown>>[];
  /** Requests and limits of the agent's container. @default see FluentBitResources */
  readonly resources?: FluentBitResources;
}

/** Requests and limits of the Fluent Bit container, as Kubernetes quantities. */
export interface FluentBitResources {
  /** CPU reserved on every node. @default "100m" */
  readonly cpuRequest?: string;
  /** Memory reserved on every node. @default "128Mi" */
  readonly memoryRequest?: string;
  /** CPU ceiling; throttling only delays delivery, the filesystem buffer keeps every line. @default "1" */
  readonly cpuLimit?: string;
  /** Memory ceiling, above the chunks the engine keeps in memory (64 of about 2 MB). @default "512Mi" */
  readonly memoryLimit?: string;
}

/** Fluent Bit settings with every default applied. */
export type ResolvedFluentBitSettings = Required<Omit<FluentBitSettings, "resources">> & {
  readonly resources: Required<FluentBitResources>;
};

/** Grafana data source settings. */
export interface GrafanaSettings {
  /** Add the Loki data source ConfigMap for the Grafana sidecar. @default true */
  readonly enabled?: boolean;
  /** Namespace where Grafana's sidecar looks for data sources. @default "monitoring" */
  readonly namespace?: string;
}

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

  /** Chart repository. @default DEFAULT_CHART_REPOSITORY */
  readonly chartRepository?: string;
  /** Chart version. @default DEFAULT_CHART_VERSION */
  readonly chartVersion?: string;
  /** Helm timeout, in seconds; a first install with volumes takes a while. @default 900 */
  readonly helmTimeoutSeconds?: number;
  /** Release revisions Helm keeps. @default 10 */
  readonly helmMaxHistory?: number;

  /** Component sizing preset. @default "reference" */
  readonly size?: LokiSize;
  /** Replica overrides per component, on top of the preset. @default the preset's */
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
  /** Size of each ingester's WAL volume. @default "10Gi" */
  readonly ingesterVolumeSize?: string;
  /** Size of the compactor's volume. @default "10Gi" */
  readonly compactorVolumeSize?: string;

  /** Turn on multi-tenancy; requires a tenant. @default true when a tenant is set, else false */
  readonly authEnabled?: boolean;
  /** The tenant that ships logs and owns the rules; setting one turns auth on. @default "fake" with auth off */
  readonly tenant?: string;
  /** How long logs are kept: whole days written in hours. @default "744h" (31 days) */
  readonly retentionPeriod?: string;
  /** Alertmanager the ruler sends alerts to. @default DEFAULT_ALERTMANAGER_URL */
  readonly alertmanagerUrl?: string;
  /** Alerting and recording rules, rendered into the tenant's rule directory. @default [] */
  readonly ruleGroups?: readonly RuleGroup[];
  /** Helm values deep-merged over everything the stack sets; the escape hatch. @default {} */
  readonly valuesOverrides?: Readonly<Record<string, unknown>>;

  /** The Fluent Bit agent. @default enabled, see FluentBitSettings */
  readonly fluentBit?: FluentBitSettings;
  /** The Grafana data source. @default enabled, see GrafanaSettings */
  readonly grafana?: GrafanaSettings;
}

/** Sizing of one preset. */
interface SizePreset {
  readonly replicas: Readonly<Record<LokiComponent, number>>;
  readonly replicationFactor: number;
  readonly zoneAwareReplication: boolean;
  readonly chunksCacheMemoryMb: number;
  readonly resultsCacheMemoryMb: number;
}

/**
 * The sizing presets.
 * `production` follows Grafana's "Deploy Loki on AWS" guide.
 * @see https://grafana.com/docs/loki/latest/setup/install/helm/deployment-guides/aws/
 */
export const SIZE_PRESETS: Readonly<Record<LokiSize, SizePreset>> = {
  reference: {
    replicas: {
      distributor: 1,
      ingester: 1,
      querier: 1,
      queryFrontend: 1,
      queryScheduler: 1,
      indexGateway: 1,
      compactor: 1,
      ruler: 1,
    },
    replicationFactor: 1,
    zoneAwareReplication: false,
    chunksCacheMemoryMb: 512,
    resultsCacheMemoryMb: 128,
  },
  production: {
    replicas: {
      distributor: 3,
      ingester: 3,
      querier: 3,
      queryFrontend: 2,
      queryScheduler: 2,
      indexGateway: 2,
      compactor: 1,
      ruler: 1,
    },
    replicationFactor: 3,
    // As in Grafana's AWS guide: zone-aware ingesters need the rollout-operator and a migration to switch to.
    zoneAwareReplication: false,
    chunksCacheMemoryMb: 2048,
    resultsCacheMemoryMb: 512,
  },
};

/** S3 storage, fully resolved. */
export interface ResolvedS3Storage {
  readonly mode: "s3";
  readonly chunksBucketName: string;
  /** Equal to chunksBucketName with a single bucket. */
  readonly rulerBucketName: string;
  readonly singleBucket: boolean;
  readonly encryption: BucketEncryption;
  readonly kmsKeyArn?: string;
  readonly noncurrentVersionExpirationDays: number;
  readonly abortIncompleteMultipartUploadDays: number;
  readonly chunksExpirationDays: number;
  readonly allowDestroy: boolean;
  readonly identity: IdentityMode;
  readonly createOidcProvider: boolean;
}

/** Every setting with its default applied, validated. */
export interface ResolvedSettings {
  readonly clusterName: string;
  readonly region: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly kubeconfig?: KubeconfigAccess;
  readonly backend?: Required<S3StateBackend>;
  readonly namespace: string;
  readonly releaseName: string;
  readonly serviceAccountName: string;
  /** S3 settings, or `{ mode: "minio" }`. */
  readonly storage: ResolvedS3Storage | { readonly mode: "minio" };
  readonly chart: { readonly repository: string; readonly version: string };
  readonly helmTimeoutSeconds: number;
  readonly helmMaxHistory: number;
  readonly replicas: Readonly<Record<LokiComponent, number>>;
  readonly replicationFactor: number;
  readonly zoneAwareReplication: boolean;
  readonly chunksCacheMemoryMb: number;
  readonly resultsCacheMemoryMb: number;
  /** The class every Loki claim names: the configured one, or the class the stack creates. */
  readonly storageClass: string;
  /** Provisioner of the class the stack creates; absent when storageClass names an existing class. */
  readonly storageClassProvisioner?: EbsProvisioner;
  readonly zoneMigrationStage?: ZoneMigrationStage;
  readonly ingesterVolumeSize: string;
  readonly compactorVolumeSize: string;
  readonly authEnabled: boolean;
  /** The tenant that receives logs: the configured one, or "fake" with auth off. */
  readonly tenant: string;
  readonly retentionPeriod: string;
  readonly retentionDays: number;
  readonly alertmanagerUrl: string;
  readonly ruleGroups: readonly RuleGroup[];
  readonly valuesOverrides: Readonly<Record<string, unknown>>;
  readonly fluentBit: ResolvedFluentBitSettings;
  readonly grafana: Required<GrafanaSettings>;
}

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

/**
 * Applies the defaults to the stack's props and validates every setting.
 * This is the only place that checks user input; it throws a ConfigError that names the setting.
 * @param stackId the stack's construct ID, used for the default state key
 */
export function resolveSettings(props: LokiStackProps, stackId: string): ResolvedSettings {
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

  const namespace = props.namespace ?? "loki";
  checkDnsLabel("namespace", namespace);
  // Helm limits release names to 53 characters, so that generated names fit in 63.
  const releaseName = props.releaseName ?? "loki";
  checkDnsLabel("releaseName", releaseName, 53);
  // The chart names its service account after the chart, not after the release.
  const serviceAccountName = props.serviceAccountName ?? LOKI_CHART_NAME;
  checkDnsSubdomain("serviceAccountName", serviceAccountName);

  // Multi-tenancy: one tenant, decided here, read by the rules, the ruler and Fluent Bit.
  const authEnabled = props.authEnabled ?? props.tenant !== undefined;
  if (props.tenant !== undefined) {
    check(
      /^[A-Za-z0-9_.-]{1,150}$/.test(props.tenant) && props.tenant !== "." && props.tenant !== "..",
      "tenant",
      props.tenant,
      'a Loki tenant ID (1-150 letters, digits, "_", "-" and ".")',
    );
    check(
      authEnabled,
      "tenant",
      props.tenant,
      `unset while authEnabled is false`,
      `with auth off Loki stores every log under tenant "${SINGLE_TENANT}", so rules and agents under "${props.tenant}" would never see a line; drop tenant or set authEnabled: true`,
    );
  }
  if (authEnabled) {
    check(props.tenant !== undefined, "tenant", props.tenant, "set when authEnabled is true", "every push, query and rule directory needs the tenant");
  }
  const tenant = authEnabled ? (props.tenant as string) : SINGLE_TENANT;

  const storageMode = props.storage ?? "s3";
  check(storageMode === "s3" || storageMode === "minio", "storage", storageMode, '"s3" or "minio"');

  const retentionPeriod = props.retentionPeriod ?? "744h";
  check(
    /^\d+h$/.test(retentionPeriod) && Number(retentionPeriod.slice(0, -1)) >= 24 && Number(retentionPeriod.slice(0, -1)) % 24 === 0,
    "retentionPeriod",
    retentionPeriod,
    'a whole number of days written in hours, at least "24h" (for example "744h" for 31 days)',
    "Loki applies retention per 24h index period",
  );
  const retentionDays = Number(retentionPeriod.slice(0, -1)) / 24;

  let storage: ResolvedSettings["storage"];
  if (storageMode === "minio") {
    for (const key of S3_ONLY_PROPS) {
      if (props[key] !== undefined) {
        throw new ConfigError(key, props[key], 'unset with storage "minio"', "the chart's bundled MinIO replaces S3 and IAM; move to storage \"s3\" to use it");
      }
    }
    storage = { mode: "minio" };
  } else {
    const singleBucket = props.singleBucket ?? false;
    const chunksBucketName = props.chunksBucketName ?? `${clusterName.toLowerCase().replace(/_/g, "-")}-loki-chunks`;
    checkBucketName("chunksBucketName", chunksBucketName);
    if (singleBucket && props.rulerBucketName !== undefined) {
      throw new ConfigError("rulerBucketName", props.rulerBucketName, "unset with singleBucket: true", "ruler data shares the chunks bucket");
    }
    const rulerBucketName = singleBucket ? chunksBucketName : (props.rulerBucketName ?? `${clusterName.toLowerCase().replace(/_/g, "-")}-loki-ruler`);
    checkBucketName("rulerBucketName", rulerBucketName);
    check(
      singleBucket || rulerBucketName !== chunksBucketName || isToken(rulerBucketName),
      "rulerBucketName",
      rulerBucketName,
      "different from chunksBucketName",
      "set singleBucket: true to share one bucket",
    );

    const encryption = props.encryption ?? (props.kmsKeyArn !== undefined ? "SSE-KMS" : "SSE-S3");
    check(encryption === "SSE-S3" || encryption === "SSE-KMS", "encryption", encryption, '"SSE-S3" or "SSE-KMS"');
    if (props.kmsKeyArn !== undefined) {
      checkKmsKeyArn("kmsKeyArn", props.kmsKeyArn);
      check(encryption === "SSE-KMS", "encryption", encryption, '"SSE-KMS" when kmsKeyArn is set');
    }

    const noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? defaultNoncurrentVersionExpirationDays(retentionDays);
    checkInteger("noncurrentVersionExpirationDays", noncurrentVersionExpirationDays, 1);
    const abortIncompleteMultipartUploadDays = props.abortIncompleteMultipartUploadDays ?? 7;
    checkInteger("abortIncompleteMultipartUploadDays", abortIncompleteMultipartUploadDays, 1);
    const chunksExpirationDays = props.chunksExpirationDays ?? retentionDays + 30;
    checkInteger("chunksExpirationDays", chunksExpirationDays, 1);
    check(
      chunksExpirationDays > retentionDays,
      "chunksExpirationDays",
      chunksExpirationDays,
      `more than the retention period of ${retentionDays} days (retentionPeriod "${retentionPeriod}")`,
      "the lifecycle backstop would delete logs that Loki still serves",
    );

    const identity = props.identity ?? "irsa";
    check(identity === "irsa" || identity === "pod-identity", "identity", identity, '"irsa" or "pod-identity"');
    check(
      !(identity === "pod-identity" && props.createOidcProvider === true),
      "createOidcProvider",
      props.createOidcProvider,
      'unset with identity "pod-identity"',
      "Pod Identity does not use the OIDC provider",
    );

    storage = {
      mode: "s3",
      chunksBucketName,
      rulerBucketName,
      singleBucket,
      encryption,
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays,
      chunksExpirationDays,
      allowDestroy: props.allowDestroy ?? false,
      identity,
      createOidcProvider: props.createOidcProvider ?? false,
    };
  }

  const chart = {
    repository: props.chartRepository ?? DEFAULT_CHART_REPOSITORY,
    version: props.chartVersion ?? DEFAULT_CHART_VERSION,
  };
  checkHttpUrl("chartRepository", chart.repository);
  check(
    /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(chart.version),
    "chartVersion",
    chart.version,
    'an exact chart version such as "6.29.0"',
    "a range or an empty version floats to whatever is newest",
  );

  const helmTimeoutSeconds = props.helmTimeoutSeconds ?? 900;
  checkInteger("helmTimeoutSeconds", helmTimeoutSeconds, 300, 3600);
  const helmMaxHistory = props.helmMaxHistory ?? 10;
  checkInteger("helmMaxHistory", helmMaxHistory, 1, 100);

  const size = props.size ?? "reference";
  check(size === "reference" || size === "production", "size", size, '"reference" or "production"');
  const preset = SIZE_PRESETS[size];
  for (const key of Object.keys(props.replicas ?? {})) {
    check((LOKI_COMPONENTS as readonly string[]).includes(key), `replicas.${key}`, key, `one of ${LOKI_COMPONENTS.join(", ")}`);
  }
  const replicas = { ...preset.replicas, ...props.replicas };
  for (const component of LOKI_COMPONENTS) checkInteger(`replicas.${component}`, replicas[component], 1, 100);
  check(
    replicas.compactor === 1,
    "replicas.compactor",
    replicas.compactor,
    "exactly 1",
    "the compactor applies retention and deletes; two would race on the same index",
  );

  const replicationFactor = props.replicationFactor ?? preset.replicationFactor;
  checkInteger("replicationFactor", replicationFactor, 1, 5);
  check(
    replicationFactor <= replicas.ingester,
    "replicationFactor",
    replicationFactor,
    `at most replicas.ingester (${replicas.ingester})`,
    "writes would fail with too many unhealthy instances in the ring",
  );
  const zoneAwareReplication = props.zoneAwareReplication ?? preset.zoneAwareReplication;
  check(
    !zoneAwareReplication || replicas.ingester >= 3,
    "zoneAwareReplication",
    zoneAwareReplication,
    `false with fewer than 3 ingesters (replicas.ingester is ${replicas.ingester})`,
    "zone-aware ingesters run as three StatefulSets, one per zone",
  );

  const chunksCacheMemoryMb = props.chunksCacheMemoryMb ?? preset.chunksCacheMemoryMb;
  checkInteger("chunksCacheMemoryMb", chunksCacheMemoryMb, 64, 65536);
  const resultsCacheMemoryMb = props.resultsCacheMemoryMb ?? preset.resultsCacheMemoryMb;
  checkInteger("resultsCacheMemoryMb", resultsCacheMemoryMb, 64, 65536);

  if (props.storageClass !== undefined) checkDnsSubdomain("storageClass", props.storageClass);
  check(
    props.storageClass === undefined || props.ebsProvisioner === undefined,
    "ebsProvisioner",
    props.ebsProvisioner,
    "unset when storageClass names an existing class",
    "the provisioner only applies to the class the stack creates",
  );
  const storageClassProvisioner = props.storageClass === undefined ? (props.ebsProvisioner ?? EBS_PROVISIONERS[0]) : undefined;
  if (storageClassProvisioner !== undefined) {
    check(EBS_PROVISIONERS.includes(storageClassProvisioner), "ebsProvisioner", storageClassProvisioner, EBS_PROVISIONERS.map((p) => `"${p}"`).join(" or "));
  }
  const storageClass = props.storageClass ?? lokiStorageClassName(namespace);
  if (props.zoneMigrationStage !== undefined) {
    check(ZONE_MIGRATION_STAGES.includes(props.zoneMigrationStage), "zoneMigrationStage", props.zoneMigrationStage, ZONE_MIGRATION_STAGES.map((p) => `"${p}"`).join(", "));
    check(zoneAwareReplication, "zoneMigrationStage", props.zoneMigrationStage, "unset while zoneAwareReplication is false", "the migration moves to zone-aware ingesters");
  }
  const ingesterVolumeSize = props.ingesterVolumeSize ?? "10Gi";
  checkQuantity("ingesterVolumeSize", ingesterVolumeSize);
  const compactorVolumeSize = props.compactorVolumeSize ?? "10Gi";
  checkQuantity("compactorVolumeSize", compactorVolumeSize);

  const alertmanagerUrl = props.alertmanagerUrl ?? DEFAULT_ALERTMANAGER_URL;
  checkHttpUrl("alertmanagerUrl", alertmanagerUrl);

  const ruleGroups = props.ruleGroups ?? [];
  checkRuleGroups(ruleGroups);
  checkRulerTenant(tenant);
  // Overrides may not split a name the stack derives once (auth, service account, rule directory, ...).
  const valuesOverrides = props.valuesOverrides ?? {};
  checkValuesOverrides(valuesOverrides);

  const fb = props.fluentBit ?? {};
  const fluentBit: ResolvedFluentBitSettings = {
    enabled: fb.enabled ?? true,
    namespace: fb.namespace ?? "fluent-bit",
    image: fb.image ?? DEFAULT_FLUENT_BIT_IMAGE,
    hostStateDir: fb.hostStateDir ?? "/var/fluent-bit/state",
    bufferLimit: fb.bufferLimit ?? "2G",
    extraFilters: fb.extraFilters ?? [],
    extraOutputs: fb.extraOutputs ?? [],
    resources: {
      cpuRequest: fb.resources?.cpuRequest ?? "100m",
      memoryRequest: fb.resources?.memoryRequest ?? "128Mi",
      cpuLimit: fb.resources?.cpuLimit ?? "1",
      memoryLimit: fb.resources?.memoryLimit ?? "512Mi",
    },
  };
  checkDnsLabel("fluentBit.namespace", fluentBit.namespace);
  check(
    fluentBit.namespace !== namespace,
    "fluentBit.namespace",
    fluentBit.namespace,
    `a namespace other than Loki's ("${namespace}")`,
    "the agent skips every log of its own namespace, so Loki's logs would be lost, and each namespace is created once",
  );
  checkPinnedImage("fluentBit.image", fluentBit.image);
  check(
    /^\/[A-Za-z0-9._/-]+$/.test(fluentBit.hostStateDir) && !/^\/var\/log(\/|$)/.test(fluentBit.hostStateDir),
    "fluentBit.hostStateDir",
    fluentBit.hostStateDir,
    'an absolute host path outside /var/log, such as "/var/fluent-bit/state"',
    "/var/log is mounted read-only",
  );
  check(
    !/(^|\/)\.\.?(\/|$)/.test(fluentBit.hostStateDir) && !/^\/fluent-bit(\/|$)/.test(fluentBit.hostStateDir),
    "fluentBit.hostStateDir",
    fluentBit.hostStateDir,
    'a path without "." or ".." segments, outside /fluent-bit',
    "the directory is mounted at the same path in the container, where /fluent-bit holds the agent's binary and config",
  );
  for (const [key, quantity] of Object.entries(fluentBit.resources)) checkQuantity(`fluentBit.resources.${key}`, quantity);
  check(/^\d+[KMG]?$/.test(fluentBit.bufferLimit), "fluentBit.bufferLimit", fluentBit.bufferLimit, 'a Fluent Bit size such as "512M" or "2G"');
  fluentBit.extraFilters.forEach((f, i) => check(typeof f.name === "string", `fluentBit.extraFilters[${i}].name`, f.name, 'a plugin name such as "grep"'));
  fluentBit.extraOutputs.forEach((o, i) => check(typeof o.name === "string", `fluentBit.extraOutputs[${i}].name`, o.name, 'a plugin name such as "s3"'));

  const grafana: Required<GrafanaSettings> = {
    enabled: props.grafana?.enabled ?? true,
    namespace: props.grafana?.namespace ?? "monitoring",
  };
  checkDnsLabel("grafana.namespace", grafana.namespace);

  return {
    clusterName,
    region,
    tags,
    kubeconfig: props.kubeconfig,
    backend,
    namespace,
    releaseName,
    serviceAccountName,
    storage,
    chart,
    helmTimeoutSeconds,
    helmMaxHistory,
    replicas,
    replicationFactor,
    zoneAwareReplication,
    chunksCacheMemoryMb,
    resultsCacheMemoryMb,
    storageClass,
    storageClassProvisioner,
    zoneMigrationStage: props.zoneMigrationStage,
    ingesterVolumeSize,
    compactorVolumeSize,
    authEnabled,
    tenant,
    retentionPeriod,
    retentionDays,
    alertmanagerUrl,
    ruleGroups,
    valuesOverrides,
    fluentBit,
    grafana,
  };
}
