/**
 * Every fact of the pinned Loki chart, `grafana/loki` 6.29.0 (Loki 3.4.2), in one place.
 * Names, ports, paths and helpers that the chart's templates decide live here and nowhere else,
 * so that a second chart version is a second module behind the same interface.
 * @see https://github.com/grafana/loki/tree/helm-loki-6.29.0/production/helm/loki
 */

/** One entry of `loki.schemaConfig.configs`. @see https://grafana.com/docs/loki/latest/configure/#period_config */
export interface SchemaPeriod {
  /** First day (UTC, `YYYY-MM-DD`) the entry applies to. */
  readonly from: string;
  readonly store: "tsdb";
  readonly object_store: "s3";
  readonly schema: "v13";
  readonly index: { readonly prefix: string; readonly period: "24h" };
}

/** A Loki version a chart the stack knows runs (the chart's appVersion). */
export type LokiVersion = "3.4.2" | "3.7.6";

/** The facts of one version of the Loki chart that the stack depends on. */
export interface LokiChartFacts {
  /** Chart name, which `loki.fullname` and the chart's default service account are built from. */
  readonly name: string;
  /** Default Helm repository. */
  readonly repository: string;
  /** Chart version. */
  readonly version: string;
  /** The Loki version the chart runs: its ruler decides which rule files load. */
  readonly lokiVersion: LokiVersion;
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
}

/** The chart's name. */
export const LOKI_CHART_NAME = "loki";
/** Loki chart version deployed by default (Loki 3.4.2). */
export const DEFAULT_CHART_VERSION = "6.29.0";
/** Helm repository of the Loki chart. The open-source chart has since moved to grafana-community. */
export const DEFAULT_CHART_REPOSITORY = "https://grafana.github.io/helm-charts";
/** Port of every Loki component's HTTP server in chart 6.29.0. */
export const LOKI_HTTP_PORT = 3100;
/** Port of the chart's gateway Service (`gateway.service.port`, nginx) in chart 6.29.0. */
export const LOKI_GATEWAY_PORT = 80;
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

/** The pinned chart, as one object. */
export const LOKI_CHART: LokiChartFacts = {
  name: LOKI_CHART_NAME,
  repository: DEFAULT_CHART_REPOSITORY,
  version: DEFAULT_CHART_VERSION,
  lokiVersion: "3.4.2",
  httpPort: LOKI_HTTP_PORT,
  gatewayPort: LOKI_GATEWAY_PORT,
  pushPath: LOKI_PUSH_PATH,
  rulesDirectory: RULES_DIRECTORY,
  schemaPeriods: SCHEMA_PERIODS,
};

/**
 * The chart's `loki.fullname` helper: the release name when it already contains the chart name,
 * otherwise `<release>-loki`, cut to 63 characters without a trailing "-".
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/_helpers.tpl
 */
export function chartFullname(releaseName: string): string {
  const full = releaseName.includes(LOKI_CHART_NAME) ? releaseName : `${releaseName}-${LOKI_CHART_NAME}`;
  return full.slice(0, 63).replace(/-+$/, "");
}

/**
 * The chart's `loki.rulerRulesDirName` helper: the name of the volume (and ConfigMap suffix) that carries
 * one tenant's rule files: `rules-<tenant>`, "_" turned into "-", one trailing "-" cut, lowercased.
 * @see https://github.com/grafana/loki/blob/helm-loki-6.29.0/production/helm/loki/templates/ruler/_helpers-ruler.tpl
 */
export function rulerRulesDirName(tenant: string): string {
  return `rules-${tenant.replace(/_/g, "-").replace(/-$/, "").toLowerCase()}`;
}
