import { EXAMPLE_RULE_GROUPS } from "../lib/loki/rules/rules";
import { ConfigError } from "../lib/core/validation";
import { DEFAULT_FLUENT_BIT_IMAGE } from "../lib/fluent-bit/props";
import { LokiStackProps, LokiStackSettings, resolveLokiStackProps, S3StackStorage } from "../lib/loki-stack-props";
import { DEFAULT_CHART_VERSION } from "../lib/loki/chart";
import { DEFAULT_CHART_REPOSITORY, LOKI_CHARTS } from "../lib/loki/chart-versions";
import { DEFAULT_ALERTMANAGER_URL, SIZE_PRESETS } from "../lib/loki/loki-props";

const base: LokiStackProps = { clusterName: "prod-eks" };
const resolve = (extra: Partial<LokiStackProps> = {}) => resolveLokiStackProps({ ...base, ...extra }, "loki-test");

/** The S3 storage of resolved settings: the buckets' props resolved and the role's, side by side. */
function s3(settings: LokiStackSettings): S3StackStorage["resolvedBuckets"] & S3StackStorage["identity"] & { chunksExpirationDays?: number } {
  if (settings.storage.mode !== "s3") throw new Error("expected S3 storage");
  return { ...settings.storage.resolvedBuckets, ...settings.storage.identity };
}

describe("resolveLokiStackProps defaults", () => {
  const s = resolve();
  const loki = s.lokiResolved;

  test("given only a cluster name, then it follows the reference deployment", () => {
    expect(s.region).toBe("ap-northeast-1");
    expect(s.names.namespace).toBe("loki");
    expect(s.names.releaseName).toBe("loki");
    expect(s.names.serviceAccountName).toBe("loki");
    expect(loki.alertmanagerUrl).toBe(DEFAULT_ALERTMANAGER_URL);
    expect(loki.chart).toBe(LOKI_CHARTS[DEFAULT_CHART_VERSION]);
    expect(loki.chartRepository).toBe(DEFAULT_CHART_REPOSITORY);
    expect(DEFAULT_CHART_VERSION).toBe("18.11.0");
    expect(DEFAULT_CHART_REPOSITORY).toBe("https://grafana-community.github.io/helm-charts");
    expect(s.fluentBit?.image).toBe(DEFAULT_FLUENT_BIT_IMAGE);
    expect(s.fluentBit?.version).toBe(LOKI_CHARTS[DEFAULT_CHART_VERSION].fluentBitVersion);
    expect(DEFAULT_FLUENT_BIT_IMAGE).toMatch(/:5\.1\.1$/);
  });

  test("given no tenant, then auth is off and the tenant is Loki's single-tenant name", () => {
    expect(s.tenancy).toEqual({ authEnabled: false, tenant: "fake", tenants: ["fake"] });
  });

  test("given no storage settings, then S3 with separate buckets, SSE-S3, IRSA and destroy protection", () => {
    expect(s.storage.mode).toBe("s3");
    expect(s3(s)).toMatchObject({
      chunksBucketName: "prod-eks-loki-chunks",
      rulerBucketName: "prod-eks-loki-ruler",
      singleBucket: false,
      encryption: "SSE-S3",
      identity: "irsa",
      createOidcProvider: false,
      allowDestroy: false,
      noncurrentVersionExpirationDays: 7,
      abortIncompleteMultipartUploadDays: 7,
    });
  });

  test("given the default retention of 31 days, then the backstop expiration is 30 days longer", () => {
    expect(loki.retentionPeriod).toBe("744h");
    expect(loki.retentionDays).toBe(31);
    expect(s3(s)).toMatchObject({ chunksExpirationDays: 61 });
  });

  test("given the default size, then one replica of each component and replication factor 1", () => {
    expect(loki.replicas).toEqual(SIZE_PRESETS.reference.replicas);
    expect(Object.values(loki.replicas).every((n) => n === 1)).toBe(true);
    expect(loki.replicationFactor).toBe(1);
    expect(loki.zoneAwareReplication).toBe(false);
  });

  test("given no storage class, then the stack creates a gp3 class on the EBS CSI add-on, and the release's claims name it", () => {
    expect(s.storageClass).toEqual({ name: "loki-gp3", ebsProvisioner: "ebs.csi.aws.com", clusterName: "prod-eks" });
    expect(loki.storageClass).toBe("loki-gp3");
    expect(resolve({ namespace: "logging" }).lokiResolved.storageClass).toBe("logging-gp3");
  });

  test("given an existing storage class, then the stack creates none and the release's claims name that one", () => {
    const named = resolve({ storageClass: "gp2" });
    expect(named.storageClass).toBeUndefined();
    expect(named.lokiResolved.storageClass).toBe("gp2");
  });

  test("given EKS Auto Mode's provisioner, then the created class uses it", () => {
    expect(resolve({ ebsProvisioner: "ebs.csi.eks.amazonaws.com" }).storageClass?.ebsProvisioner).toBe("ebs.csi.eks.amazonaws.com");
  });

  test("given no backend, then state stays local", () => {
    expect(s.backend).toBeUndefined();
  });
});

describe("resolveLokiStackProps choices", () => {
  test("given size production, then Grafana's AWS guide numbers with RF 3 and no zone awareness", () => {
    const s = resolve({ size: "production" }).lokiResolved;
    expect(s.replicas).toEqual({
      distributor: 3,
      ingester: 3,
      querier: 3,
      queryFrontend: 2,
      queryScheduler: 2,
      indexGateway: 2,
      compactor: 1,
      ruler: 1,
    });
    expect(s.replicationFactor).toBe(3);
    expect(s.zoneAwareReplication).toBe(false);
  });

  test("given a tenant, then auth turns on and that tenant is used", () => {
    const s = resolve({ tenant: "team-a" });
    expect(s.tenancy).toEqual({ authEnabled: true, tenant: "team-a", tenants: ["team-a"] });
    expect(s.fluentBit?.loki.tenant).toBe("team-a");
    expect(s.grafana?.loki.tenant).toBe("team-a");
  });

  test("given a single bucket, then ruler data shares the chunks bucket", () => {
    const s = resolve({ singleBucket: true, chunksBucketName: "acme-loki" });
    expect(s3(s)).toMatchObject({ chunksBucketName: "acme-loki", rulerBucketName: "acme-loki", singleBucket: true });
  });

  test("given a KMS key ARN, then encryption is SSE-KMS with that key", () => {
    const arn = "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(s3(resolve({ kmsKeyArn: arn }))).toMatchObject({ encryption: "SSE-KMS", kmsKeyArn: arn });
  });

  test("given a backend bucket, then the state key is per stack and the region defaults to the stack's", () => {
    expect(resolve({ backend: { bucket: "acme-tf-state" } }).backend).toEqual({
      bucket: "acme-tf-state",
      key: "loki/loki-test.tfstate",
      region: "ap-northeast-1",
    });
  });

  test("given MinIO, then no S3 settings are resolved: a MinIO release on the default chart, the bundled MinIO on 6.29.0", () => {
    expect(resolve({ storage: "minio" }).storage).toEqual({
      mode: "minio-release",
      store: { namespace: "loki", releaseName: "loki-minio-store", storageClass: "loki-gp3" },
      transition: undefined,
    });
    expect(resolve({ storage: "minio", chartVersion: "6.29.0" }).storage).toEqual({ mode: "minio" });
  });

  test("given the example rules, then they validate", () => {
    expect(resolve({ ruleGroups: EXAMPLE_RULE_GROUPS }).lokiResolved.ruleGroups).toBe(EXAMPLE_RULE_GROUPS);
  });

  test.each([
    ["18.11.0", "https://grafana-community.github.io/helm-charts", "3.7.6", "5.1.1"],
    ["6.29.0", "https://grafana.github.io/helm-charts", "3.4.2", "4.0.1"],
  ] as const)("given chart %s, then its repository, its Loki and the Fluent Bit that goes with it", (version, repository, loki, agent) => {
    const s = resolve({ chartVersion: version });
    expect(s.lokiResolved.chart).toBe(LOKI_CHARTS[version]);
    expect(s.lokiResolved.chartRepository).toBe(repository);
    expect(s.lokiResolved.chart.lokiVersion).toBe(loki);
    expect(s.fluentBit?.version).toBe(agent);
    expect(s.fluentBit?.image).toBe(`cr.fluentbit.io/fluent/fluent-bit:${agent}`);
  });

  test("given a mirror and image overrides, then the chart comes from the mirror and the images from the overrides, at the chart's version", () => {
    const s = resolve({
      chartVersion: "18.11.0",
      chartRepository: "https://charts.example.com/mirror",
      fluentBit: { image: "registry.example.com/fluent/fluent-bit:5.1.1" },
      valuesOverrides: { loki: { image: { registry: "registry.example.com" } } },
    });
    expect(s.lokiResolved.chartRepository).toBe("https://charts.example.com/mirror");
    expect(s.lokiResolved.chart.version).toBe("18.11.0");
    expect(s.fluentBit?.image).toBe("registry.example.com/fluent/fluent-bit:5.1.1");
    expect(s.fluentBit?.version).toBe("5.1.1");
    expect(s.lokiResolved.valuesOverrides).toEqual({ loki: { image: { registry: "registry.example.com" } } });
  });
});

describe("resolveLokiStackProps validation", () => {
  // One row per rule: the props, the setting the message must name, and a fragment of the expected form.
  const cases: [string, Partial<LokiStackProps>, string, RegExp][] = [
    ["an empty cluster name", { clusterName: "" }, "clusterName", /existing EKS cluster/],
    ["a cluster name with spaces", { clusterName: "my cluster" }, "clusterName", /EKS cluster name/],
    ["a region that is not a region code", { region: "tokyo" }, "region", /AWS region code/],
    ["a namespace with capitals", { namespace: "Loki" }, "namespace", /DNS-1123 label/],
    ["a release name over 53 characters", { releaseName: "l".repeat(54) }, "releaseName", /at most 53/],
    ["a service account with underscores", { serviceAccountName: "loki_sa" }, "serviceAccountName", /DNS-1123 subdomain/],
    ["a bucket name with capitals", { chunksBucketName: "Loki-Chunks" }, "chunksBucketName", /S3 bucket name/],
    ["a bucket name that is too short", { chunksBucketName: "lk" }, "chunksBucketName", /3-63 characters/],
    ["a bucket name like an IP address", { rulerBucketName: "192.168.10.1" }, "rulerBucketName", /IP address/],
    ["the chart's placeholder bucket name", { chunksBucketName: "chunks" }, "chunksBucketName", /placeholder/],
    ["the bare name admin", { rulerBucketName: "admin" }, "rulerBucketName", /placeholder/],
    ["the same name for both buckets", { chunksBucketName: "acme-logs", rulerBucketName: "acme-logs" }, "rulerBucketName", /singleBucket/],
    ["a ruler bucket with a single bucket", { singleBucket: true, rulerBucketName: "acme-ruler" }, "rulerBucketName", /unset with singleBucket/],
    ["a KMS alias instead of a key ARN", { kmsKeyArn: "alias/loki" }, "kmsKeyArn", /KMS key ARN/],
    ["a KMS key with SSE-S3", { encryption: "SSE-S3", kmsKeyArn: "arn:aws:kms:ap-northeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" }, "encryption", /SSE-KMS/],
    ["bucket settings in MinIO mode", { storage: "minio", chunksBucketName: "acme-chunks" }, "chunksBucketName", /unset with storage "minio"/],
    ["retention below a day", { retentionPeriod: "12h" }, "retentionPeriod", /at least "24h"/],
    ["retention that is not whole days", { retentionPeriod: "36h" }, "retentionPeriod", /whole number of days/],
    ["retention in days", { retentionPeriod: "3d" }, "retentionPeriod", /written in hours/],
    ["a backstop no longer than retention", { retentionPeriod: "720h", chunksExpirationDays: 30 }, "chunksExpirationDays", /more than the longest retention period, 30 days/],
    ["a tenant with auth off", { tenant: "tenant_foo", authEnabled: false }, "tenant", /would never see a line/],
    ["auth on without a tenant", { authEnabled: true }, "tenant", /set when authEnabled is true/],
    ["a tenant with a slash", { tenant: "team/a" }, "tenant", /a tenant of letters, digits, "_" and "-"/],
    ["a replication factor above the ingesters", { replicationFactor: 3 }, "replicationFactor", /at most replicas.ingester \(1\)/],
    ["zone awareness with one ingester", { zoneAwareReplication: true }, "zoneAwareReplication", /fewer than 3 ingesters/],
    ["two compactors", { replicas: { compactor: 2 } }, "replicas.compactor", /exactly 1/],
    ["zero queriers", { replicas: { querier: 0 } }, "replicas.querier", /whole number from 1/],
    ["an unknown component", { replicas: { gateway: 2 } as never }, "replicas.gateway", /one of distributor/],
    ["a chart version range", { chartVersion: "^6.29.0" as never }, "chartVersion", /one of the chart versions the stack knows: "18\.11\.0" .* or "6\.29\.0"/],
    ["a chart version the stack has not been proven with", { chartVersion: "6.30.1" as never }, "chartVersion", /deploys only the versions it has been proven with/],
    ["a short Helm timeout", { helmTimeoutSeconds: 60 }, "helmTimeoutSeconds", /from 300 to 3600/],
    ["an Alertmanager URL without a scheme", { alertmanagerUrl: "alertmanager:9093" }, "alertmanagerUrl", /http\(s\) URL/],
    ["a Fluent Bit image on latest", { fluentBit: { image: "fluent/fluent-bit:latest" } }, "fluentBit.image", /pinned/],
    ["an untagged Fluent Bit image", { fluentBit: { image: "fluent/fluent-bit" } }, "fluentBit.image", /pinned/],
    ["a Fluent Bit state dir under /var/log", { fluentBit: { hostStateDir: "/var/log/fluent-bit" } }, "fluentBit.hostStateDir", /outside \/var\/log/],
    ["a volume size without a unit form", { ingesterVolumeSize: "ten gigs" }, "ingesterVolumeSize", /Kubernetes quantity/],
    ["a backend bucket name with capitals", { backend: { bucket: "TF_State" } }, "backend.bucket", /S3 bucket name/],
    ["Pod Identity with an OIDC provider to create", { identity: "pod-identity", createOidcProvider: true }, "createOidcProvider", /Pod Identity/],
    ["an EBS provisioner with a named storage class", { storageClass: "gp2", ebsProvisioner: "ebs.csi.aws.com" }, "ebsProvisioner", /unset when storageClass names an existing class/],
    ["an EBS provisioner that is not one", { ebsProvisioner: "kubernetes.io/aws-ebs" as never }, "ebsProvisioner", /"ebs.csi.aws.com" or "ebs.csi.eks.amazonaws.com"/],
    ["a storage class with capitals", { storageClass: "GP3" }, "storageClass", /DNS-1123 subdomain/],
    ["a zone migration stage that does not exist", { size: "production", zoneAwareReplication: true, zoneMigrationStage: "finish" as never }, "zoneMigrationStage", /"start", "writes", "reads", "exclude-default-zone"/],
    ["a zone migration without zone awareness", { size: "production", zoneMigrationStage: "start" }, "zoneMigrationStage", /unset while zoneAwareReplication is false/],
    ["an override of the derived WAL replay ceiling", { valuesOverrides: { loki: { ingester: { wal: { replay_memory_ceiling: "8GB" } } } } }, "valuesOverrides.loki.ingester.wal.replay_memory_ceiling", /unset/],
    ["an override that turns flush on shutdown off", { valuesOverrides: { loki: { ingester: { wal: { flush_on_shutdown: false } } } } }, "valuesOverrides.loki.ingester.wal.flush_on_shutdown", /unset/],
    ["an override of the rollout-operator", { valuesOverrides: { rollout_operator: { enabled: false } } }, "valuesOverrides.rollout_operator.enabled", /unset/],
    ["an override of the zone migration values", { valuesOverrides: { ingester: { zoneAwareReplication: { migration: { enabled: true } } } } }, "valuesOverrides.ingester.zoneAwareReplication.migration", /unset/],
    ["an ingester memory limit that is no byte quantity", { valuesOverrides: { ingester: { resources: { limits: { memory: "lots" } } } } }, "ingester memory limit (ingester.resources.limits.memory)", /whole-byte Kubernetes quantity/],
    ["an override of MinIO's storage class", { storage: "minio", valuesOverrides: { minio: { persistence: { storageClass: "gp2" } } } }, "valuesOverrides.minio.persistence.storageClass", /unset/],
  ];

  test.each(cases)("fails on %s", (_name, props, setting, expected) => {
    let error: unknown;
    try {
      resolve(props);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const err = error as ConfigError;
    expect(err.setting).toBe(setting);
    expect(err.message.startsWith(`${setting} must be `)).toBe(true);
    expect(err.message).toMatch(expected);
    expect(err.message).toMatch(/\(got .+\)/);
    expect(err.message).not.toMatch(/\n/);
  });
});
