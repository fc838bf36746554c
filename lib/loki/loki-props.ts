import type { ITerraformDependable } from "cdktf";
import { isPlainObject } from "../core/deep-merge";
import {
  check,
  ConfigError,
  checkDnsLabel,
  checkDnsSubdomain,
  checkHttpUrl,
  checkInteger,
  checkQuantity,
  checkRegion,
} from "../core/validation";
import { LOKI_CHART_NAME, LOKI_COMPONENTS, LokiChartFacts, LokiChartVersion, LokiComponent } from "./chart";
import { lokiChartFacts } from "./chart-versions";
import { LokiMonitoringProps, resolveLokiMonitoring, ResolvedLokiMonitoring } from "./monitoring-values";
import { deriveNames, Names } from "./names";
import { checkRuleGroups } from "./rules/logql";
import { checkRuleFiles } from "./rules/rulefmt";
import { RuleGroup } from "./rules/rules";
import {
  compactorVolumeSize as compactorVolumeFor,
  LokiLimits,
  resolveSizing,
  resolveTenantLimits,
  ResolvedSizing,
  SizingProps,
  tierPreset,
  walVolumeSize,
} from "./sizing";
import { checkNetworkAccess, LokiNetworkAccess } from "./network-policy";
import { checkIngesterMemoryLimit, ZONE_MIGRATION_STAGES, ZoneMigrationStage } from "./storage-safety";
import { GatewayAuth, resolveTenancy, Tenancy, TenancyProps } from "./tenancy";
import { checkValuesOverrides } from "./values-overrides";

/** The reference deployment's Alertmanager. */
export const DEFAULT_ALERTMANAGER_URL = "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093";

/** A sizing preset for the Loki components. */
export type LokiSize = "reference" | "production";

/** Sizing of one preset. */
export interface SizePreset {
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

/** Moving a MinIO stack off the chart's bundled MinIO onto the MinIO release, as the chart documents (17.0). */
export interface MinioTransition {
  /** First day (UTC, `YYYY-MM-DD`) Loki writes to the MinIO release: a schema period of its own, from a future day. */
  readonly newStoreFrom: string;
  /** Keep the bundled MinIO running, so logs written before `newStoreFrom` stay readable; off once the retention has passed. */
  readonly keepBundledMinio: boolean;
}

/**
 * Where Loki keeps chunks, index and ruler data: S3 buckets (names may be Terraform references), the chart's bundled
 * MinIO, which brings its own buckets (charts that still support it), or a MinIO release of its own beside the chart,
 * whose credentials Loki reads from that release's Secret.
 */
export type LokiObjectStorage =
  | {
      readonly mode: "s3";
      /** Region of the buckets. */
      readonly region: string;
      /** Chunks and index bucket name. */
      readonly chunksBucketName: string;
      /** Ruler bucket name (the chunks bucket with a single bucket). */
      readonly rulerBucketName: string;
      /** KMS key ARN for SSE-KMS. @default none: the buckets' default encryption alone */
      readonly kmsKeyArn?: string;
    }
  | { readonly mode: "minio" }
  | {
      readonly mode: "minio-release";
      /** Host and port of the MinIO API Service. */
      readonly endpoint: string;
      readonly chunksBucketName: string;
      readonly rulerBucketName: string;
      /** The Secret holding the access key and secret key, and their keys in it. */
      readonly credentials: { readonly secretName: string; readonly accessKeyIdKey: string; readonly secretAccessKeyKey: string };
      /** The move off the bundled MinIO, for a stack first deployed with it. @default none: a new try-out stack */
      readonly transition?: MinioTransition;
    };

/** The release's namespace, name and service account: what every shared name derives from. */
export interface LokiReleaseNamesProps {
  /** Namespace of the release, created if needed. @default "loki" */
  readonly namespace?: string;
  /** Helm release name; the chart derives its object names from it. @default "loki" */
  readonly releaseName?: string;
  /** Service account the chart creates for every Loki component. @default "loki" (the chart's own default) */
  readonly serviceAccountName?: string;
}

/** Properties of the Loki release. Setting names match the stack's, so messages name what the user wrote. */
export interface LokiReleaseProps extends LokiReleaseNamesProps, TenancyProps, SizingProps {
  /** Object storage: S3 buckets, or the chart's bundled MinIO. */
  readonly storage: LokiObjectStorage;
  /** Annotations of the service account: the IRSA role ARN, none with Pod Identity. @default {} */
  readonly serviceAccountAnnotations?: Readonly<Record<string, string>>;
  /** Resources the release waits for, such as the role and buckets Loki uses. @default none */
  readonly dependsOn?: readonly ITerraformDependable[];

  /** Chart repository, such as a mirror of it. @default the chart version's own repository */
  readonly chartRepository?: string;
  /** Chart version, one the stack knows (lib/loki/chart-versions.ts). @default DEFAULT_CHART_VERSION */
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
  /** Storage class of every Loki volume: ingester WAL, compactor, and MinIO in MinIO mode. The stack passes the class it creates. @default the cluster's default class */
  readonly storageClass?: string;
  /** Stage of a move from one ingester StatefulSet to three zone StatefulSets (needs zoneAwareReplication). @default none */
  readonly zoneMigrationStage?: ZoneMigrationStage;
  /** Size of each ingester's WAL volume. @default "10Gi", or walVolumeSize() of ingestGbPerDay */
  readonly ingesterVolumeSize?: string;
  /** Size of the compactor's volume. @default "10Gi", or compactorVolumeSize() of ingestGbPerDay and the retention */
  readonly compactorVolumeSize?: string;

  /** How long logs are kept: whole days written in hours. @default "744h" (31 days) */
  readonly retentionPeriod?: string;
  /** Alertmanager the ruler sends alerts to. @default DEFAULT_ALERTMANAGER_URL */
  readonly alertmanagerUrl?: string;
  /** Alerting and recording rules, rendered into the tenant's rule directory. @default [] */
  readonly ruleGroups?: readonly RuleGroup[];
  /** Helm values deep-merged over everything the release sets; the escape hatch. @default {} */
  readonly valuesOverrides?: Readonly<Record<string, unknown>>;
  /** The chart's ServiceMonitor, rules and dashboards, as the monitoring stack wants them. @default all off */
  readonly monitoring?: LokiMonitoringProps;
  /** With several tenants: each tenant's password hash at the gateway, and the canary's password. Required with `tenants`. @default none */
  readonly gatewayAuth?: GatewayAuth;
  /** The release's NetworkPolicies: who may reach Loki and where Loki may go. @default none: no NetworkPolicy */
  readonly networkAccess?: LokiNetworkAccess;
  /** Plan-time checks the stack adds for the release, such as that the cluster enforces NetworkPolicies. @default [] */
  readonly preconditions?: readonly ReleasePrecondition[];
}

/** A Terraform precondition of the release: an HCL boolean expression (in `${}`) and the message when it is false. */
export interface ReleasePrecondition {
  readonly condition: string;
  readonly errorMessage: string;
}

/** One tenant's own Loki settings, resolved (with several tenants). */
export interface ResolvedLokiTenant {
  /** Its retention, when it has its own. */
  readonly retentionPeriod?: string;
  /** Its rule groups: the top-level ones too, for `tenant`. */
  readonly ruleGroups: readonly RuleGroup[];
}

/** The Loki release's props with every default applied, validated, and the names and tenancy derived. */
export interface ResolvedLokiReleaseProps {
  /** The facts of the chart version: names, ports, the Loki version its ruler runs, version-specific values. */
  readonly chart: LokiChartFacts;
  /** Where Helm fetches the chart from. */
  readonly chartRepository: string;
  readonly names: Names;
  readonly tenancy: Tenancy;
  readonly storage: LokiObjectStorage;
  readonly serviceAccountAnnotations: Readonly<Record<string, string>>;
  readonly dependsOn: readonly ITerraformDependable[];
  readonly helmTimeoutSeconds: number;
  readonly helmMaxHistory: number;
  readonly replicas: Readonly<Record<LokiComponent, number>>;
  readonly replicationFactor: number;
  readonly zoneAwareReplication: boolean;
  readonly chunksCacheMemoryMb: number;
  readonly resultsCacheMemoryMb: number;
  readonly storageClass?: string;
  readonly zoneMigrationStage?: ZoneMigrationStage;
  readonly ingesterVolumeSize: string;
  readonly compactorVolumeSize: string;
  readonly retentionPeriod: string;
  readonly retentionDays: number;
  readonly alertmanagerUrl: string;
  readonly ruleGroups: readonly RuleGroup[];
  readonly valuesOverrides: Readonly<Record<string, unknown>>;
  /** Declared ingest volume, its tier, component resources and Loki's limits (lib/loki/sizing.ts). */
  readonly sizing: ResolvedSizing;
  readonly monitoring: ResolvedLokiMonitoring;
  /** With several tenants, each tenant's own settings, by tenant; empty with one. */
  readonly tenantSettings: Readonly<Record<string, ResolvedLokiTenant>>;
  /** The longest retention of any tenant, in days: what the object store must keep. */
  readonly longestRetentionDays: number;
  readonly gatewayAuth?: GatewayAuth;
  readonly networkAccess?: LokiNetworkAccess;
  readonly preconditions: readonly ReleasePrecondition[];
}

/**
 * Applies the defaults to the release's namespace, name and service account, checks them and derives the names by the
 * rules of the chart version.
 * @param prefix prepended to setting names in messages
 * @param chart the chart version's facts
 */
export function resolveLokiNames(props: LokiReleaseNamesProps, prefix: string, chart: LokiChartFacts): Names {
  const namespace = props.namespace ?? "loki";
  checkDnsLabel(`${prefix}namespace`, namespace);
  // Helm limits release names to 53 characters, so that generated names fit in 63.
  const releaseName = props.releaseName ?? "loki";
  checkDnsLabel(`${prefix}releaseName`, releaseName, 53);
  // Always set explicitly: chart 6.x names the account after the chart ("loki"), later charts (6.46.0 and up) after
  // the fullname. The IAM trust names it, so an upgrade must not rename it.
  const serviceAccountName = props.serviceAccountName ?? LOKI_CHART_NAME;
  checkDnsSubdomain(`${prefix}serviceAccountName`, serviceAccountName);
  return deriveNames({ namespace, releaseName, serviceAccountName }, chart);
}

/**
 * Checks a retention period and returns it with its length in days.
 * @param setting the setting's name in messages
 */
export function resolveRetention(setting: string, retentionPeriod = "744h"): { readonly retentionPeriod: string; readonly retentionDays: number } {
  check(
    /^\d+h$/.test(retentionPeriod) && Number(retentionPeriod.slice(0, -1)) >= 24 && Number(retentionPeriod.slice(0, -1)) % 24 === 0,
    setting,
    retentionPeriod,
    'a whole number of days written in hours, at least "24h" (for example "744h" for 31 days)',
    "Loki applies retention per 24h index period",
  );
  return { retentionPeriod, retentionDays: Number(retentionPeriod.slice(0, -1)) / 24 };
}

/** Checks the object storage the values point Loki at, against what the chart version supports. */
function checkObjectStorage(prefix: string, storage: LokiObjectStorage, chart: LokiChartFacts, schemaStart: string): void {
  check(
    storage?.mode === "s3" || storage?.mode === "minio" || storage?.mode === "minio-release",
    `${prefix}storage`,
    storage?.mode,
    '"s3", "minio" or "minio-release"',
  );
  check(
    storage.mode !== "minio" || chart.bundledMinio === "supported",
    `${prefix}storage`,
    storage.mode,
    `"s3" or "minio-release" with chart ${chart.version}`,
    `chart ${chart.version} refuses its bundled MinIO (since 17.0), and the stack sets ignoreMinioDeprecation only for the move off it (minioTransition)`,
  );
  if (storage.mode === "minio-release") {
    check(
      chart.bundledMinio === "transition-only",
      `${prefix}storage`,
      storage.mode,
      `"minio" with chart ${chart.version}`,
      `chart ${chart.version} runs MinIO bundled; a MinIO release of its own is for the charts that refuse the bundled one`,
    );
    check(/^[a-z0-9.-]+:\d+$/.test(storage.endpoint ?? ""), `${prefix}storage.endpoint`, storage.endpoint, "a host:port such as loki-minio-store.loki.svc.cluster.local:9000");
    for (const key of ["chunksBucketName", "rulerBucketName"] as const) {
      check(typeof storage[key] === "string" && storage[key] !== "", `${prefix}storage.${key}`, storage[key], "a bucket name");
    }
    if (storage.transition !== undefined) {
      const { newStoreFrom, keepBundledMinio } = storage.transition;
      check(
        /^\d{4}-\d{2}-\d{2}$/.test(newStoreFrom ?? "") && !Number.isNaN(Date.parse(`${newStoreFrom}T00:00:00Z`)) && newStoreFrom > schemaStart,
        `${prefix}minioTransition.newStoreFrom`,
        newStoreFrom,
        `a day (YYYY-MM-DD, UTC) after the schema's ${schemaStart}: the first day Loki writes to the MinIO release, set to a day after the deploy`,
        "logs up to the day before stay where they are, in the bundled MinIO",
      );
      check(typeof keepBundledMinio === "boolean", `${prefix}minioTransition.keepBundledMinio`, keepBundledMinio, "true or false");
    }
  }
  if (storage.mode === "s3") {
    checkRegion(`${prefix}region`, storage.region);
    for (const key of ["chunksBucketName", "rulerBucketName"] as const) {
      check(typeof storage[key] === "string" && storage[key] !== "", `${prefix}${key}`, storage[key], "a bucket name or a reference to one");
    }
  }
}

/**
 * Applies the defaults to the Loki release's props and validates every one, in the order a user reads them.
 * Throws a ConfigError that names the setting.
 * @param prefix prepended to setting names in messages
 */
export function resolveLokiReleaseProps(props: LokiReleaseProps, prefix = ""): ResolvedLokiReleaseProps {
  // The chart version first: names, values and the ruler's rule-file checks follow it.
  const chart = lokiChartFacts(props.chartVersion, `${prefix}chartVersion`);
  const chartRepository = props.chartRepository ?? chart.repository;
  checkHttpUrl(`${prefix}chartRepository`, chartRepository);
  const names = resolveLokiNames(props, prefix, chart);
  if (props.tenants !== undefined) checkMultiTenantChart(`${prefix}tenants`, props.tenants, chart);
  const tenancy = resolveTenancy(props, prefix);
  checkObjectStorage(prefix, props.storage, chart, chart.schemaPeriods[chart.schemaPeriods.length - 1].from);
  const { retentionPeriod, retentionDays } = resolveRetention(`${prefix}retentionPeriod`, props.retentionPeriod);

  const helmTimeoutSeconds = props.helmTimeoutSeconds ?? 900;
  checkInteger(`${prefix}helmTimeoutSeconds`, helmTimeoutSeconds, 300, 3600);
  const helmMaxHistory = props.helmMaxHistory ?? 10;
  checkInteger(`${prefix}helmMaxHistory`, helmMaxHistory, 1, 100);

  const size = props.size ?? (props.ingestGbPerDay !== undefined ? "production" : "reference");
  check(size === "reference" || size === "production", `${prefix}size`, size, '"reference" or "production"');
  // A declared ingest volume picks one of Grafana's tiers: replicas, resources, caches, volumes and limits.
  const sizing = resolveSizing(props, retentionPeriod, prefix);
  check(
    sizing.tier === undefined || size === "production",
    `${prefix}size`,
    size,
    `"production" or unset when ${prefix}ingestGbPerDay is set`,
    'the declared volume picks a production tier; "reference" runs one of each for trying Loki out',
  );
  const preset = sizing.tier ? { ...SIZE_PRESETS.production, ...tierPreset(sizing.tier) } : SIZE_PRESETS[size];
  for (const key of Object.keys(props.replicas ?? {})) {
    check((LOKI_COMPONENTS as readonly string[]).includes(key), `${prefix}replicas.${key}`, key, `one of ${LOKI_COMPONENTS.join(", ")}`);
  }
  const replicas = { ...preset.replicas, ...props.replicas };
  // Up to 1000: Grafana's largest tier runs 250 queriers.
  for (const component of LOKI_COMPONENTS) checkInteger(`${prefix}replicas.${component}`, replicas[component], 1, 1000);
  check(
    replicas.compactor === 1,
    `${prefix}replicas.compactor`,
    replicas.compactor,
    "exactly 1",
    "the compactor applies retention and deletes; two would race on the same index",
  );

  const replicationFactor = props.replicationFactor ?? preset.replicationFactor;
  checkInteger(`${prefix}replicationFactor`, replicationFactor, 1, 5);
  check(
    replicationFactor <= replicas.ingester,
    `${prefix}replicationFactor`,
    replicationFactor,
    `at most replicas.ingester (${replicas.ingester})`,
    "writes would fail with too many unhealthy instances in the ring",
  );
  const zoneAwareReplication = props.zoneAwareReplication ?? preset.zoneAwareReplication;
  check(
    !zoneAwareReplication || replicas.ingester >= 3,
    `${prefix}zoneAwareReplication`,
    zoneAwareReplication,
    `false with fewer than 3 ingesters (replicas.ingester is ${replicas.ingester})`,
    "zone-aware ingesters run as three StatefulSets, one per zone",
  );

  const chunksCacheMemoryMb = props.chunksCacheMemoryMb ?? preset.chunksCacheMemoryMb;
  checkInteger(`${prefix}chunksCacheMemoryMb`, chunksCacheMemoryMb, 64, 65536);
  const resultsCacheMemoryMb = props.resultsCacheMemoryMb ?? preset.resultsCacheMemoryMb;
  checkInteger(`${prefix}resultsCacheMemoryMb`, resultsCacheMemoryMb, 64, 65536);

  if (props.storageClass !== undefined) checkDnsSubdomain(`${prefix}storageClass`, props.storageClass);
  if (props.zoneMigrationStage !== undefined) {
    check(
      ZONE_MIGRATION_STAGES.includes(props.zoneMigrationStage),
      `${prefix}zoneMigrationStage`,
      props.zoneMigrationStage,
      ZONE_MIGRATION_STAGES.map((p) => `"${p}"`).join(", "),
    );
    check(
      zoneAwareReplication,
      `${prefix}zoneMigrationStage`,
      props.zoneMigrationStage,
      `unset while ${prefix}zoneAwareReplication is false`,
      "the migration moves to zone-aware ingesters",
    );
  }
  const ingesterVolumeSize = props.ingesterVolumeSize ?? walVolumeSize(sizing.ingestGbPerDay, replicationFactor, replicas.ingester);
  checkQuantity(`${prefix}ingesterVolumeSize`, ingesterVolumeSize);
  const compactorVolumeSize = props.compactorVolumeSize ?? compactorVolumeFor(sizing.ingestGbPerDay, retentionDays);
  checkQuantity(`${prefix}compactorVolumeSize`, compactorVolumeSize);

  const alertmanagerUrl = props.alertmanagerUrl ?? DEFAULT_ALERTMANAGER_URL;
  checkHttpUrl(`${prefix}alertmanagerUrl`, alertmanagerUrl);

  const ruleGroups = props.ruleGroups ?? [];
  checkRuleGroups(ruleGroups);
  // Every rendered file as the ruler of the chart's Loki loads it: one refused file would silence every rule of the tenant.
  checkRuleFiles(ruleGroups, chart.lokiVersion);
  const tenants = resolveLokiTenants(props, prefix, tenancy, ruleGroups, chart, sizing, retentionPeriod);
  // Overrides may not split a name the stack derives once (auth, service account, rule directory, ...).
  const valuesOverrides = props.valuesOverrides ?? {};
  checkValuesOverrides(valuesOverrides);
  // The WAL replay ceiling and the ingesters' grace period are derived from this limit (lib/loki/storage-safety.ts).
  const ingesterMemoryLimit = (valuesOverrides as { ingester?: { resources?: { limits?: { memory?: unknown } } } }).ingester?.resources?.limits?.memory;
  if (ingesterMemoryLimit !== undefined) checkIngesterMemoryLimit(ingesterMemoryLimit);
  const monitoring = resolveLokiMonitoring(props.monitoring, `${prefix}monitoring.`, names.namespace);

  if (props.tenants !== undefined) {
    check(props.gatewayAuth !== undefined, `${prefix}gatewayAuth`, props.gatewayAuth, "set with tenants", "each tenant pushes and queries as its own user at the gateway");
    const hashes = Object.keys(props.gatewayAuth?.passwordHashes ?? {}).sort();
    check(
      JSON.stringify(hashes) === JSON.stringify(tenancy.tenants),
      `${prefix}gatewayAuth.passwordHashes`,
      hashes,
      `one password hash for each tenant (${tenancy.tenants.join(", ")})`,
    );
  } else {
    check(props.gatewayAuth === undefined, `${prefix}gatewayAuth`, props.gatewayAuth, "unset without tenants", "with one tenant the gateway checks no credentials");
  }
  if (props.networkAccess !== undefined) checkNetworkAccess(`${prefix}networkAccess`, props.networkAccess);

  return {
    chart,
    chartRepository,
    names,
    tenancy,
    storage: props.storage,
    serviceAccountAnnotations: props.serviceAccountAnnotations ?? {},
    dependsOn: props.dependsOn ?? [],
    helmTimeoutSeconds,
    helmMaxHistory,
    replicas,
    replicationFactor,
    zoneAwareReplication,
    chunksCacheMemoryMb,
    resultsCacheMemoryMb,
    storageClass: props.storageClass,
    zoneMigrationStage: props.zoneMigrationStage,
    ingesterVolumeSize,
    compactorVolumeSize,
    retentionPeriod,
    retentionDays,
    alertmanagerUrl,
    ruleGroups,
    valuesOverrides,
    sizing: tenants.sizing,
    monitoring,
    tenantSettings: tenants.settings,
    longestRetentionDays: tenants.longestRetentionDays,
    gatewayAuth: props.gatewayAuth,
    networkAccess: props.networkAccess,
    preconditions: props.preconditions ?? [],
  };
}

/**
 * Refuses several tenants on a chart whose gateway does not isolate them, naming the chart's bug: a tenant could read
 * and write another tenant's logs through the gateway.
 */
export function checkMultiTenantChart(setting: string, tenants: unknown, chart: LokiChartFacts): void {
  const { gatewayTenantIsolation } = chart;
  if (gatewayTenantIsolation !== "isolates") {
    throw new ConfigError(setting, Object.keys(tenants ?? {}), `unset with chart ${chart.version}`, `${gatewayTenantIsolation.bug}; set chartVersion "18.11.0" for tenants`);
  }
}

/** Each tenant's own settings (several tenants), checked under `tenants.<tenant>.`, and the sizing with their overrides. */
function resolveLokiTenants(
  props: LokiReleaseProps,
  prefix: string,
  tenancy: Tenancy,
  topRuleGroups: readonly RuleGroup[],
  chart: LokiChartFacts,
  sizing: ResolvedSizing,
  retentionPeriod: string,
): { readonly settings: Record<string, ResolvedLokiTenant>; readonly sizing: ResolvedSizing; readonly longestRetentionDays: number } {
  const globalDays = Number(retentionPeriod.slice(0, -1)) / 24;
  if (props.tenants === undefined) return { settings: {}, sizing, longestRetentionDays: globalDays };
  const settings: Record<string, ResolvedLokiTenant> = {};
  const tenantLimits: Record<string, LokiLimits> = { ...sizing.tenantLimits };
  const tenantRetention: Record<string, string> = {};
  let longest = globalDays;
  for (const name of tenancy.tenants) {
    const at = `${prefix}tenants.${name}.`;
    const given = props.tenants[name] ?? {};
    check(isPlainObject(given), `${prefix}tenants.${name}`, given, "{ retentionPeriod?, limits?, ruleGroups? }");
    const own = given.retentionPeriod === undefined ? undefined : resolveRetention(`${at}retentionPeriod`, given.retentionPeriod);
    const retention = own?.retentionPeriod ?? retentionPeriod;
    if (own !== undefined) {
      tenantRetention[name] = own.retentionPeriod;
      longest = Math.max(longest, own.retentionDays);
    }
    const groups = [...(name === tenancy.tenant ? topRuleGroups : []), ...(given.ruleGroups ?? [])];
    ConfigError.nestUnder(at, () => {
      checkRuleGroups(groups);
      checkRuleFiles(groups, chart.lokiVersion);
    });
    if (given.limits !== undefined || own !== undefined) {
      check(
        given.limits === undefined || sizing.tenantLimits[name] === undefined,
        `${at}limits`,
        given.limits,
        `unset while tenantLimits["${name}"] is set`,
        "one place for a tenant's limits",
      );
      const limits = resolveTenantLimits(`${at}limits`, given.limits ?? sizing.tenantLimits[name] ?? {}, retention, sizing.limits);
      tenantLimits[name] = limits;
    }
    settings[name] = { ...(own !== undefined ? { retentionPeriod: own.retentionPeriod } : {}), ruleGroups: groups };
  }
  for (const name of Object.keys(sizing.tenantLimits)) {
    check(tenancy.tenants.includes(name), `${prefix}tenantLimits.${name}`, name, `one of the tenants (${tenancy.tenants.join(", ")})`, "limits of a tenant that receives no logs would never apply");
  }
  return { settings, sizing: { ...sizing, tenantLimits, tenantRetention }, longestRetentionDays: longest };
}
