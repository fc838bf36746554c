import { isPlainObject } from "../core/deep-merge";
import { quantityBytes } from "../core/quantity";
import { check, checkInteger, ConfigError } from "../core/validation";
import { LOKI_COMPONENTS, LokiComponent } from "./chart";

/*
 * Sizing by declared ingest volume, and the limits that fit it. Pure: no cdktf, no I/O.
 *
 * - A declared `ingestGbPerDay` selects one of the three tiers of Grafana's "Size the cluster" guide:
 *   per-component replicas and CPU and memory requests, at p90 use. Limits are twice the requests.
 * - Loki's per-tenant limits derive from the same volume, with the headroom stated next to each.
 * - Without a declared volume nothing here changes the size presets; the limits are then Loki's
 *   defaults, except the ones a default would break (max_query_length shorter than the retention).
 * resolveLokiReleaseProps (loki-props.ts) calls resolveSizing and applies the tier to the presets; buildLokiValues
 * (values.ts) writes the resources and sizedValues; release-requests.ts sums what the values request.
 */

// ---------------------------------------------------------------------------------------------
// Resources

/** CPU and memory of one container, as Kubernetes quantities. */
export interface ContainerResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * Requests and limits of each component, for the small-to-medium volumes the two size presets target, when no
 * ingest volume is declared. Requests are what the scheduler reserves; limits leave headroom for query and flush bursts.
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

// ---------------------------------------------------------------------------------------------
// Tiers

/** One of the three ingest tiers of Grafana's sizing guide. */
export type IngestTier = "small" | "medium" | "large";

/** CPU (cores) and memory (GiB) a pod requests. */
export interface PodRequest {
  readonly cpu: number;
  readonly memoryGi: number;
}

/** One tier: the volumes it covers and the pods it runs. */
export interface TierSpec {
  readonly tier: IngestTier;
  /** Grafana's name for the tier. */
  readonly label: string;
  /** Lowest daily volume of the tier, in GB (inclusive). */
  readonly fromGbPerDay: number;
  readonly replicas: Readonly<Record<LokiComponent, number>>;
  readonly requests: Readonly<Record<LokiComponent, PodRequest>>;
  /** Memory (MB) and replicas of the chunks and results caches: this stack's choice, the guide gives none. */
  readonly chunksCache: { readonly memoryMb: number; readonly replicas: number };
  readonly resultsCache: { readonly memoryMb: number; readonly replicas: number };
}

/**
 * Grafana's three tiers, copied from the guide's tables (replicas "Base Replicas", requests "CPU Request" and
 * "Memory Request (Gi)"). The guide has no ruler row and says the rule evaluators can "be sized the same along
 * with queriers to start": the ruler gets one querier's requests, and one replica as in the production preset (the
 * chart turns no ruler sharding on, so a second ruler would evaluate every rule again). The caches are this stack's choice: the chart's default memory (8192 MB chunks, 1024 MB results)
 * at the middle tier, fewer or more replicas around it.
 * @see https://grafana.com/docs/loki/latest/setup/size/
 */
export const INGEST_TIERS: readonly TierSpec[] = [
  {
    tier: "small",
    label: "Less than 100TB/month (3TB/day)",
    fromGbPerDay: 0,
    replicas: { distributor: 4, ingester: 6, querier: 10, queryFrontend: 2, queryScheduler: 2, indexGateway: 4, compactor: 1, ruler: 1 },
    requests: {
      ingester: { cpu: 2, memoryGi: 4 },
      distributor: { cpu: 2, memoryGi: 0.5 },
      indexGateway: { cpu: 0.5, memoryGi: 2 },
      querier: { cpu: 1, memoryGi: 1 },
      queryFrontend: { cpu: 1, memoryGi: 2 },
      queryScheduler: { cpu: 1, memoryGi: 0.5 },
      compactor: { cpu: 2, memoryGi: 10 },
      ruler: { cpu: 1, memoryGi: 1 },
    },
    chunksCache: { memoryMb: 4096, replicas: 2 },
    resultsCache: { memoryMb: 1024, replicas: 1 },
  },
  {
    tier: "medium",
    label: "100TB to 1PB /month (3-30TB/day)",
    fromGbPerDay: 3_000,
    replicas: { distributor: 40, ingester: 90, querier: 100, queryFrontend: 8, queryScheduler: 2, indexGateway: 10, compactor: 1, ruler: 1 },
    requests: {
      ingester: { cpu: 2, memoryGi: 6 },
      distributor: { cpu: 2, memoryGi: 1 },
      indexGateway: { cpu: 0.5, memoryGi: 4 },
      querier: { cpu: 1.5, memoryGi: 2 },
      queryFrontend: { cpu: 1, memoryGi: 2 },
      queryScheduler: { cpu: 1, memoryGi: 0.5 },
      compactor: { cpu: 6, memoryGi: 20 },
      ruler: { cpu: 1.5, memoryGi: 2 },
    },
    chunksCache: { memoryMb: 8192, replicas: 6 },
    resultsCache: { memoryMb: 1024, replicas: 2 },
  },
  {
    tier: "large",
    label: "~1PB/month (30TB/day)",
    fromGbPerDay: 30_000,
    replicas: { distributor: 100, ingester: 150, querier: 250, queryFrontend: 16, queryScheduler: 2, indexGateway: 20, compactor: 1, ruler: 1 },
    requests: {
      ingester: { cpu: 4, memoryGi: 8 },
      distributor: { cpu: 2, memoryGi: 1 },
      indexGateway: { cpu: 1, memoryGi: 4 },
      querier: { cpu: 1.5, memoryGi: 3 },
      queryFrontend: { cpu: 1, memoryGi: 4 },
      queryScheduler: { cpu: 2, memoryGi: 0.5 },
      compactor: { cpu: 6, memoryGi: 40 },
      ruler: { cpu: 1.5, memoryGi: 3 },
    },
    chunksCache: { memoryMb: 8192, replicas: 12 },
    resultsCache: { memoryMb: 2048, replicas: 3 },
  },
];

/** Most daily volume a declared size accepts: beyond the guide's largest tier, size the cluster by hand. */
export const MAX_INGEST_GB_PER_DAY = 100_000;
/** Limits are this many times the requests: room for query and flush bursts above the p90 the guide measured. */
export const LIMIT_TO_REQUEST = 2;

/** The tier a daily volume falls in. */
export function tierFor(ingestGbPerDay: number): TierSpec {
  return [...INGEST_TIERS].reverse().find((t) => ingestGbPerDay >= t.fromGbPerDay) ?? INGEST_TIERS[0];
}

/** Cores as a Kubernetes quantity: whole cores as "2", fractions in millicores ("500m"). */
export function cpuQuantity(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** GiB as a Kubernetes quantity: whole GiB as "4Gi", fractions in MiB ("512Mi"). */
export function memoryQuantity(gib: number): string {
  return Number.isInteger(gib) ? `${gib}Gi` : `${Math.round(gib * 1024)}Mi`;
}

/** A pod's resources from the guide's requests: limits are LIMIT_TO_REQUEST times the requests. */
export function tierResources(request: PodRequest): ContainerResources {
  return {
    requests: { cpu: cpuQuantity(request.cpu), memory: memoryQuantity(request.memoryGi) },
    limits: { cpu: cpuQuantity(request.cpu * LIMIT_TO_REQUEST), memory: memoryQuantity(request.memoryGi * LIMIT_TO_REQUEST) },
  };
}

// ---------------------------------------------------------------------------------------------
// Quantities

/** Cores of a Kubernetes CPU quantity ("2", "1.5", "500m"); undefined when it is not one. */
export function parseCpu(quantity: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(String(quantity));
  return m ? Number(m[1]) / (m[2] === "m" ? 1000 : 1) : undefined;
}

/**
 * GiB of a Kubernetes memory quantity ("512Mi", "4Gi", "1G"); undefined when it is not a whole-byte one, which the
 * WAL settings could not be derived from (core/quantity.ts, the one quantity parser).
 */
export function parseMemoryGi(quantity: string): number | undefined {
  try {
    return quantityBytes(String(quantity)) / 2 ** 30;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Volumes

/** Volume size when no ingest volume is declared (the stack's size before sizing existed). */
export const DEFAULT_VOLUME_GI = 10;
/**
 * Loki 3.4.2's `ingester.max_chunk_age` default (2h). This stack leaves the flush settings at Loki's defaults;
 * the WAL size and the recovery window derive from it.
 * @see https://grafana.com/docs/loki/latest/configure/#ingester
 */
export const LOKI_MAX_CHUNK_AGE_HOURS = 2;
/** Loki refuses an entry older than the stream's newest minus max_chunk_age / 2 (`too_far_behind`). */
export const RECOVERY_WINDOW_HOURS = LOKI_MAX_CHUNK_AGE_HOURS / 2;
/** Headroom of the volumes over the data they hold on average. */
export const VOLUME_HEADROOM = 2;
/** TSDB index size as a share of the ingested bytes; an estimate on the high side (it is usually well under). */
export const TSDB_INDEX_SHARE = 0.001;

/**
 * Size of each ingester's WAL volume: the ingester holds up to max_chunk_age of its share of the streams
 * (volume x replication factor / ingesters), with VOLUME_HEADROOM, and never less than DEFAULT_VOLUME_GI.
 */
export function walVolumeSize(ingestGbPerDay: number | undefined, replicationFactor: number, ingesters: number): string {
  if (ingestGbPerDay === undefined) return `${DEFAULT_VOLUME_GI}Gi`;
  const held = ((ingestGbPerDay * replicationFactor) / ingesters) * (LOKI_MAX_CHUNK_AGE_HOURS / 24);
  return `${Math.max(DEFAULT_VOLUME_GI, Math.ceil(held * VOLUME_HEADROOM))}Gi`;
}

/**
 * Size of the compactor's working volume: the TSDB index of the whole retention (TSDB_INDEX_SHARE of the
 * ingested bytes), which retention and deletes walk, with VOLUME_HEADROOM, never less than DEFAULT_VOLUME_GI.
 */
export function compactorVolumeSize(ingestGbPerDay: number | undefined, retentionDays: number): string {
  if (ingestGbPerDay === undefined) return `${DEFAULT_VOLUME_GI}Gi`;
  return `${Math.max(DEFAULT_VOLUME_GI, Math.ceil(ingestGbPerDay * retentionDays * TSDB_INDEX_SHARE * VOLUME_HEADROOM))}Gi`;
}

// ---------------------------------------------------------------------------------------------
// Limits

/** Loki's per-tenant limits this stack sets. Every one is optional: the default derives from the ingest volume. */
export interface LokiLimits {
  /** Tenant ingestion rate, MB/s, over all distributors. @default 4 x the declared average, at least Loki's 4 */
  readonly ingestionRateMb?: number;
  /** Tenant burst, MB, per distributor. @default 1.5 x ingestionRateMb (Loki's own ratio, 6 / 4) */
  readonly ingestionBurstMb?: number;
  /** Rate of one stream, MB/s. @default ingestionRateMb: one stream can carry the whole tenant (see README) */
  readonly perStreamRateMb?: number;
  /** Burst of one stream, MB. @default ingestionBurstMb, at least Loki's 15 */
  readonly perStreamBurstMb?: number;
  /** Active streams of one tenant. @default one per 100 MB/day declared, at least Loki's 5000 */
  readonly maxGlobalStreamsPerTenant?: number;
  /** Longest line Loki takes, KB; longer lines are refused. @default 256 (Loki's default) */
  readonly maxLineSizeKb?: number;
  /** Longest time range of one query, whole hours written as "<n>h", at least the retention. @default retention + 24h */
  readonly maxQueryLength?: string;
  /** Most series one metric query returns. @default 500 (Loki's default) */
  readonly maxQuerySeries?: number;
  /** Seconds a query may run; the Grafana data source's timeout derives from it (never shorter). @default 300 (the chart's) */
  readonly queryTimeoutSeconds?: number;
}

/** The limits with every default applied. */
export type ResolvedLokiLimits = Required<LokiLimits>;

/** Loki 3.4.2's defaults (pkg/validation/limits.go), the floors of the derived limits. */
export const LOKI_DEFAULT_LIMITS = {
  ingestionRateMb: 4,
  perStreamBurstMb: 15,
  maxGlobalStreamsPerTenant: 5000,
  maxLineSizeKb: 256,
  maxQuerySeries: 500,
} as const;
/** The chart's `loki.limits_config.query_timeout` (300s), this stack's default query timeout. */
export const DEFAULT_QUERY_TIMEOUT_SECONDS = 300;
/** Peak over the daily average the ingestion rate allows: diurnal peaks, and a 1 h backlog drains in 20 min. */
export const INGEST_PEAK_FACTOR = 4;
/** Burst over the rate, Loki's own ratio (ingestion_burst_size_mb 6 over ingestion_rate_mb 4). */
export const BURST_FACTOR = 1.5;
/** Declared MB per day per active stream, for the stream limit. */
export const MB_PER_DAY_PER_STREAM = 100;
/** Loki's HTTP server read and write timeouts are this many times the query timeout (600s at the default). */
export const SERVER_TIMEOUT_FACTOR = 2;

/** Average ingest in MiB/s of a daily volume in GB. */
export function averageMibPerSecond(ingestGbPerDay: number): number {
  return (ingestGbPerDay * 1e9) / 2 ** 20 / 86_400;
}

/** The default limits for a declared volume (none: Loki's defaults) and retention. */
export function defaultLimits(ingestGbPerDay: number | undefined, retentionHours: number): ResolvedLokiLimits {
  const gb = ingestGbPerDay ?? 0;
  const ingestionRateMb = Math.max(LOKI_DEFAULT_LIMITS.ingestionRateMb, Math.ceil(averageMibPerSecond(gb) * INGEST_PEAK_FACTOR));
  const ingestionBurstMb = Math.ceil(ingestionRateMb * BURST_FACTOR);
  return {
    ingestionRateMb,
    ingestionBurstMb,
    perStreamRateMb: ingestionRateMb,
    perStreamBurstMb: Math.max(LOKI_DEFAULT_LIMITS.perStreamBurstMb, ingestionBurstMb),
    maxGlobalStreamsPerTenant: Math.max(LOKI_DEFAULT_LIMITS.maxGlobalStreamsPerTenant, Math.ceil((gb * 1000) / MB_PER_DAY_PER_STREAM)),
    maxLineSizeKb: LOKI_DEFAULT_LIMITS.maxLineSizeKb,
    maxQueryLength: `${retentionHours + 24}h`,
    maxQuerySeries: LOKI_DEFAULT_LIMITS.maxQuerySeries,
    queryTimeoutSeconds: DEFAULT_QUERY_TIMEOUT_SECONDS,
  };
}

/** Loki's `limits_config` (and runtime override) keys, with their values. */
export interface LokiLimitsConfig {
  readonly ingestion_rate_mb?: number;
  readonly ingestion_burst_size_mb?: number;
  readonly per_stream_rate_limit?: string;
  readonly per_stream_rate_limit_burst?: string;
  readonly max_global_streams_per_user?: number;
  readonly max_line_size?: string;
  readonly max_query_length?: string;
  readonly max_query_series?: number;
  readonly query_timeout?: string;
  /** A tenant's own retention (runtime overrides only). */
  readonly retention_period?: string;
}

/** The Loki keys of the typed limits. @see https://grafana.com/docs/loki/latest/configure/#limits_config */
export const LIMIT_KEYS: Readonly<Record<keyof LokiLimits, keyof LokiLimitsConfig>> = {
  ingestionRateMb: "ingestion_rate_mb",
  ingestionBurstMb: "ingestion_burst_size_mb",
  perStreamRateMb: "per_stream_rate_limit",
  perStreamBurstMb: "per_stream_rate_limit_burst",
  maxGlobalStreamsPerTenant: "max_global_streams_per_user",
  maxLineSizeKb: "max_line_size",
  maxQueryLength: "max_query_length",
  maxQuerySeries: "max_query_series",
  queryTimeoutSeconds: "query_timeout",
};

/** Loki's spelling of the limits: byte sizes as "3MB", durations as "300s". */
export function limitsConfig(limits: LokiLimits): LokiLimitsConfig {
  const out: Record<string, number | string> = {};
  const put = (key: keyof LokiLimits, value: number | string | undefined): void => {
    if (value !== undefined) out[LIMIT_KEYS[key]] = value;
  };
  put("ingestionRateMb", limits.ingestionRateMb);
  put("ingestionBurstMb", limits.ingestionBurstMb);
  put("perStreamRateMb", limits.perStreamRateMb === undefined ? undefined : `${limits.perStreamRateMb}MB`);
  put("perStreamBurstMb", limits.perStreamBurstMb === undefined ? undefined : `${limits.perStreamBurstMb}MB`);
  put("maxGlobalStreamsPerTenant", limits.maxGlobalStreamsPerTenant);
  put("maxLineSizeKb", limits.maxLineSizeKb === undefined ? undefined : `${limits.maxLineSizeKb}KB`);
  put("maxQueryLength", limits.maxQueryLength);
  put("maxQuerySeries", limits.maxQuerySeries);
  put("queryTimeoutSeconds", limits.queryTimeoutSeconds === undefined ? undefined : `${limits.queryTimeoutSeconds}s`);
  return out;
}

/** Bounds of each numeric limit. */
const LIMIT_BOUNDS: Readonly<Record<Exclude<keyof LokiLimits, "maxQueryLength">, readonly [number, number]>> = {
  ingestionRateMb: [1, 100_000],
  ingestionBurstMb: [1, 100_000],
  perStreamRateMb: [1, 100_000],
  perStreamBurstMb: [1, 100_000],
  maxGlobalStreamsPerTenant: [1, 10_000_000],
  maxLineSizeKb: [1, 16_384],
  maxQuerySeries: [1, 100_000],
  queryTimeoutSeconds: [10, 3600],
};

/** Validates user-given limits (global or one tenant's), named under `setting`. */
function checkLimits(setting: string, limits: unknown, retentionHours: number, retentionPeriod: string): LokiLimits {
  if (!isPlainObject(limits)) throw new ConfigError(setting, limits, "a map of limits, such as { ingestionRateMb: 20 }");
  for (const [key, value] of Object.entries(limits)) {
    if (value === undefined) continue;
    if (!(key in LIMIT_KEYS)) throw new ConfigError(`${setting}.${key}`, key, `one of ${Object.keys(LIMIT_KEYS).join(", ")}`);
    if (key === "maxQueryLength") {
      const hours = /^\d+h$/.test(String(value)) ? Number(String(value).slice(0, -1)) : NaN;
      check(Number.isInteger(hours), `${setting}.maxQueryLength`, value, 'whole hours such as "768h"');
      check(
        hours >= retentionHours,
        `${setting}.maxQueryLength`,
        value,
        `at least the retention period "${retentionPeriod}"`,
        "a query over the whole retention would be refused",
      );
    } else {
      const [min, max] = LIMIT_BOUNDS[key as Exclude<keyof LokiLimits, "maxQueryLength">];
      checkInteger(`${setting}.${key}`, value as number, min, max);
    }
  }
  return limits as LokiLimits;
}

// ---------------------------------------------------------------------------------------------
// Settings

/** Requests and limits of one Loki component's container, overriding the preset or the tier. */
export interface ComponentResourceOverride {
  /** CPU request, such as "2" or "500m". @default the tier's or the preset's */
  readonly cpuRequest?: string;
  /** Memory request, such as "4Gi". @default the tier's or the preset's */
  readonly memoryRequest?: string;
  /** CPU limit, at least the request. @default the tier's (twice the request) or the preset's */
  readonly cpuLimit?: string;
  /** Memory limit, at least the request. @default the tier's (twice the request) or the preset's */
  readonly memoryLimit?: string;
}

/** The sizing props of the Loki release (LokiReleaseProps extends this interface; LokiStackProps mirrors it). */
export interface SizingProps {
  /**
   * Expected ingest in GB per day (1 to 100000, MAX_INGEST_GB_PER_DAY). Selects a tier of Grafana's sizing guide:
   * replicas, requests and limits, caches, WAL and compactor volumes, and the default limits. `size` must then be
   * unset or "production". @default none: the size preset decides, and the limits are Loki's defaults
   */
  readonly ingestGbPerDay?: number;
  /** Requests and limits per component, over the tier's or the preset's. @default the tier's, else COMPONENT_RESOURCES */
  readonly componentResources?: Readonly<Partial<Record<LokiComponent, ComponentResourceOverride>>>;
  /** Loki's tenant limits (`loki.limits_config`). @default defaultLimits(ingestGbPerDay, retention) */
  readonly limits?: LokiLimits;
  /** Per-tenant overrides of the limits, in `loki.runtimeConfig` (reloaded without a restart). @default {} */
  readonly tenantLimits?: Readonly<Record<string, LokiLimits>>;
}

/** The sizing, resolved and validated. */
export interface ResolvedSizing {
  /** The declared daily volume in GB; undefined when the size preset alone decides. */
  readonly ingestGbPerDay?: number;
  /** The tier the volume selects. */
  readonly tier?: TierSpec;
  /** Resources of each component: the tier's, else the presets' table, with the overrides on top. */
  readonly componentResources: Readonly<Record<LokiComponent, ContainerResources>>;
  readonly limits: ResolvedLokiLimits;
  /** Per-tenant overrides, reloaded by Loki from its runtime config without a restart. */
  readonly tenantLimits: Readonly<Record<string, LokiLimits>>;
  /** Per-tenant retention periods (several tenants), in the same runtime overrides. @default {} */
  readonly tenantRetention?: Readonly<Record<string, string>>;
}

const TENANT_ID = /^[A-Za-z0-9_.-]{1,150}$/;

/**
 * Checks a declared ingest volume. resolveLokiReleaseProps, which owns the size presets, checks the preset it allows.
 * @param setting the setting's name in messages
 */
export function checkIngestGbPerDay(setting: string, gb: number | undefined): void {
  if (gb === undefined) return;
  check(
    typeof gb === "number" && Number.isInteger(gb) && gb >= 1 && gb <= MAX_INGEST_GB_PER_DAY,
    setting,
    gb,
    `a whole number of GB per day from 1 to ${MAX_INGEST_GB_PER_DAY}`,
    "beyond Grafana's largest tier, size the components by hand",
  );
}

/**
 * Validates the sizing props and applies their defaults. Called by resolveLokiReleaseProps before any resource exists.
 * @param retentionPeriod the checked retention, which the query length must cover
 * @param prefix prepended to setting names in messages
 */
export function resolveSizing(props: SizingProps, retentionPeriod: string, prefix = ""): ResolvedSizing {
  const retentionHours = Number(retentionPeriod.slice(0, -1));
  const gb = props.ingestGbPerDay;
  checkIngestGbPerDay(`${prefix}ingestGbPerDay`, gb);
  const tier = gb === undefined ? undefined : tierFor(gb);

  for (const key of Object.keys(props.componentResources ?? {})) {
    check((LOKI_COMPONENTS as readonly string[]).includes(key), `${prefix}componentResources.${key}`, key, `one of ${LOKI_COMPONENTS.join(", ")}`);
  }
  const componentResources = {} as Record<LokiComponent, ContainerResources>;
  for (const component of LOKI_COMPONENTS) {
    const from = tier ? tierResources(tier.requests[component]) : COMPONENT_RESOURCES[component];
    const o = props.componentResources?.[component] ?? {};
    const resources: ContainerResources = {
      requests: { cpu: o.cpuRequest ?? from.requests.cpu, memory: o.memoryRequest ?? from.requests.memory },
      limits: { cpu: o.cpuLimit ?? from.limits.cpu, memory: o.memoryLimit ?? from.limits.memory },
    };
    const at = `${prefix}componentResources.${component}`;
    for (const key of ["cpuRequest", "cpuLimit"] as const) {
      const value = key === "cpuRequest" ? resources.requests.cpu : resources.limits.cpu;
      check(parseCpu(value) !== undefined && parseCpu(value)! > 0, `${at}.${key}`, value, 'a CPU quantity such as "2", "1.5" or "500m"');
    }
    for (const key of ["memoryRequest", "memoryLimit"] as const) {
      const value = key === "memoryRequest" ? resources.requests.memory : resources.limits.memory;
      check(parseMemoryGi(value) !== undefined && parseMemoryGi(value)! > 0, `${at}.${key}`, value, 'a memory quantity such as "512Mi" or "4Gi"');
    }
    check(
      parseCpu(resources.limits.cpu)! >= parseCpu(resources.requests.cpu)!,
      `${at}.cpuLimit`,
      resources.limits.cpu,
      `at least the CPU request (${resources.requests.cpu})`,
    );
    check(
      parseMemoryGi(resources.limits.memory)! >= parseMemoryGi(resources.requests.memory)!,
      `${at}.memoryLimit`,
      resources.limits.memory,
      `at least the memory request (${resources.requests.memory})`,
    );
    componentResources[component] = resources;
  }

  const given = checkLimits(`${prefix}limits`, props.limits ?? {}, retentionHours, retentionPeriod);
  const limits: ResolvedLokiLimits = { ...defaultLimits(gb, retentionHours), ...stripUndefined(given) };

  const tenantLimits: Record<string, LokiLimits> = {};
  if (props.tenantLimits !== undefined && !isPlainObject(props.tenantLimits)) {
    throw new ConfigError(`${prefix}tenantLimits`, props.tenantLimits, 'a map of tenant ID to limits, such as { "team-a": { ingestionRateMb: 20 } }');
  }
  for (const [tenant, overrides] of Object.entries(props.tenantLimits ?? {})) {
    check(TENANT_ID.test(tenant), `${prefix}tenantLimits.${tenant}`, tenant, 'a Loki tenant ID (1-150 letters, digits, "_", "-" and ".")');
    const checked = checkLimits(`${prefix}tenantLimits.${tenant}`, overrides, retentionHours, retentionPeriod);
    if (checked.queryTimeoutSeconds !== undefined) {
      check(
        checked.queryTimeoutSeconds <= limits.queryTimeoutSeconds,
        `${prefix}tenantLimits.${tenant}.queryTimeoutSeconds`,
        checked.queryTimeoutSeconds,
        `at most ${prefix}limits.queryTimeoutSeconds (${limits.queryTimeoutSeconds})`,
        "Grafana's data source and Loki's HTTP server time out from the global value",
      );
    }
    tenantLimits[tenant] = stripUndefined(checked);
  }

  return { ingestGbPerDay: gb, tier, componentResources, limits, tenantLimits };
}

/**
 * One tenant's limits (several tenants), checked as tenantLimits are, against the tenant's own retention: a tenant kept
 * longer than the global query length gets a query length that covers its retention (retention + 24h), as the global
 * default does, unless it sets one.
 * @param retentionPeriod the tenant's retention (its own, or the global one)
 * @param global the resolved global limits
 */
export function resolveTenantLimits(setting: string, limits: LokiLimits, retentionPeriod: string, global: ResolvedLokiLimits): LokiLimits {
  const retentionHours = Number(retentionPeriod.slice(0, -1));
  const checked = stripUndefined(checkLimits(setting, limits, retentionHours, retentionPeriod));
  if (checked.queryTimeoutSeconds !== undefined) {
    check(
      checked.queryTimeoutSeconds <= global.queryTimeoutSeconds,
      `${setting}.queryTimeoutSeconds`,
      checked.queryTimeoutSeconds,
      `at most limits.queryTimeoutSeconds (${global.queryTimeoutSeconds})`,
      "Grafana's data source and Loki's HTTP server time out from the global value",
    );
  }
  const globalQueryHours = Number(global.maxQueryLength.slice(0, -1));
  if (checked.maxQueryLength === undefined && globalQueryHours < retentionHours) return { ...checked, maxQueryLength: `${retentionHours + 24}h` };
  return checked;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------
// Values

/** What the sizing adds to the chart values beyond the component resources; deep-merged over buildLokiValues' own. */
export type SizedValues = {
  readonly loki: {
    readonly limits_config: LokiLimitsConfig;
    readonly server: { readonly http_server_read_timeout: string; readonly http_server_write_timeout: string };
    readonly runtimeConfig?: { readonly overrides: Readonly<Record<string, LokiLimitsConfig>> };
  };
  readonly chunksCache?: { readonly replicas: number };
  readonly resultsCache?: { readonly replicas: number };
};

/** The chart values the sizing sets. Every key exists in the values.yaml of both chart versions (`loki.runtimeConfig` included). */
export function sizedValues(sizing: ResolvedSizing): SizedValues {
  const serverTimeout = `${sizing.limits.queryTimeoutSeconds * SERVER_TIMEOUT_FACTOR}s`;
  const retention = sizing.tenantRetention ?? {};
  const tenants = [...new Set([...Object.keys(sizing.tenantLimits), ...Object.keys(retention)])];
  const overrides = (tenant: string): LokiLimitsConfig => ({
    ...limitsConfig(sizing.tenantLimits[tenant] ?? {}),
    ...(retention[tenant] !== undefined ? { retention_period: retention[tenant] } : {}),
  });
  return {
    loki: {
      limits_config: limitsConfig(sizing.limits),
      // Loki 3 dropped querier.query_timeout: limits_config.query_timeout bounds a query, and the HTTP server
      // must not cut the response first.
      server: { http_server_read_timeout: serverTimeout, http_server_write_timeout: serverTimeout },
      ...(tenants.length > 0 ? { runtimeConfig: { overrides: Object.fromEntries(tenants.map((t) => [t, overrides(t)])) } } : {}),
    },
    ...(sizing.tier
      ? { chunksCache: { replicas: sizing.tier.chunksCache.replicas }, resultsCache: { replicas: sizing.tier.resultsCache.replicas } }
      : {}),
  };
}

/** The part of a size preset a tier decides: replicas and cache memory. Replication and zones stay production's. */
export function tierPreset(tier: TierSpec): {
  readonly replicas: Readonly<Record<LokiComponent, number>>;
  readonly chunksCacheMemoryMb: number;
  readonly resultsCacheMemoryMb: number;
} {
  return { replicas: tier.replicas, chunksCacheMemoryMb: tier.chunksCache.memoryMb, resultsCacheMemoryMb: tier.resultsCache.memoryMb };
}
