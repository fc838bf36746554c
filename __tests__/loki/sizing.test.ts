import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../../lib/core/validation";
import { DATASOURCE_FILE_NAME } from "../../lib/grafana/loki-datasource";
import { LokiStackProps } from "../../lib/loki-stack-props";
import { LOKI_COMPONENTS } from "../../lib/loki/chart";
import { LokiObjectStorage, LokiReleaseProps, resolveLokiReleaseProps, SIZE_PRESETS } from "../../lib/loki/loki-props";
import { releaseRequests } from "../../lib/loki/release-requests";
import { walSafety } from "../../lib/loki/storage-safety";
import {
  averageMibPerSecond,
  compactorVolumeSize,
  COMPONENT_RESOURCES,
  cpuQuantity,
  defaultLimits,
  INGEST_TIERS,
  LIMIT_KEYS,
  LOKI_MAX_CHUNK_AGE_HOURS,
  RECOVERY_WINDOW_HOURS,
  LIMIT_TO_REQUEST,
  LOKI_DEFAULT_LIMITS,
  memoryQuantity,
  parseCpu,
  parseMemoryGi,
  tierFor,
  walVolumeSize,
} from "../../lib/loki/sizing";
import { buildLokiValues, LokiValues } from "../../lib/loki/values";
import { onlyResource, REFERENCE_PROPS, synthStack } from "../support/synth";

/** S3 storage with the bucket names a stack for cluster prod-eks defaults to. */
const S3: LokiObjectStorage = { mode: "s3", region: "ap-northeast-1", chunksBucketName: "prod-eks-loki-chunks", rulerBucketName: "prod-eks-loki-ruler" };

/** The release's resolved props and its values, built from the release's own props. */
function build(props: Partial<LokiReleaseProps> = {}) {
  const settings = resolveLokiReleaseProps({ storage: S3, ...props });
  return { settings, values: buildLokiValues(settings) };
}

/** A loose view of the values, for keys the typed interface leaves to the chart. */
const loose = (values: LokiValues) => values as unknown as Record<string, Record<string, Record<string, unknown>>>;

/** A volume inside each tier. */
const VOLUMES = { small: 500, medium: 5_000, large: 30_000 } as const;

describe("tierFor", () => {
  test.each([
    [1, "small"],
    [2_999, "small"],
    [3_000, "medium"],
    [29_999, "medium"],
    [30_000, "large"],
    [100_000, "large"],
  ])("given %p GB/day, then the %s tier of Grafana's guide", (gb, tier) => {
    expect(tierFor(gb).tier).toBe(tier);
  });
});

describe("quantities", () => {
  test("given cores and GiB, then Kubernetes quantities that parse back to the same figures", () => {
    for (const n of [0.5, 1, 1.5, 2, 6]) {
      expect(parseCpu(cpuQuantity(n))).toBe(n);
      expect(parseMemoryGi(memoryQuantity(n))).toBe(n);
    }
    expect(cpuQuantity(0.5)).toBe("500m");
    expect(memoryQuantity(0.5)).toBe("512Mi");
    expect(parseMemoryGi("1G")).toBeCloseTo(0.931, 3);
    expect(parseCpu("1 core")).toBeUndefined();
    expect(parseMemoryGi("1GB")).toBeUndefined();
  });
});

describe.each(Object.entries(VOLUMES))("given a declared volume in the %s tier", (tierName, gb) => {
  const { settings, values } = build({ ingestGbPerDay: gb });
  const tier = INGEST_TIERS.find((t) => t.tier === tierName)!;

  test("then every component runs the guide's base replicas with its CPU and memory requests", () => {
    expect(settings.sizing.tier?.tier).toBe(tierName);
    for (const component of LOKI_COMPONENTS) {
      expect(values[component].replicas).toBe(tier.replicas[component]);
      expect(parseCpu(values[component].resources.requests.cpu)).toBe(tier.requests[component].cpu);
      expect(parseMemoryGi(values[component].resources.requests.memory)).toBe(tier.requests[component].memoryGi);
      expect(parseCpu(values[component].resources.limits.cpu)).toBe(tier.requests[component].cpu * LIMIT_TO_REQUEST);
      expect(parseMemoryGi(values[component].resources.limits.memory)).toBe(tier.requests[component].memoryGi * LIMIT_TO_REQUEST);
    }
  });

  test("then the caches follow the tier", () => {
    expect(values.chunksCache.allocatedMemory).toBe(tier.chunksCache.memoryMb);
    expect(values.resultsCache.allocatedMemory).toBe(tier.resultsCache.memoryMb);
    expect(loose(values).chunksCache.replicas).toBe(tier.chunksCache.replicas);
    expect(loose(values).resultsCache.replicas).toBe(tier.resultsCache.replicas);
  });

  test("then the WAL and compactor volumes follow the volume, and replication stays production's", () => {
    expect(settings.replicationFactor).toBe(SIZE_PRESETS.production.replicationFactor);
    expect(values.ingester.persistence.claims[0].size).toBe(walVolumeSize(gb, settings.replicationFactor, tier.replicas.ingester));
    expect(values.compactor.persistence.claims[0].size).toBe(compactorVolumeSize(gb, settings.retentionDays));
  });

  test("then the WAL replay ceiling and the ingesters' grace period follow the tier's ingester memory limit", () => {
    const limit = memoryQuantity(tier.requests.ingester.memoryGi * LIMIT_TO_REQUEST);
    expect(values.ingester.resources.limits.memory).toBe(limit);
    expect(values.loki.ingester.wal).toEqual(walSafety(limit).wal);
    expect(values.ingester.terminationGracePeriodSeconds).toBe(walSafety(limit).terminationGracePeriodSeconds);
  });

  test("then the ingestion limits carry the stated headroom over the declared average", () => {
    const limits = loose(values).loki.limits_config;
    expect(limits.ingestion_rate_mb).toBeGreaterThanOrEqual(averageMibPerSecond(gb) * 4);
    expect(limits.per_stream_rate_limit).toBe(`${limits.ingestion_rate_mb}MB`);
  });
});

describe("the reference preset without a declared volume", () => {
  const { settings, values } = build();

  test("given no ingest volume, then the preset, its resources table and 10Gi volumes are unchanged", () => {
    expect(settings.sizing.tier).toBeUndefined();
    expect(settings.replicas).toEqual(SIZE_PRESETS.reference.replicas);
    for (const component of LOKI_COMPONENTS) expect(values[component].resources).toEqual(COMPONENT_RESOURCES[component]);
    expect(values.ingester.persistence.claims[0].size).toBe("10Gi");
    expect(values.compactor.persistence.claims[0].size).toBe("10Gi");
    expect(loose(values).chunksCache).not.toHaveProperty("replicas");
  });

  test("given no ingest volume, then the limits are Loki's defaults apart from a query length that covers the retention", () => {
    expect(loose(values).loki.limits_config).toMatchObject({
      ingestion_rate_mb: LOKI_DEFAULT_LIMITS.ingestionRateMb,
      max_global_streams_per_user: LOKI_DEFAULT_LIMITS.maxGlobalStreamsPerTenant,
      max_query_series: LOKI_DEFAULT_LIMITS.maxQuerySeries,
      max_query_length: "768h",
    });
  });

  test("given size production without a volume, then the production preset as before", () => {
    const production = build({ size: "production" });
    expect(production.settings.replicas).toEqual(SIZE_PRESETS.production.replicas);
    expect(production.values.ingester.resources).toEqual(COMPONENT_RESOURCES.ingester);
  });
});

describe("overrides on top of a tier", () => {
  test("given replicas and component resources, then they win over the tier", () => {
    const { values } = build({
      ingestGbPerDay: 500,
      replicas: { querier: 3 },
      componentResources: { querier: { cpuRequest: "500m", memoryLimit: "8Gi" } },
      ingesterVolumeSize: "20Gi",
      chunksCacheMemoryMb: 1024,
    });
    expect(values.querier.replicas).toBe(3);
    expect(values.querier.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "8Gi" } });
    expect(values.ingester.persistence.claims[0].size).toBe("20Gi");
    expect(values.chunksCache.allocatedMemory).toBe(1024);
  });

  test("given an ingester memory limit in componentResources, then the WAL settings follow it", () => {
    const { values } = build({ ingestGbPerDay: 500, componentResources: { ingester: { memoryLimit: "12Gi" } } });
    expect(values.loki.ingester.wal.replay_memory_ceiling).toBe(walSafety("12Gi").wal.replay_memory_ceiling);
  });
});

describe("limits", () => {
  test("given limits, then limits_config carries each under Loki's key and spelling", () => {
    const { values } = build({
      limits: {
        ingestionRateMb: 20,
        ingestionBurstMb: 30,
        perStreamRateMb: 10,
        perStreamBurstMb: 40,
        maxGlobalStreamsPerTenant: 20000,
        maxLineSizeKb: 512,
        maxQueryLength: "800h",
        maxQuerySeries: 1000,
        queryTimeoutSeconds: 600,
      },
    });
    expect(loose(values).loki.limits_config).toMatchObject({
      ingestion_rate_mb: 20,
      ingestion_burst_size_mb: 30,
      per_stream_rate_limit: "10MB",
      per_stream_rate_limit_burst: "40MB",
      max_global_streams_per_user: 20000,
      max_line_size: "512KB",
      max_query_length: "800h",
      max_query_series: 1000,
      query_timeout: "600s",
    });
    expect(loose(values).loki.server).toEqual({ http_server_read_timeout: "1200s", http_server_write_timeout: "1200s" });
  });

  test("given any retention, then the default max_query_length is at least the retention", () => {
    for (const retentionPeriod of ["24h", "744h", "2160h"]) {
      const { values } = build({ retentionPeriod });
      expect(parseInt(String(loose(values).loki.limits_config.max_query_length), 10)).toBeGreaterThanOrEqual(parseInt(retentionPeriod, 10));
    }
  });

  test("given defaults, then limits_config sets every typed limit", () => {
    const { values } = build({ ingestGbPerDay: 500 });
    for (const key of Object.values(LIMIT_KEYS)) expect(loose(values).loki.limits_config).toHaveProperty(key);
  });

  test("given tenant limits, then they go to the runtime config Loki reloads, in Loki's spelling", () => {
    const { values } = build({ tenantLimits: { "team-a": { ingestionRateMb: 50, queryTimeoutSeconds: 120 } } });
    expect(loose(values).loki.runtimeConfig).toEqual({ overrides: { "team-a": { ingestion_rate_mb: 50, query_timeout: "120s" } } });
  });

  test("given no tenant limits, then no runtime config is written", () => {
    expect(loose(build().values).loki).not.toHaveProperty("runtimeConfig");
  });

  test("given one volume, then the per-stream limits cover a stream as large as the whole tenant", () => {
    const limits = defaultLimits(2_000, 744);
    expect(limits.perStreamRateMb).toBe(limits.ingestionRateMb);
    expect(limits.perStreamBurstMb).toBeGreaterThanOrEqual(limits.ingestionBurstMb);
  });
});

describe("the stack with a declared volume", () => {
  const props: LokiStackProps = { ...REFERENCE_PROPS, ingestGbPerDay: 500, limits: { queryTimeoutSeconds: 900 } };
  const { json } = synthStack(props);
  const released = parse(onlyResource(json, "helm_release").values[0]) as Record<string, Record<string, unknown>>;

  test("then the reported requests are the sum of the values the release receives", () => {
    let cpu = 0;
    let gib = 0;
    const add = (replicas: number, r: { requests: { cpu: string; memory: string } }) => {
      cpu += replicas * parseCpu(r.requests.cpu)!;
      gib += replicas * parseMemoryGi(r.requests.memory)!;
    };
    for (const component of LOKI_COMPONENTS) add(released[component].replicas as number, released[component].resources as never);
    for (const cache of ["chunksCache", "resultsCache"]) {
      add(released[cache].replicas as number, released[cache].resources as never);
      add(released[cache].replicas as number, released.memcachedExporter.resources as never);
    }
    add(1, released.gateway.resources as never);
    // Chart 18's access-log exporter beside nginx in the gateway pod.
    add(1, (released.gateway.metrics as Record<string, unknown>).resources as never);
    expect(json.output.loki_requests.value).toMatchObject({ cpu_cores: Math.round(cpu * 100) / 100, memory_gib: Math.round(gib * 100) / 100 });
    expect(json.output.loki_requests.description).toMatch(/CPU .* memory/);
  });

  test("then Grafana waits at least as long as Loki's query timeout", () => {
    const datasource = parse(json.resource.kubernetes_config_map_v1.loki_grafana_datasource.data[DATASOURCE_FILE_NAME]);
    expect(datasource.datasources[0].jsonData.timeout).toBeGreaterThanOrEqual(900);
    expect((released.loki as Record<string, Record<string, unknown>>).limits_config.query_timeout).toBe("900s");
  });
});

describe("releaseRequests", () => {
  test("given zone-aware ingesters, then each of the three zones runs ceil(replicas / 3)", () => {
    const { values } = build({ ingestGbPerDay: 500, replicas: { ingester: 4 }, zoneAwareReplication: true, replicationFactor: 3 });
    const without = releaseRequests({ ...values, ingester: { ...values.ingester, zoneAwareReplication: { enabled: false } } });
    const withZones = releaseRequests(values);
    // 4 ingesters become 3 zones of 2: two more ingesters' requests.
    expect(withZones.cpu_cores - without.cpu_cores).toBeCloseTo(2 * parseCpu(values.ingester.resources.requests.cpu)!, 5);
  });
});

describe("bad sizing input", () => {
  const fails = (props: Partial<LokiReleaseProps>, message: RegExp) => {
    expect(() => build(props)).toThrow(ConfigError);
    expect(() => build(props)).toThrow(message);
  };

  test.each([0, 1.5, 200_000, "500" as unknown as number])("fails on ingestGbPerDay %p", (ingestGbPerDay) => {
    fails({ ingestGbPerDay }, /^ingestGbPerDay must be a whole number of GB per day from 1 to 100000/);
  });

  test("fails on the reference size with a declared volume", () => {
    fails({ ingestGbPerDay: 500, size: "reference" }, /^size must be "production" or unset when ingestGbPerDay is set \(got "reference"\)/);
  });

  test("fails on resources for a component that does not exist", () => {
    fails({ componentResources: { gateway: { cpuRequest: "1" } } as never }, /^componentResources.gateway must be one of distributor/);
  });

  test("fails on a CPU request that is not a quantity", () => {
    fails({ componentResources: { querier: { cpuRequest: "1 core" } } }, /^componentResources.querier.cpuRequest must be a CPU quantity/);
  });

  test("fails on a memory limit that is not a whole number of bytes, which the WAL ceiling could not follow", () => {
    fails({ componentResources: { ingester: { memoryLimit: "1.5" } } }, /^componentResources.ingester.memoryLimit must be a memory quantity/);
  });

  test("fails on a memory limit that is not a quantity", () => {
    fails({ componentResources: { querier: { memoryLimit: "4GB" } } }, /^componentResources.querier.memoryLimit must be a memory quantity/);
  });

  test("fails on a CPU limit below the request", () => {
    fails({ componentResources: { ingester: { cpuRequest: "4", cpuLimit: "2" } } }, /^componentResources.ingester.cpuLimit must be at least the CPU request \(4\)/);
  });

  test("fails on a memory limit below the request", () => {
    fails({ ingestGbPerDay: 500, componentResources: { ingester: { memoryLimit: "2Gi" } } }, /^componentResources.ingester.memoryLimit must be at least the memory request \(4Gi\)/);
  });

  test("fails on a limit that does not exist", () => {
    fails({ limits: { ingestionRate: 5 } as never }, /^limits.ingestionRate must be one of ingestionRateMb/);
  });

  test("fails on limits that are not a map", () => {
    fails({ limits: 5 as never }, /^limits must be a map of limits/);
  });

  test.each([
    ["ingestionRateMb", 0],
    ["ingestionBurstMb", 2.5],
    ["perStreamRateMb", -1],
    ["perStreamBurstMb", 0],
    ["maxGlobalStreamsPerTenant", 0],
    ["maxLineSizeKb", 100_000],
    ["maxQuerySeries", 0],
    ["queryTimeoutSeconds", 5],
  ])("fails on limits.%s %p", (key, value) => {
    fails({ limits: { [key]: value } }, new RegExp(`^limits.${key} must be a whole number from`));
  });

  test("fails on a max query length shorter than the retention", () => {
    fails({ limits: { maxQueryLength: "720h" } }, /^limits.maxQueryLength must be at least the retention period "744h" \(got "720h"\)/);
  });

  test("fails on a max query length in days", () => {
    fails({ limits: { maxQueryLength: "32d" } }, /^limits.maxQueryLength must be whole hours such as "768h"/);
  });

  test("fails on tenant limits for a tenant ID Loki refuses", () => {
    fails({ tenantLimits: { "team a": { ingestionRateMb: 5 } } }, /^tenantLimits.team a must be a Loki tenant ID/);
  });

  test("fails on tenant limits that are not a map", () => {
    fails({ tenantLimits: [] as never }, /^tenantLimits must be a map of tenant ID to limits/);
  });

  test("fails on a tenant's bad limit", () => {
    fails({ tenantLimits: { "team-a": { maxQuerySeries: 0 } } }, /^tenantLimits.team-a.maxQuerySeries must be a whole number/);
  });

  test("fails on a tenant query timeout longer than the global one Grafana waits for", () => {
    fails({ tenantLimits: { "team-a": { queryTimeoutSeconds: 900 } } }, /^tenantLimits.team-a.queryTimeoutSeconds must be at most limits.queryTimeoutSeconds \(300\)/);
  });

  test.each([
    [{ loki: { limits_config: { ingestion_rate_mb: 8 } } }, /^valuesOverrides.loki.limits_config.ingestion_rate_mb must be unset .*set limits.ingestionRateMb instead/],
    [{ loki: { structuredConfig: { limits_config: { query_timeout: "1h" } } } }, /^valuesOverrides.loki.structuredConfig.limits_config.query_timeout must be unset/],
    [{ loki: { runtimeConfig: { overrides: {} } } }, /^valuesOverrides.loki.runtimeConfig.overrides must be unset .*set tenantLimits instead/],
    [{ loki: { server: { http_server_write_timeout: "30s" } } }, /^valuesOverrides.loki.server.http_server_write_timeout must be unset/],
  ])("fails on valuesOverrides of a value the typed limits own: %j", (valuesOverrides, message) => {
    fails({ valuesOverrides }, message);
  });

  test.each<[Partial<LokiStackProps>, RegExp]>([
    [{ ingestGbPerDay: 0 }, /^ingestGbPerDay must be a whole number of GB per day/],
    [{ ingestGbPerDay: 500, size: "reference" }, /^size must be "production" or unset when ingestGbPerDay is set/],
    [{ limits: { maxQueryLength: "720h" } }, /^limits.maxQueryLength must be at least the retention period "744h"/],
    [{ tenantLimits: { "team-a": { queryTimeoutSeconds: 900 } } }, /^tenantLimits.team-a.queryTimeoutSeconds must be at most limits.queryTimeoutSeconds/],
    [{ componentResources: { querier: { cpuRequest: "x" } } }, /^componentResources.querier.cpuRequest must be a CPU quantity/],
  ])("fails through the stack on %j, naming the setting the user wrote", (props, message) => {
    expect(() => synthStack({ ...REFERENCE_PROPS, ...props })).toThrow(message);
  });
});

describe("README", () => {
  const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");

  test.each([
    ['`size: "reference"` (default)', {}],
    ['`size: "production"`', { size: "production" as const }],
    ["`ingestGbPerDay` below 3000", { ingestGbPerDay: 1 }],
    ["`ingestGbPerDay` 3000 to 29999", { ingestGbPerDay: 3_000 }],
    ["`ingestGbPerDay` 30000 and up", { ingestGbPerDay: 30_000 }],
  ])("given %s, then the README's totals are what the stack reports", (row, props) => {
    const { values } = build(props);
    const { cpu_cores, memory_gib } = releaseRequests(values);
    expect(readme).toContain(`| ${row} | ${cpu_cores} | ${memory_gib} |`);
  });

  test("given Loki's max_chunk_age, then the README states the recovery window in one sentence with its number", () => {
    expect(RECOVERY_WINDOW_HOURS).toBe(LOKI_MAX_CHUNK_AGE_HOURS / 2);
    const section = readme.split("## Recovery window")[1].split("\n## ")[0];
    expect(section).toMatch(new RegExp(`no line is lost in an outage of up to ${RECOVERY_WINDOW_HOURS} hour`));
  });
});
