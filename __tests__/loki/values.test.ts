import { parse } from "yaml";
import { renderRuleFile } from "../../lib/loki/rules/alert-rules";
import { EXAMPLE_RULE_GROUPS } from "../../lib/loki/rules/rules";
import { LOKI_COMPONENTS, RULES_DIRECTORY, rulerRulesDirName, SCHEMA_START_DATE } from "../../lib/loki/chart";
import { LokiObjectStorage, LokiReleaseProps, resolveLokiReleaseProps } from "../../lib/loki/loki-props";
import { COMPONENT_RESOURCES, defaultLimits, limitsConfig } from "../../lib/loki/sizing";
import { checkTenant } from "../../lib/loki/tenancy";
import type { Chart18110Values } from "../../lib/loki/charts/values-18.11.0";
import type { Chart6290Values } from "../../lib/loki/charts/values-6.29.0";
import type { StorageSafetyValues } from "../../lib/loki/storage-safety";
import { buildLokiValues, SharedLokiValues, SUPPORT_RESOURCES } from "../../lib/loki/values";
import { checkValuesOverrides, PROTECTED_VALUES } from "../../lib/loki/values-overrides";

const ROLE_ARN = "arn:aws:iam::111122223333:role/loki-prod-eks-1";
const KMS_ARN = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/** S3 storage with the bucket names a stack for cluster prod-eks defaults to. */
const S3: LokiObjectStorage = { mode: "s3", region: "ap-northeast-1", chunksBucketName: "prod-eks-loki-chunks", rulerBucketName: "prod-eks-loki-ruler" };
/** S3 storage with other bucket names, as bucket constructs would hand them over. */
const BUCKETS: LokiObjectStorage = { ...S3, chunksBucketName: "prod-chunks", rulerBucketName: "prod-ruler" };

/** Values from the release's props (defaults: S3, no role annotation, reference size). */
function values(props: Partial<LokiReleaseProps> = {}) {
  return buildLokiValues(resolveLokiReleaseProps({ storage: S3, ...props }));
}
/** Values of chart 6.29.0, with its own keys typed. */
const values6290 = (props: Partial<LokiReleaseProps> = {}) =>
  values({ ...props, chartVersion: "6.29.0" }) as SharedLokiValues & Chart6290Values & StorageSafetyValues;
/** Values of chart 18.11.0, with its own keys typed. */
const values18110 = (props: Partial<LokiReleaseProps> = {}) =>
  values({ ...props, chartVersion: "18.11.0" }) as SharedLokiValues & Chart18110Values & StorageSafetyValues;

describe("buildLokiValues with the reference setup (S3, IRSA, reference size)", () => {
  const v = values({ ruleGroups: EXAMPLE_RULE_GROUPS, storage: BUCKETS, serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": ROLE_ARN } });

  test("given defaults, then Loki runs in Distributed mode with every scalable and single-binary target zeroed", () => {
    expect(v.deploymentMode).toBe("Distributed");
    expect(v.backend.replicas).toBe(0);
    expect(v.read.replicas).toBe(0);
    expect(v.write.replicas).toBe(0);
    expect(v.singleBinary.replicas).toBe(0);
  });

  test("given the reference size, then every component runs one replica, replication factor 1, no zones", () => {
    for (const component of LOKI_COMPONENTS) expect(v[component].replicas).toBe(1);
    expect(v.loki.commonConfig.replication_factor).toBe(1);
    expect(v.ingester.zoneAwareReplication.enabled).toBe(false);
  });

  test("given defaults, then every component has requests and limits, and a disruption budget where the chart has one", () => {
    for (const component of LOKI_COMPONENTS) expect(v[component].resources).toEqual(COMPONENT_RESOURCES[component]);
    for (const component of ["distributor", "ingester", "querier", "queryFrontend", "queryScheduler", "indexGateway", "ruler"] as const) {
      expect(v[component].maxUnavailable).toBe(1);
    }
    expect(v.compactor).not.toHaveProperty("maxUnavailable");
  });

  test("given defaults, then the caches are sized from the settings, not the chart's 8 GiB", () => {
    // The chart's own sizing (allocatedMemory x 1.2), made explicit so the pods also get a CPU limit.
    expect(v.chunksCache).toEqual({
      allocatedMemory: 512,
      resources: { requests: { cpu: "100m", memory: "614Mi" }, limits: { cpu: "1", memory: "614Mi" } },
    });
    expect(v.resultsCache).toEqual({
      allocatedMemory: 128,
      resources: { requests: { cpu: "100m", memory: "153Mi" }, limits: { cpu: "1", memory: "153Mi" } },
    });
  });

  test("given defaults, then the chart's supporting pods are bounded and the rules sidecar is off", () => {
    expect(v.gateway.resources).toEqual(SUPPORT_RESOURCES.gateway);
    expect(v.lokiCanary.resources).toEqual(SUPPORT_RESOURCES.lokiCanary);
    expect(v.memcachedExporter.resources).toEqual(SUPPORT_RESOURCES.memcachedExporter);
    for (const r of Object.values(SUPPORT_RESOURCES)) expect(Object.keys(r.limits).sort()).toEqual(["cpu", "memory"]);
    // Rules reach the ruler through ruler.directories; nothing needs the API, so no token is mounted.
    expect(v.sidecar).toEqual({ rules: { enabled: false } });
    expect(v.serviceAccount.automountServiceAccountToken).toBe(false);
  });

  test("given auth off, then the canary names no tenant, in either chart version", () => {
    expect(values6290().lokiCanary.extraArgs).toEqual([]);
    expect(values18110().lokiCanary).not.toHaveProperty("tenant");
  });

  test("given defaults, then the ingesters' WAL and the compactor sit on persistent volumes of the default class, written as each chart version needs", () => {
    // Chart 18 writes a claim's accessModes as they are (none would be a claim template without them); 6.29.0 fills them in.
    const rwo = { name: "data", accessModes: ["ReadWriteOnce"], size: "10Gi" };
    expect(v.ingester.persistence).toEqual({ enabled: true, claims: [rwo] });
    expect(v.compactor.persistence).toEqual({ enabled: true, claims: [rwo] });
    expect(values6290().ingester.persistence).toEqual({ enabled: true, claims: [{ name: "data", size: "10Gi" }] });
    expect(values6290().compactor.persistence).toEqual({ enabled: true, claims: [{ name: "data", size: "10Gi" }] });
  });

  test("given S3, then Loki stores in the given buckets with a region and no endpoint, keys or path style", () => {
    expect(v.loki.storage).toEqual({ type: "s3", bucketNames: { chunks: "prod-chunks", ruler: "prod-ruler" }, s3: { region: "ap-northeast-1" } });
    expect(v.minio).toEqual({ enabled: false });
  });

  test("given defaults, then one tsdb v13 schema period starts on a fixed past date", () => {
    expect(v.loki.schemaConfig.configs).toEqual([
      { from: "2024-04-01", store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "loki_index_", period: "24h" } },
    ]);
    expect(new Date(SCHEMA_START_DATE).getTime()).toBeLessThan(Date.now());
  });

  test("given IRSA, then the top-level service account is created under the shared name with the role annotation", () => {
    expect(v.serviceAccount).toEqual({
      create: true,
      name: "loki",
      annotations: { "eks.amazonaws.com/role-arn": ROLE_ARN },
      automountServiceAccountToken: false,
    });
    expect(v.loki).not.toHaveProperty("serviceAccount");
  });

  test("given auth off, then the rules live under the tenant fake", () => {
    expect(v.loki.auth_enabled).toBe(false);
    expect(v.ruler.directories).toEqual({ fake: { "argocd.yaml": renderRuleFile(EXAMPLE_RULE_GROUPS[0]) } });
    expect(parse(v.ruler.directories.fake["argocd.yaml"]).groups[0].rules[0].alert).toBe("HighPercentageError");
  });

  test("given defaults, then the ruler reads them from local storage set through structuredConfig, never rulerConfig", () => {
    expect(v.loki.structuredConfig.ruler.storage).toEqual({ type: "local", local: { directory: RULES_DIRECTORY } });
    expect(RULES_DIRECTORY).toBe("/etc/loki/rules");
    expect(v.loki.rulerConfig).not.toHaveProperty("storage");
    expect(v.ruler.enabled).toBe(true);
  });

  test("given defaults, then alerts go to the reference Alertmanager with the ruler API on", () => {
    expect(v.loki.rulerConfig).toEqual({ alertmanager_url: "http://prometheus-alertmanager.prometheus.svc.cluster.local:9093", enable_api: true });
  });

  test("given defaults, then retention is 744h, applied by the compactor with its delete-request store", () => {
    expect(v.loki.limits_config).toEqual({ retention_period: "744h", allow_structured_metadata: true, ...limitsConfig(defaultLimits(undefined, 744)) });
    expect(v.loki.compactor).toEqual({ retention_enabled: true, delete_request_store: "s3" });
  });

  test("given defaults, then chunks are snappy-encoded", () => {
    expect(v.loki.ingester.chunk_encoding).toBe("snappy");
  });
});

describe("buildLokiValues variations", () => {
  test("given the production size, then the replicas follow Grafana's AWS guide with RF 3 and no zone awareness", () => {
    const v = values({ size: "production" });
    expect(LOKI_COMPONENTS.map((c) => [c, v[c].replicas])).toEqual([
      ["distributor", 3],
      ["ingester", 3],
      ["querier", 3],
      ["queryFrontend", 2],
      ["queryScheduler", 2],
      ["indexGateway", 2],
      ["compactor", 1],
      ["ruler", 1],
    ]);
    expect(v.loki.commonConfig.replication_factor).toBe(3);
    expect(v.ingester.zoneAwareReplication.enabled).toBe(false);
    expect(v.chunksCache.allocatedMemory).toBe(2048);
    expect(v.resultsCache.allocatedMemory).toBe(512);
  });

  test("given replica overrides, then they land on their components", () => {
    const v = values({ replicas: { querier: 4, ruler: 2 } });
    expect(v.querier.replicas).toBe(4);
    expect(v.ruler.replicas).toBe(2);
  });

  test("given cache sizes, a storage class and volume sizes, then they land where the chart reads them", () => {
    const v = values({ chunksCacheMemoryMb: 1024, resultsCacheMemoryMb: 256, storageClass: "gp3", ingesterVolumeSize: "50Gi", compactorVolumeSize: "20Gi" });
    expect(v.chunksCache.allocatedMemory).toBe(1024);
    expect(v.resultsCache.allocatedMemory).toBe(256);
    expect(v.ingester.persistence.claims).toEqual([{ name: "data", accessModes: ["ReadWriteOnce"], size: "50Gi", storageClass: "gp3" }]);
    expect(v.compactor.persistence.claims).toEqual([{ name: "data", accessModes: ["ReadWriteOnce"], size: "20Gi", storageClass: "gp3" }]);
  });

  test("given a KMS key on the buckets, then Loki writes with SSE-KMS and that key", () => {
    const v = values({ storage: { ...BUCKETS, kmsKeyArn: KMS_ARN } });
    expect(v.loki.storage.s3).toEqual({ region: "ap-northeast-1", sse: { type: "SSE-KMS", kms_key_id: KMS_ARN } });
  });

  test("given SSE-S3 buckets, then no sse values are set", () => {
    expect(values({ storage: BUCKETS }).loki.storage.s3).not.toHaveProperty("sse");
  });

  test("given bucket names, a KMS key and a region, then Loki uses exactly those", () => {
    const v = values({ storage: { mode: "s3", chunksBucketName: "a-chunks", rulerBucketName: "a-ruler", kmsKeyArn: KMS_ARN, region: "eu-west-1" } });
    expect(v.loki.storage).toEqual({
      type: "s3",
      bucketNames: { chunks: "a-chunks", ruler: "a-ruler" },
      s3: { region: "eu-west-1", sse: { type: "SSE-KMS", kms_key_id: KMS_ARN } },
    });
  });

  test("given a single bucket, then chunks and ruler name the same bucket", () => {
    expect(values({ storage: { ...S3, rulerBucketName: S3.chunksBucketName } }).loki.storage.bucketNames).toEqual({ chunks: "prod-eks-loki-chunks", ruler: "prod-eks-loki-chunks" });
  });

  test("given MinIO on chart 6.29.0, then the chart's MinIO is on and nothing AWS is set", () => {
    const v = values6290({ storage: { mode: "minio" } });
    expect(v.minio).toEqual({ enabled: true, resources: SUPPORT_RESOURCES.minio });
    expect(v.loki.storage).toEqual({ type: "s3" });
    expect(v.serviceAccount.annotations).toEqual({});
    expect(JSON.stringify(v)).not.toMatch(/amazonaws|arn:aws|ap-northeast-1/);
  });

  test("given MinIO on chart 6.29.0 and a storage class (the one the stack creates), then MinIO's volume names it like every other claim", () => {
    const v = values6290({ storage: { mode: "minio" }, storageClass: "loki-gp3" });
    expect(v.minio).toEqual({ enabled: true, resources: SUPPORT_RESOURCES.minio, persistence: { storageClass: "loki-gp3" } });
    expect([...v.ingester.persistence.claims, ...v.compactor.persistence.claims].map((c) => c.storageClass)).toEqual(["loki-gp3", "loki-gp3"]);
  });

  test("given Pod Identity (no annotations), then the service account carries none", () => {
    expect(values({ serviceAccountAnnotations: {} }).serviceAccount.annotations).toEqual({});
  });

  test("given a tenant, then auth is on and the rules live under that tenant", () => {
    const v = values({ tenant: "team-a", ruleGroups: EXAMPLE_RULE_GROUPS });
    expect(v.loki.auth_enabled).toBe(true);
    expect(Object.keys(v.ruler.directories)).toEqual(["team-a"]);
    expect(Object.keys(v.ruler.directories["team-a"])).toEqual(["argocd.yaml"]);
    // The canary pushes through the gateway, which needs the tenant once auth is on: a flag of its own in 6.29.0,
    // lokiCanary.tenant (its -user and -tenant-id) from chart 9.0.
    expect(values6290({ tenant: "team-a" }).lokiCanary.extraArgs).toEqual(["-tenant-id=team-a"]);
    expect(values18110({ tenant: "team-a" }).lokiCanary.tenant).toEqual({ name: "team-a" });
  });

  test("given no rule groups, then the tenant's directory still exists, empty", () => {
    expect(values().ruler.directories).toEqual({ fake: {} });
  });

  test("given another service account name, then the chart creates that one", () => {
    expect(values({ serviceAccountName: "loki-sa" }).serviceAccount.name).toBe("loki-sa");
  });

  test("given a retention period and an Alertmanager, then both land where the chart reads them", () => {
    const v = values({ retentionPeriod: "168h", alertmanagerUrl: "http://am.monitoring.svc:9093" });
    expect(v.loki.limits_config.retention_period).toBe("168h");
    expect(v.loki.rulerConfig.alertmanager_url).toBe("http://am.monitoring.svc:9093");
  });

  test("given values overrides, then they are deep-merged last without dropping the stack's values", () => {
    const v = values({
      valuesOverrides: { gateway: { replicas: 2 }, loki: { limits_config: { reject_old_samples_max_age: "72h" } }, querier: { resources: { limits: { memory: "4Gi" } } } },
    }) as unknown as Record<string, Record<string, unknown>>;
    expect(v.gateway).toMatchObject({ replicas: 2, resources: SUPPORT_RESOURCES.gateway });
    expect(v.loki.limits_config).toMatchObject({ retention_period: "744h", allow_structured_metadata: true, ingestion_rate_mb: 4, reject_old_samples_max_age: "72h" });
    expect(v.querier.resources).toEqual({ requests: COMPONENT_RESOURCES.querier.requests, limits: { cpu: "2", memory: "4Gi" } });
    expect(v.loki.auth_enabled).toBe(false);
  });
});

describe("buildLokiValues of chart 18.11.0's own keys", () => {
  const v = values18110({ serviceAccountAnnotations: { "eks.amazonaws.com/role-arn": ROLE_ARN } });

  test("given the role annotation, then only Loki's account carries it: the gateway's and memcached's own accounts (chart 18) get none and no API token", () => {
    expect(v.serviceAccount.annotations).toEqual({ "eks.amazonaws.com/role-arn": ROLE_ARN });
    for (const account of [v.gateway.serviceAccount, v.memcached.serviceAccount]) {
      expect(account).toEqual({ create: true, annotations: {}, automountServiceAccountToken: false });
    }
  });

  test("given chart 18's pod template, then Loki's pods are told not to mount an API token (the chart's default mounts one)", () => {
    expect(v.defaults).toEqual({ automountServiceAccountToken: false });
  });

  test("given chart 18's gateway exporter, then it is bounded like every other container", () => {
    expect(v.gateway.metrics.resources).toEqual(SUPPORT_RESOURCES.gatewayExporter);
  });

  test("given S3 storage, then no bundled-MinIO override is set", () => {
    expect(v).not.toHaveProperty("ignoreMinioDeprecation");
  });
});

describe("checkValuesOverrides", () => {
  test("given overrides of unprotected values, then they pass", () => {
    expect(() =>
      checkValuesOverrides({
        gateway: { replicas: 2 },
        loki: { limits_config: { reject_old_samples_max_age: "72h" }, storage: { s3: { backoff_config: {} } } },
        serviceAccount: { annotations: { "example.com/owner": "sre" }, labels: { team: "sre" } },
        ingester: { zoneAwareReplication: { maxUnavailablePct: 50 } },
      }),
    ).not.toThrow();
  });

  test.each(PROTECTED_VALUES.map((p) => [p.path.join("."), p]))("fails on an override of %s", (_, protectedValue) => {
    const overrides = protectedValue.path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), "x");
    expect(() => checkValuesOverrides(overrides)).toThrow(/^valuesOverrides\.\S+ must be unset \(got "x"\): the stack derives it from one source; /);
  });

  test("fails on an override of loki.auth_enabled, pointing at authEnabled and tenant", () => {
    expect(() => checkValuesOverrides({ loki: { auth_enabled: true } })).toThrow(
      "valuesOverrides.loki.auth_enabled must be unset (got true): the stack derives it from one source; set authEnabled and tenant instead",
    );
  });

  test("fails on an override of the service account name, pointing at serviceAccountName", () => {
    expect(() => checkValuesOverrides({ serviceAccount: { name: "other" } })).toThrow(/^valuesOverrides\.serviceAccount\.name must be unset .*set serviceAccountName instead/);
  });

  test("fails on an override of the role annotation, quoting its key", () => {
    expect(() => checkValuesOverrides({ serviceAccount: { annotations: { "eks.amazonaws.com/role-arn": "arn" } } })).toThrow(
      /^valuesOverrides\.serviceAccount\.annotations\["eks\.amazonaws\.com\/role-arn"\] must be unset/,
    );
  });

  test("fails on an override of the rule directories, pointing at ruleGroups", () => {
    expect(() => checkValuesOverrides({ ruler: { directories: { tenant_foo: {} } } })).toThrow(/^valuesOverrides\.ruler\.directories must be unset .*set ruleGroups/);
  });

  test("fails on an override of fullnameOverride, pointing at releaseName", () => {
    expect(() => checkValuesOverrides({ fullnameOverride: "logs" })).toThrow(/^valuesOverrides\.fullnameOverride must be unset .*set releaseName/);
  });

  test("fails on an override of the deployment mode", () => {
    expect(() => checkValuesOverrides({ deploymentMode: "SimpleScalable" })).toThrow(/^valuesOverrides\.deploymentMode must be unset .*Distributed mode only/);
  });

  test("fails on an override of minio.enabled, pointing at storage", () => {
    expect(() => checkValuesOverrides({ minio: { enabled: true } })).toThrow(/^valuesOverrides\.minio\.enabled must be unset .*set storage instead/);
  });

  test("fails on a ruler storage inside loki.rulerConfig", () => {
    expect(() => checkValuesOverrides({ loki: { rulerConfig: { storage: { type: "s3" } } } })).toThrow(/^valuesOverrides\.loki\.rulerConfig\.storage must be unset/);
  });

  test("fails on replacing a map that holds a protected value", () => {
    expect(() => checkValuesOverrides({ loki: null })).toThrow(
      /^valuesOverrides\.loki must be a map of values \(got null\): replacing it would drop loki\.auth_enabled/,
    );
    expect(() => checkValuesOverrides({ serviceAccount: { annotations: [] } })).toThrow(/^valuesOverrides\.serviceAccount\.annotations must be a map of values/);
  });

  test("fails on overrides that are not a map", () => {
    expect(() => checkValuesOverrides(["gateway"])).toThrow(/^valuesOverrides must be a map of chart values/);
  });

  test("fails when the release's props are resolved, before any resource exists", () => {
    expect(() => resolveLokiReleaseProps({ storage: S3, valuesOverrides: { loki: { auth_enabled: true } } })).toThrow(
      /^valuesOverrides\.loki\.auth_enabled must be unset/,
    );
  });
});

describe("checkTenant", () => {
  test("given tenants the chart can mount, then they pass and the volume name follows the chart's helper", () => {
    expect(rulerRulesDirName("fake")).toBe("rules-fake");
    expect(rulerRulesDirName("Tenant_Foo")).toBe("rules-tenant-foo");
    for (const tenant of ["fake", "team-a", "tenant_foo", "TeamA", "a".repeat(57)]) expect(() => checkTenant("tenant", tenant)).not.toThrow();
  });

  test("fails on a tenant with a dot, which no pod volume name may hold", () => {
    expect(() => checkTenant("tenant", "team.a")).toThrow(
      'tenant must be a tenant of letters, digits, "_" and "-" that ends in a letter or digit, at most 57 characters (got "team.a"): ' +
        'the chart mounts the tenant\'s rules as the volume "rules-team.a", which must be a DNS-1123 label',
    );
  });

  test("fails on a tenant too long for a volume name", () => {
    expect(() => checkTenant("tenant", "a".repeat(58))).toThrow(/^tenant must be a tenant of letters/);
  });

  test("fails on a tenant ending in two separators", () => {
    expect(() => checkTenant("tenant", "team__")).toThrow(/volume "rules-team-"/);
  });

  test("fails when the release's props are resolved, before any resource exists", () => {
    expect(() => resolveLokiReleaseProps({ storage: S3, tenant: "team.a" })).toThrow(/^tenant must be a tenant of letters/);
  });
});
