import { lokiByteSize, quantityBytes } from "../core/quantity";
import { ConfigError } from "../core/validation";

/**
 * Stages of the chart's migration from one ingester StatefulSet to three zone StatefulSets, in order.
 * Each stage keeps the ones before it on (`ingester.zoneAwareReplication.migration` in both chart versions):
 * - `"start"`: the zone StatefulSets run next to `<fullname>-ingester`, which joins the ring as `zone-default`;
 * - `"writes"`: distributors and rulers write zone-aware (`writePath`);
 * - `"reads"`: queriers read zone-aware (`readPath`);
 * - `"exclude-default-zone"`: nothing writes to `zone-default` any more (`excludeDefaultZone`), ready for the flush.
 * @see https://grafana.com/docs/loki/latest/operations/zone-ingesters/
 */
export const ZONE_MIGRATION_STAGES = ["start", "writes", "reads", "exclude-default-zone"] as const;
/** One stage of the zone migration. */
export type ZoneMigrationStage = (typeof ZONE_MIGRATION_STAGES)[number];

/** The chart's `ingester.zoneAwareReplication.migration` block. */
export interface ZoneMigrationValues {
  readonly enabled: boolean;
  readonly writePath: boolean;
  readonly readPath: boolean;
  readonly excludeDefaultZone: boolean;
}

/** The chart's migration values for a stage, every earlier stage kept on; all off without a migration. */
export function zoneMigrationValues(stage: ZoneMigrationStage | undefined): ZoneMigrationValues {
  const reached = (s: ZoneMigrationStage) => stage !== undefined && ZONE_MIGRATION_STAGES.indexOf(stage) >= ZONE_MIGRATION_STAGES.indexOf(s);
  return { enabled: reached("start"), writePath: reached("writes"), readPath: reached("reads"), excludeDefaultZone: reached("exclude-default-zone") };
}

/** Share of the ingester's memory limit the WAL replay may fill before it flushes (Loki's WAL docs advise about 75%). */
export const REPLAY_MEMORY_SHARE = 0.75;
/** Seconds an ingester needs to leave the ring and stop, apart from the flush itself. */
const SHUTDOWN_OVERHEAD_SECONDS = 60;
/** A conservative rate at which one ingester flushes its chunks to object storage on shutdown, in MiB per second. */
const SHUTDOWN_FLUSH_MIB_PER_SECOND = 16;
/** The chart's own ingester grace period (values.yaml of 6.29.0 and 18.11.0), the floor of the stack's. */
const CHART_INGESTER_GRACE_SECONDS = 300;

/** Loki's WAL block under `loki.ingester.wal`. @see https://grafana.com/docs/loki/latest/operations/storage/wal/ */
export interface WalValues {
  readonly enabled: true;
  /** Flush every chunk to object storage on shutdown, so an ingester that never comes back strands nothing on its volume. */
  readonly flush_on_shutdown: true;
  /** Memory the WAL replay may use before it flushes, in Loki's byte-size form ("3GB" is 3 GiB; lokiByteSize). */
  readonly replay_memory_ceiling: string;
}

/** WAL settings and grace period that follow the ingester's memory limit. */
export interface WalSafety {
  readonly wal: WalValues;
  /** The replay ceiling in bytes. */
  readonly replayMemoryCeilingBytes: number;
  /** The ingester pods' `terminationGracePeriodSeconds`: time to flush a full memory limit of chunks. */
  readonly terminationGracePeriodSeconds: number;
}

/**
 * The one place the WAL replay ceiling and the ingester's shutdown grace period are derived, from the ingester's
 * memory limit as the chart values finally set it: the replay stops at 75% of the limit (Loki's default of 4 GB
 * under a 4 Gi limit would be killed mid-replay and crash-loop), and a shutdown gets time to flush a full
 * limit of chunks at a conservative 16 MiB/s plus a minute to leave the ring, never less than the chart's 300 s.
 * @param memoryLimit the ingester container's memory limit, a Kubernetes quantity such as "4Gi"
 */
export function walSafety(memoryLimit: string): WalSafety {
  const bytes = quantityBytes(memoryLimit);
  const mib = 1024 * 1024;
  const flushSeconds = Math.ceil(bytes / (SHUTDOWN_FLUSH_MIB_PER_SECOND * mib));
  const ceilingMib = Math.floor((bytes * REPLAY_MEMORY_SHARE) / mib);
  return {
    wal: { enabled: true, flush_on_shutdown: true, replay_memory_ceiling: lokiByteSize(ceilingMib * mib) },
    replayMemoryCeilingBytes: ceilingMib * mib,
    terminationGracePeriodSeconds: Math.max(CHART_INGESTER_GRACE_SECONDS, SHUTDOWN_OVERHEAD_SECONDS + flushSeconds),
  };
}

/** The storage and rollout values the stack adds to the chart's values. Every key exists in both chart versions. */
export interface StorageSafetyValues {
  readonly loki: { readonly ingester: { readonly wal: WalValues } };
  readonly ingester: {
    readonly terminationGracePeriodSeconds: number;
    readonly zoneAwareReplication: { readonly migration: ZoneMigrationValues };
  };
  /** The rollout-operator subchart: restarts zone-aware ingesters one zone at a time. */
  readonly rollout_operator: { readonly enabled: boolean };
  /** The bundled MinIO subchart's volume (both charts bundle MinIO chart 5.4.0, whose `persistence.storageClass` names the class). */
  readonly minio: { readonly persistence?: { readonly storageClass: string } };
}

/** The object store, as far as the bundled MinIO goes. */
export interface BundledMinioInput {
  readonly mode: "s3" | "minio" | "minio-release";
  readonly transition?: { readonly keepBundledMinio: boolean };
}

/** True while the chart's bundled MinIO runs: MinIO mode on a chart that supports it, or during the move off it. */
export function runsBundledMinio(storage: BundledMinioInput): boolean {
  return storage.mode === "minio" || (storage.mode === "minio-release" && storage.transition?.keepBundledMinio === true);
}

/** What the rollout and claim values follow: a subset of the release's resolved props. */
export interface RolloutAndClaimInputs {
  readonly zoneAwareReplication: boolean;
  readonly zoneMigrationStage?: ZoneMigrationStage;
  /** The class every claim names; none (the cluster's default class) when unset. */
  readonly storageClass?: string;
  readonly storage: BundledMinioInput;
}

/** The chart values this module owns, before the WAL values that depend on the final memory limit. */
export function rolloutAndClaimValues(settings: RolloutAndClaimInputs): Omit<StorageSafetyValues, "loki" | "ingester"> & {
  readonly ingester: Pick<StorageSafetyValues["ingester"], "zoneAwareReplication">;
} {
  return {
    ingester: { zoneAwareReplication: { migration: zoneMigrationValues(settings.zoneMigrationStage) } },
    // Zone StatefulSets are rolled by the rollout-operator one zone at a time; without it every zone restarts together.
    rollout_operator: { enabled: settings.zoneAwareReplication },
    minio: runsBundledMinio(settings.storage) && settings.storageClass !== undefined ? { persistence: { storageClass: settings.storageClass } } : {},
  };
}

/**
 * Refuses an ingester memory limit the WAL settings cannot be derived from. resolveLokiReleaseProps calls it on the
 * limit `valuesOverrides` sets, so it fails before any resource exists.
 */
export function checkIngesterMemoryLimit(memoryLimit: unknown): void {
  let bytes: number | undefined;
  try {
    bytes = typeof memoryLimit === "string" ? quantityBytes(memoryLimit) : undefined;
  } catch {
    bytes = undefined;
  }
  if (bytes === undefined) {
    throw new ConfigError(
      "ingester memory limit (ingester.resources.limits.memory)",
      memoryLimit,
      'a whole-byte Kubernetes quantity such as "4Gi"',
      "the WAL replay ceiling and the shutdown grace period are derived from it",
    );
  }
}

/**
 * Reads the ingester's memory limit out of the final values (after `valuesOverrides`) and adds the WAL block and
 * the grace period derived from it. Other WAL keys an override sets are kept; a longer grace period is kept too.
 */
export function withWalSafety<V extends { readonly ingester: { readonly resources: { readonly limits: { readonly memory: string } } } }>(
  values: V,
): V & Pick<StorageSafetyValues, "loki"> & { readonly ingester: Pick<StorageSafetyValues["ingester"], "terminationGracePeriodSeconds"> } {
  const memoryLimit = values.ingester.resources.limits.memory;
  checkIngesterMemoryLimit(memoryLimit);
  const { wal, terminationGracePeriodSeconds } = walSafety(memoryLimit);
  const loki = (values as { loki?: { ingester?: { wal?: object } } }).loki ?? {};
  const grace = (values.ingester as { terminationGracePeriodSeconds?: unknown }).terminationGracePeriodSeconds;
  return {
    ...values,
    loki: { ...loki, ingester: { ...loki.ingester, wal: { ...loki.ingester?.wal, ...wal } } },
    ingester: { ...values.ingester, terminationGracePeriodSeconds: Math.max(terminationGracePeriodSeconds, typeof grace === "number" ? grace : 0) },
  } as never;
}
