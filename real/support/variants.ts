/**
 * The stacks the real-program suite runs: every example stack and one variant per option that changes what the chart
 * renders or what Loki reads, each at every chart version of CHART_VERSIONS. A row carries its chart version in its
 * props, so each row is run by the chart, Loki and Fluent Bit of its own version (versionPrograms).
 */
import { ENVIRONMENTS } from "../../environments";
import { EXAMPLE_RULE_GROUPS, LokiStackProps } from "../../lib";

/** A chart version the stack can be told to deploy. */
export type ChartVersion = NonNullable<LokiStackProps["chartVersion"]>;

/**
 * The chart versions every row runs at. A version the stack learns to deploy is added here, and every row then runs
 * at it too, with the programs of that version (real/support/versions.ts).
 */
export const CHART_VERSIONS: readonly ChartVersion[] = ["18.11.0", "6.29.0"];

/** One stack of the table, before its chart version is chosen. */
export interface RealVariant {
  /** What the stack is, for test names. */
  readonly description: string;
  /** The stack's construct ID (the example environment's name for the examples and their variants). */
  readonly id: string;
  readonly props: LokiStackProps;
  /** The chart versions the stack deploys on: several tenants need 18.11.0, whose gateway isolates them. @default CHART_VERSIONS */
  readonly chartVersions?: readonly ChartVersion[];
}

/** One row: a variant at one chart version. */
export interface RealRow extends RealVariant {
  readonly chartVersion: ChartVersion;
  /** The variant and its chart version, for test names. */
  readonly name: string;
}

const S3 = ENVIRONMENTS["loki-s3"];
const MINIO = ENVIRONMENTS["loki-minio"];

/** A rule group of one team, on its own namespace: the example alert, renamed. */
function teamRules(team: string, namespace: string): LokiStackProps["ruleGroups"] {
  return EXAMPLE_RULE_GROUPS.map((g) => ({
    ...g,
    name: `${team}-${g.name}`,
    rules: g.rules.map((r) => ({ ...r, expr: r.expr.replace(/namespace="[^"]+"/g, `namespace="${namespace}"`) })),
  }));
}

/**
 * Three teams' tenants on the reference stack: team-a with two namespaces, its own retention (longer than the
 * global), limits and rules; team-b with one namespace and rules; the platform tenant (not declared) takes every other
 * namespace and the top-level rules. The stack the gateway and the agents' tenant routing are run end to end with.
 */
export const TENANTS_PROPS: LokiStackProps = {
  ...S3,
  tenants: {
    "team-a": { namespaces: ["shop", "checkout"], retentionPeriod: "1440h", limits: { ingestionRateMb: 20, maxQuerySeries: 2000 }, ruleGroups: teamRules("team-a", "shop") },
    "team-b": { namespaces: ["billing"], ruleGroups: teamRules("team-b", "billing") },
  },
};

/** The example stacks, then one option each on the S3 reference (and the MinIO example). */
export const REAL_VARIANTS: readonly RealVariant[] = [
  ...Object.entries(ENVIRONMENTS).map(([id, props]) => ({ description: `example stack ${id}`, id, props })),
  { description: "loki-s3 at size production", id: "loki-s3", props: { ...S3, size: "production" } },
  { description: "loki-s3 sized for 500 GB/day (small tier)", id: "loki-s3", props: { ...S3, ingestGbPerDay: 500 } },
  { description: "loki-s3 sized for 5000 GB/day (medium tier)", id: "loki-s3", props: { ...S3, ingestGbPerDay: 5_000 } },
  { description: "loki-s3 sized for 40000 GB/day (large tier)", id: "loki-s3", props: { ...S3, ingestGbPerDay: 40_000 } },
  { description: "loki-s3 with zone-aware ingesters", id: "loki-s3", props: { ...S3, size: "production", zoneAwareReplication: true } },
  {
    description: "loki-s3 with a tenant, its own limits and the global limits set",
    id: "loki-s3",
    props: {
      ...S3,
      tenant: "team-a",
      limits: { ingestionRateMb: 12, ingestionBurstMb: 18, perStreamRateMb: 6, perStreamBurstMb: 24, maxLineSizeKb: 1024, maxQuerySeries: 2000, queryTimeoutSeconds: 120 },
      tenantLimits: { "team-a": { ingestionRateMb: 20, perStreamRateMb: 5, perStreamBurstMb: 20, maxLineSizeKb: 512, maxGlobalStreamsPerTenant: 20_000, queryTimeoutSeconds: 60 } },
    },
  },
  {
    description: "loki-s3 with an ingester memory limit in decimal units (a WAL ceiling of whole MB)",
    id: "loki-s3",
    props: { ...S3, componentResources: { ingester: { memoryLimit: "5G" } } },
  },
  { description: "loki-s3 with EKS Pod Identity", id: "loki-s3", props: { ...S3, identity: "pod-identity" } },
  { description: "loki-s3 with SSE-KMS (created key)", id: "loki-s3", props: { ...S3, encryption: "SSE-KMS" } },
  {
    description: "loki-s3 with SSE-KMS (existing key)",
    id: "loki-s3",
    props: { ...S3, kmsKeyArn: "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
  },
  {
    description: "loki-s3 with another release name, namespace and service account",
    id: "loki-s3",
    props: { ...S3, releaseName: "logs", namespace: "observability", serviceAccountName: "logs-writer" },
  },
  {
    description: "loki-s3 with a release name that contains loki",
    id: "loki-s3",
    props: { ...S3, releaseName: "platform-loki", namespace: "logging" },
  },
  {
    description: "loki-s3 on the standalone prometheus chart, in its own release and namespace",
    id: "loki-s3",
    props: { ...S3, monitoring: { stack: { kind: "prometheus", releaseName: "metrics", namespace: "metrics" } } },
  },
  {
    description: "loki-s3 on kube-prometheus-stack",
    id: "loki-s3",
    props: { ...S3, monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } } },
  },
  { description: "loki-minio with a tenant", id: "loki-minio", props: { ...MINIO, tenant: "team-a" } },
  { description: "loki-s3 without NetworkPolicies", id: "loki-s3", props: { ...S3, networkPolicies: { enabled: false } } },
  { description: "loki-s3 with three teams' tenants", id: "loki-s3", props: TENANTS_PROPS, chartVersions: ["18.11.0"] },
  {
    description: "loki-s3 with tenants, the platform tenant declared and renamed, credentials from a Secret, Pod Identity and kube-prometheus-stack",
    id: "loki-s3",
    props: {
      ...S3,
      releaseName: "logs",
      namespace: "observability",
      identity: "pod-identity",
      monitoring: { stack: { kind: "kube-prometheus-stack", releaseName: "kps", namespace: "monitoring" } },
      platformTenant: "ops",
      tenants: {
        ops: { namespaces: ["kube-system"], credentials: { rotation: "2027-01" } },
        payments: { namespaces: ["payments", "ledger"], credentials: { secretName: "payments-loki" }, retentionPeriod: "2160h" },
      },
      networkPolicies: { gatewayNamespaces: ["ci"] },
    },
    chartVersions: ["18.11.0"],
  },
  {
    description: "loki-minio with tenants",
    id: "loki-minio",
    props: { ...MINIO, tenants: { "team-a": { namespaces: ["shop"] }, "team-b": { namespaces: ["billing"], credentials: { secretName: "team-b-loki", secretNamespace: "billing" } } } },
    chartVersions: ["18.11.0"],
  },
];

/** Every variant at every chart version: the rows each real check runs over. */
export const REAL_ROWS: readonly RealRow[] = CHART_VERSIONS.flatMap((chartVersion) =>
  REAL_VARIANTS.filter((variant) => (variant.chartVersions ?? CHART_VERSIONS).includes(chartVersion)).map((variant) => ({
    ...variant,
    chartVersion,
    name: `${variant.description} (chart ${chartVersion})`,
    props: { ...variant.props, chartVersion },
  })),
);
