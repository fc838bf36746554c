/**
 * The one interface behind which every version of the Loki chart the stack knows keeps its facts: names, ports,
 * paths, naming helpers, schema periods, the Loki and Fluent Bit versions that go with it, and the chart values that
 * differ between versions. Each version is one module in lib/loki/charts/ (chart-<version>.ts, with its values in
 * values-<version>.ts); lib/loki/chart-versions.ts lists them. No part branches on a version string: it reads facts.
 * This file also holds what every version shares (the constants both charts agree on), and imports no version module.
 */
import type { ResolvedLokiMonitoring } from "./monitoring-values";

/** One entry of `loki.schemaConfig.configs`. @see https://grafana.com/docs/loki/latest/configure/#period_config */
export interface SchemaPeriod {
  /** First day (UTC, `YYYY-MM-DD`) the entry applies to. */
  readonly from: string;
  readonly store: "tsdb";
  /** `s3`: the common storage config (the buckets, or the chart's bundled MinIO); else a named store. */
  readonly object_store: string;
  readonly schema: "v13";
  readonly index: { readonly prefix: string; readonly period: "24h" };
}

/** A version of the Loki chart the stack knows: each has been rendered by the real chart and run by its Loki. */
export type LokiChartVersion = "18.11.0" | "6.29.0";
/** Every chart version the stack knows, newest first. */
export const LOKI_CHART_VERSIONS: readonly LokiChartVersion[] = ["18.11.0", "6.29.0"];
/** Loki chart version deployed by default. */
export const DEFAULT_CHART_VERSION: LokiChartVersion = "18.11.0";

/** A Loki version a chart the stack knows runs (the chart's appVersion). */
export type LokiVersion = "3.4.2" | "3.7.6";
/** The Fluent Bit version the stack deploys beside a chart version (the agents are not part of the chart). */
export type AgentVersion = "4.0.1" | "5.1.1";

/** What the bundled MinIO subchart (`minio.enabled`) is to a chart version. */
export type BundledMinio =
  /** A supported store for trying Loki out. */
  | "supported"
  /** Refused by the chart unless `ignoreMinioDeprecation`, which it documents for moving data off it only. */
  | "transition-only";

/** Where the release's object store is, as the version modules need to know it. */
export type ChartObjectStoreKind = "s3" | "bundled-minio" | "minio-release";

/** An environment variable of Loki's pods, in the Kubernetes form. */
export interface ChartEnvVar {
  readonly name: string;
  readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

/** Basic auth at the gateway, as a version module writes it: one user per tenant, and the canary's credentials. */
export interface ChartGatewayAuth {
  /** Each tenant as a gateway user: its name (the tenant ID) and the bcrypt hash of its password. */
  readonly users: readonly { readonly name: string; readonly passwordHash: string }[];
  /** The tenant the canary pushes and queries as. */
  readonly canaryTenant: string;
  /** The environment variable of the canary's container that holds its password, from `canarySecret`. */
  readonly canaryPasswordEnv: string;
  /** The Secret (in the release's namespace) and key holding the canary's password. */
  readonly canarySecret: { readonly name: string; readonly key: string };
}

/** Whether a chart version's gateway isolates tenants with basic auth, or the bug that keeps it from doing so. */
export type GatewayTenantIsolation = "isolates" | { readonly bug: string };

/** What a version module's values are decided from: plain data, taken from the release's resolved props. */
export interface ChartValuesInput {
  /** Whether Loki requires the X-Scope-OrgID header. */
  readonly authEnabled: boolean;
  /** The tenant that receives logs ("fake" with auth off). */
  readonly tenant: string;
  /** The release's namespace. */
  readonly namespace: string;
  /** Where the object store is. */
  readonly objectStore: ChartObjectStoreKind;
  /** Environment variables every Loki component needs, such as the object store's keys from a Secret. */
  readonly extraEnv: readonly ChartEnvVar[];
  /** The chart's ServiceMonitor, rules and dashboards, as the monitoring stack wants them. */
  readonly monitoring: ResolvedLokiMonitoring;
  /** With several tenants: the gateway's users and the canary's credentials. @default none: no credentials at the gateway */
  readonly gatewayAuth?: ChartGatewayAuth;
  /** Whether the release renders the chart's NetworkPolicies (`networkPolicy.enabled`). @default false */
  readonly networkPolicies?: boolean;
}

/**
 * What Kubernetes cannot change in place on the objects a chart version renders for the release, by object name: a
 * StatefulSet's `serviceName` (an update is refused) and whether a Service is headless (the API server keeps the old
 * cluster IP, or refuses `None` on a Service that has one). The plan-time guard compares them with what is deployed.
 */
export interface ChartImmutables {
  /** The `serviceName` of each StatefulSet the chart may render for the release. */
  readonly statefulSetServiceNames: Readonly<Record<string, string>>;
  /** Whether each Service the chart may render for the release is headless (`clusterIP: None`). */
  readonly headlessServices: Readonly<Record<string, boolean>>;
}

/** The facts of one version of the Loki chart that the stack depends on. */
export interface LokiChartFacts {
  /** Chart name, which `loki.fullname` is built from. */
  readonly name: string;
  /** Default Helm repository. */
  readonly repository: string;
  /** Chart version. */
  readonly version: LokiChartVersion;
  /** The Loki version the chart runs: its ruler decides which rule files load. */
  readonly lokiVersion: LokiVersion;
  /** The Fluent Bit version deployed beside it: the stack hands it to the agents. */
  readonly fluentBitVersion: AgentVersion;
  /** Port of every Loki component's HTTP server. */
  readonly httpPort: number;
  /** Port of the gateway Service. */
  readonly gatewayPort: number;
  /** Loki's push path. */
  readonly pushPath: string;
  /** Where the chart mounts `ruler.directories`, and so where the ruler reads rules. */
  readonly rulesDirectory: string;
  /** Loki's schema periods. */
  readonly schemaPeriods: readonly SchemaPeriod[];
  /** The bundled MinIO subchart's standing in this version. */
  readonly bundledMinio: BundledMinio;
  /** Access modes written into each volume claim the stack adds; none when the chart fills them in itself. */
  readonly claimAccessModes?: readonly string[];
  /**
   * Whether the gateway sets X-Scope-OrgID from the authenticated user in every location, so that basic auth isolates
   * tenants; otherwise the bug, named, that lets a client's own header through.
   */
  readonly gatewayTenantIsolation: GatewayTenantIsolation;
  /**
   * The form of `extraObjects` the chart's values.yaml gives: a list (6.29.0: a map there makes Helm warn "skipped
   * value ... Not a table"), or a map keyed by anything (18.11.0, which also takes a list), which overrides merge into.
   */
  readonly extraObjectsForm: "list" | "map";
  /** The chart's `loki.fullname` helper: the prefix of every object it creates. */
  fullname(releaseName: string): string;
  /** The chart's `loki.rulerRulesDirName` helper: the volume (and ConfigMap suffix) of one tenant's rule files. */
  rulerRulesDirName(tenant: string): string;
  /** The fields Kubernetes cannot change in place, of the objects the chart renders for a release of this fullname. */
  immutables(fullname: string): ChartImmutables;
  /**
   * The chart values this version sets differently from the others, or that only it has. The values builder
   * deep-merges them over the values every version shares.
   */
  versionValues(input: ChartValuesInput): object;
}

/** The chart's name. */
export const LOKI_CHART_NAME = "loki";
/** Port of every Loki component's HTTP server (both chart versions). */
export const LOKI_HTTP_PORT = 3100;
/** Port of the chart's gateway Service (`gateway.service.port`, nginx; both chart versions). */
export const LOKI_GATEWAY_PORT = 80;
/** Where every Loki component, the canary and the memcached exporters serve their Prometheus metrics. */
export const METRICS_PATH = "/metrics";
/** Port of the canary's HTTP server and metrics (its container port `http-metrics`; both chart versions). */
export const CANARY_HTTP_PORT = 3500;
/** Port of the memcached exporter beside each cache (its container port `http-metrics`; both chart versions). */
export const MEMCACHED_EXPORTER_PORT = 9150;
/** Loki's push path. @see https://grafana.com/docs/loki/latest/reference/loki-http-api/#ingest-logs */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";
/** Where the chart mounts `ruler.directories` (`/etc/loki/rules/<tenant>/`), and so where the ruler reads rules. */
export const RULES_DIRECTORY = "/etc/loki/rules";

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

/** The chart's three ingester zones (zone-aware replication). */
export const INGESTER_ZONES = ["zone-a", "zone-b", "zone-c"] as const;
/** The object-name suffix of each Loki component, after the fullname; also its pods' `app.kubernetes.io/component` label. */
export const COMPONENT_SUFFIXES: Readonly<Record<LokiComponent, string>> = {
  distributor: "distributor",
  ingester: "ingester",
  querier: "querier",
  queryFrontend: "query-frontend",
  queryScheduler: "query-scheduler",
  indexGateway: "index-gateway",
  compactor: "compactor",
  ruler: "ruler",
};

/**
 * The chart's `loki.fullname` helper, the same in every version the stack knows: the release name when it already
 * contains the chart name, otherwise `<release>-loki`, cut to 63 characters without a trailing "-".
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/_helpers.tpl
 */
export function chartFullname(releaseName: string): string {
  const full = releaseName.includes(LOKI_CHART_NAME) ? releaseName : `${releaseName}-${LOKI_CHART_NAME}`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/**
 * The chart's `loki.rulerRulesDirName` helper, the same in every version the stack knows: the name of the volume
 * (and ConfigMap suffix) that carries one tenant's rule files: `rules-<tenant>`, "_" turned into "-", one trailing "-"
 * cut, lowercased.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/ruler/_helpers-ruler.tpl
 */
export function rulerRulesDirName(tenant: string): string {
  return `rules-${tenant.replace(/_/g, "-").replace(/-$/, "").toLowerCase()}`;
}
